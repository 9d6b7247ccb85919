"""The learner's lists ("my courses", "my hours") read a fixed number of queries, however many rows
they show: built with one row and then with ten, the selector and the page count the same."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hours import services
from hours.models import HoursEntry, HoursSource, LessonProgress
from hours.selectors import study as selectors
from lms.models import Credential
from lms.services.organisations import organisation_create
from tests.factories import SnapshotFactory, course_publish, lesson_add
from tests.study import Player, at, miss

pytestmark = pytest.mark.django_db


@pytest.fixture
def institution(world):
    return organisation_create(kind="institution", name="查询测试培训学校", region=world.guangzhou)


def courses_enrolled(person, institution, count: int) -> None:
    """`count` courses of two lessons each, the first lesson of each completed."""
    for n in range(count):
        course = course_publish(institution, f"课程{n}", credentials=("A",))
        first = lesson_add(course, "第一课", minutes=Decimal("2"))
        lesson_add(course, "第二课", minutes=Decimal("2"))
        enrolment, _created = services.enrol(person=person, course=course)
        LessonProgress.objects.create(enrolment=enrolment, lesson=first, completed_at=at(0))


def lessons_studied(person, institution, count: int) -> None:
    """`count` lessons studied, each with a session, its segments, a verified snapshot, a missed
    request and, for every other one, the hours it earned."""
    course = course_publish(institution, "学时课程", credentials=("A",))
    services.enrol(person=person, course=course)
    credential = Credential.objects.get(code="A")
    for n in range(count):
        lesson = lesson_add(course, f"第{n}课", minutes=Decimal("2"))
        player = Player(person, lesson, start=1000 * n)
        player.beat(1000 * n + 10, 10)
        player.beat(1000 * n + 20, 20)
        SnapshotFactory(person=person, context_id=str(player.session.pk), received_at=at(1000 * n + 5))
        miss(player.session, at(1000 * n + 15))
        progress = player.session.progress
        if n % 2 == 0:
            HoursEntry.objects.create(
                person=person, credential=credential, category="general", hours=Decimal("0.5"),
                earned_on=datetime.date(2026, 11, 23), source=HoursSource.ONLINE_STUDY, progress=progress,
            )


def queries_of(read) -> int:
    with CaptureQueriesContext(connection) as captured:
        read()
    return len(captured.captured_queries)


def rows_and_queries(world, institution, build, read, counts=(1, 10)):
    """(rows read, queries) with one row and then ten: the same person, the rows added between."""
    results = []
    built = 0
    for count in counts:
        build(world.gz_worker, institution, count - built)
        built = count
        rows = read()
        results.append((len(rows) if isinstance(rows, list) else None, queries_of(read)))
    return results


class TestMyCourses:
    def test_the_selector_reads_a_fixed_number_of_queries(self, world, institution):
        (one, one_q), (ten, ten_q) = rows_and_queries(
            world, institution, courses_enrolled, lambda: selectors.my_courses(world.gz_worker)
        )
        assert (one, ten) == (1, 10)
        assert ten_q == one_q

    def test_each_course_counts_its_own_live_lessons(self, world, institution):
        courses_enrolled(world.gz_worker, institution, 3)
        extra = selectors.my_courses(world.gz_worker)[0].enrolment.course
        lesson_add(extra, "第三课")
        draft = lesson_add(extra, "草稿课")
        draft.unpublish()
        rows = {item.enrolment.course.title: (item.completed, item.lessons) for item in selectors.my_courses(world.gz_worker)}
        assert rows == {"课程0": (1, 3), "课程1": (1, 2), "课程2": (1, 2)}

    def test_the_page_reads_a_fixed_number_of_queries(self, client, world, institution):
        client.force_login(world.gz_worker.user)
        url = reverse("hours:my_courses")

        def page():
            response = client.get(url)
            assert response.status_code == 200
            return response.content.decode().count("data-course=")

        courses_enrolled(world.gz_worker, institution, 1)
        page()  # warm the caches a first request fills (site root paths, content types)
        one_q = queries_of(page)
        courses_enrolled(world.gz_worker, institution, 9)
        assert page() == 10
        assert queries_of(page) == one_q


class TestMyHours:
    def test_the_selector_reads_a_fixed_number_of_queries(self, world, institution):
        (one, one_q), (ten, ten_q) = rows_and_queries(
            world, institution, lessons_studied, lambda: selectors.my_hours(world.gz_worker)
        )
        assert (one, ten) == (1, 10)
        assert ten_q == one_q

    def test_the_tallies_are_those_of_each_lesson_alone(self, world, institution):
        lessons_studied(world.gz_worker, institution, 4)
        rows = selectors.my_hours(world.gz_worker)
        for row in rows:
            alone = selectors.lesson_verification(row.progress)
            assert row.tally == alone
            assert row.tally.decisions == {"verified": 1, "missed": 1}
            assert row.tally.studied_seconds == 20
        assert [row.entry is not None for row in rows] == [True, False, True, False]

    def test_the_page_reads_a_fixed_number_of_queries(self, client, world, institution):
        client.force_login(world.gz_worker.user)
        url = reverse("hours:my_hours")

        def page():
            response = client.get(url)
            assert response.status_code == 200
            return response.content.decode().count("data-lesson=")

        lessons_studied(world.gz_worker, institution, 1)
        page()
        one_q = queries_of(page)
        # nine more, on a course of their own (the first course's lessons keep their order)
        lessons_studied(world.gz_worker, institution, 9)
        assert page() == 10
        assert queries_of(page) == one_q
