import pytest

from tests.factories import institution_create


@pytest.fixture
def two_institutions():
    return institution_create("甲培训学校"), institution_create("乙培训学校")
