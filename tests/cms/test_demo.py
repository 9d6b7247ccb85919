"""Demo videos (cms.demo_video) and the demo catalogue (cms.demo, `seed_demo`)."""

import io

import av
import pytest
from django.core.management import call_command
from wagtail.documents import get_document_model

from cms.demo import COURSES, LESSON_SECONDS
from cms.checks import course_credit
from cms.demo_video import lesson_video
from cms.selectors.catalogue import credit_mismatches
from cms.models import (
    CoursePage,
    LessonPage,
)

pytestmark = pytest.mark.django_db


def titles(courses) -> set[str]:
    return {course.title for course in courses}


# --- 7. demo videos ------------------------------------------------------------------------------


def test_lesson_video_is_a_real_webm_of_the_asked_length():
    # when
    data = lesson_video(seconds=2)

    # then
    with av.open(io.BytesIO(data)) as container:
        assert "webm" in container.format.name
        stream = container.streams.video[0]
        assert stream.codec_context.name == "vp8"
        assert (stream.codec_context.width, stream.codec_context.height) == (320, 180)
        frames = list(container.decode(stream))
    assert len(frames) == 20  # 2 s at 10 frames a second
    assert frames[0].time == pytest.approx(0, abs=0.01)
    assert frames[-1].time == pytest.approx(1.9, abs=0.05)  # the last frame starts 0.1 s before the end


# --- 8. the demo catalogue -----------------------------------------------------------------------


def test_seed_demo_creates_courses_with_document_videos_once():
    # when
    call_command("seed_demo", stdout=io.StringIO())

    # then
    courses = CoursePage.objects.live()
    assert courses.count() == 3
    assert titles(courses) == {spec["title"] for spec in COURSES}
    for spec in COURSES:
        course = courses.get(title=spec["title"])
        lessons = LessonPage.objects.child_of(course).live()
        assert lessons.count() == len(spec["lessons"])
        for lesson in lessons:
            assert lesson.video_id and not lesson.video_url
            assert lesson.video_source == lesson.video.url
            assert lesson.video.file.size > 0
            assert lesson.duration_seconds == LESSON_SECONDS
    counts = (CoursePage.objects.count(), LessonPage.objects.count(), get_document_model().objects.count())

    # when run again
    call_command("seed_demo", stdout=io.StringIO())

    # then nothing is duplicated
    assert (CoursePage.objects.count(), LessonPage.objects.count(), get_document_model().objects.count()) == counts
    assert counts[1] == sum(len(spec["lessons"]) for spec in COURSES)


def test_the_demo_awards_what_its_lessons_length_can_earn_and_a_course_what_its_lessons_award():
    # Given the demo catalogue (its lessons were once 30-second clips worth a whole 学时 each)
    call_command("seed_demo", stdout=io.StringIO())

    # Then no lesson awards more than its length at 45 minutes a 学时
    for lesson in LessonPage.objects.live():
        assert lesson.credit_hours > 0
        assert lesson.credit_hours * 45 <= lesson.minutes, (lesson.title, lesson.minutes, lesson.credit_hours)
    # and every course awards exactly what its lessons award: the catalogue check finds nothing
    assert credit_mismatches(CoursePage.objects.live()) == []
    assert [message.id for message in course_credit(None, databases=["default"])] == []
