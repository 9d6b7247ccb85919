"""Django's async-safety check stays on outside the browser tests (tests/browser/conftest.py turns
it off only while a browser module runs): a synchronous ORM call inside a running event loop is
refused, as it would be in production."""

import os

import pytest
from django.core.exceptions import SynchronousOnlyOperation

from lms.models import User


def test_the_switch_is_not_left_on():
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ


@pytest.mark.django_db
async def test_a_synchronous_query_in_an_event_loop_is_refused():
    with pytest.raises(SynchronousOnlyOperation):
        User.objects.count()
