"""Lessons (cms.models.pages): a video file or a video address, never both or neither; durations."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from cms.models import (
    CoursePage,
    LessonPage,
)
from tests.factories import course_publish, institution_create, lesson_add

pytestmark = pytest.mark.django_db


# --- 6. lessons ----------------------------------------------------------------------------------


@pytest.fixture
def course():
    return course_publish(institution_create("课时培训学校"), "课时测试课程")


def video_document(course: CoursePage):
    return get_document_model().objects.create(
        title="视频",
        collection=course.institution.workspace.collection,
        file=ContentFile(b"not really a video", name="lesson.webm"),
    )


def test_a_lesson_with_a_video_address_is_valid(course):
    lesson = lesson_add(course)
    lesson.clean()
    assert lesson.video_source == "https://example.com/v.mp4"
    assert lesson.course.pk == course.pk


def test_a_lesson_with_a_video_file_is_valid(course):
    document = video_document(course)
    lesson = lesson_add(course, video=document, video_url="")
    lesson.clean()
    assert lesson.video_source == document.url


def test_a_lesson_with_both_a_file_and_an_address_is_refused(course):
    # given
    lesson = lesson_add(course)

    # when
    lesson.video = video_document(course)

    # then
    with pytest.raises(ValidationError):
        lesson.clean()


def test_a_lesson_with_neither_a_file_nor_an_address_is_refused(course):
    # given
    lesson = lesson_add(course)

    # when
    lesson.video_url = ""

    # then
    with pytest.raises(ValidationError):
        lesson.clean()


def test_saving_an_invalid_lesson_is_refused(course):
    with pytest.raises(ValidationError):
        course.add_child(instance=LessonPage(title="无视频", minutes=Decimal("5"), credit_hours=Decimal("1")))
    assert not LessonPage.objects.filter(title="无视频").exists()


def test_lesson_duration_is_minutes_in_seconds(course):
    assert lesson_add(course, minutes=Decimal("10")).duration_seconds == 600
    assert lesson_add(course, title="第二课", minutes=Decimal("1.5")).duration_seconds == 90
