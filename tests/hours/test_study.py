"""Enrolment and the study-time rules: the server's clock decides, never the client's claims."""

import json
import threading

import pytest
from bs4 import BeautifulSoup
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from hours import services
from hours.models import (
    Enrolment,
    LessonProgress,
    SessionStatus,
    StudySegment,
    StudySession,
)
from kernel.errors import DomainError
from tests.factories import EmploymentFactory, PersonFactory
from tests.study import Player, at, course, learner, lessons  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

BEAT = 10  # settings.STUDY_HEARTBEAT_SECONDS in these tests


@pytest.fixture(autouse=True)
def _beat(settings):
    settings.STUDY_HEARTBEAT_SECONDS = BEAT


def credited(person) -> float:
    return sum(StudySegment.objects.filter(session__person=person).values_list("seconds", flat=True))


class TestEnrolment:
    def test_enrolling_twice_is_a_no_op(self, world, course):
        first, created = services.enrol(person=world.gz_worker, course=course)
        again, created_again = services.enrol(person=world.gz_worker, course=course)
        assert created and not created_again and first.pk == again.pk
        assert Enrolment.objects.count() == 1

    def test_an_enterprise_assigns_a_course_to_several_employees(self, world, course):
        colleague = PersonFactory()
        EmploymentFactory(person=colleague, enterprise=world.gz_enterprise)
        services.enrol(person=colleague, course=course)  # already enrolled: kept as it is
        enrolments = services.course_assign(
            actor=world.gz_admin, enterprise=world.gz_enterprise, course=course, people=[world.gz_worker, colleague]
        )
        assert {e.person for e in enrolments} == {world.gz_worker, colleague}
        assert Enrolment.objects.get(person=world.gz_worker).source == "enterprise"
        assert Enrolment.objects.get(person=colleague).source == "self"

    def test_an_enterprise_cannot_assign_to_someone_elses_employee(self, world, course):
        with pytest.raises(DomainError) as error:
            services.course_assign(
                actor=world.gz_admin, enterprise=world.gz_enterprise, course=course, people=[world.gz_worker, world.sz_worker]
            )
        assert error.value.code == "not_an_employee"
        assert not Enrolment.objects.exists()

    def test_another_enterprises_admin_cannot_assign(self, world, course):
        with pytest.raises(DomainError) as error:
            services.course_assign(actor=world.sz_admin, enterprise=world.gz_enterprise, course=course, people=[world.gz_worker])
        assert error.value.code == "not_enterprise_admin"

    def test_the_api_assignment_refuses_foreign_people_as_not_found(self, client, world, course):
        client.force_login(world.gz_admin)
        response = client.post(
            f"/api/enterprises/{world.gz_enterprise.pk}/assignments",
            {"course_id": course.pk, "person_ids": [world.gz_worker.pk, world.sz_worker.pk]},
            content_type="application/json",
        )
        assert response.status_code == 404 and response.json()["code"] == "not_an_employee"
        assert not Enrolment.objects.exists()
        response = client.post(
            f"/api/enterprises/{world.sz_enterprise.pk}/assignments",
            {"course_id": course.pk, "person_ids": [world.sz_worker.pk]},
            content_type="application/json",
        )
        assert response.status_code == 404


class TestSessions:
    def test_studying_needs_an_enrolment(self, world, course):
        with pytest.raises(DomainError) as error:
            services.study_session_open(person=world.sz_worker, lesson=lessons(course)[0])
        assert error.value.code == "not_enrolled"

    def test_normal_play_credits_the_wall_clock_time(self, learner, course):
        player = Player(learner, lessons(course)[0])
        for step in range(1, 7):
            player.beat(step * BEAT, step * BEAT)
        assert credited(learner) == pytest.approx(60)
        progress = LessonProgress.objects.get()
        assert progress.watched == [[0.0, 60.0]] and progress.position == 60

    def test_double_speed_counts_as_real_time_not_twice(self, learner, course):
        player = Player(learner, lessons(course)[0])
        player.beat(10, 20)
        player.beat(20, 40)
        assert credited(learner) == pytest.approx(20)
        assert LessonProgress.objects.get().watched_seconds == pytest.approx(40)

    def test_heartbeats_too_close_are_refused_and_record_nothing(self, learner, course):
        player = Player(learner, lessons(course)[0])
        player.beat(10, 10)
        with pytest.raises(DomainError) as error:
            player.beat(11, 11)
        assert error.value.code == "heartbeat_too_soon" and error.value.status == 429
        assert credited(learner) == pytest.approx(10)

    def test_a_flood_records_nothing_more(self, learner, course):
        player = Player(learner, lessons(course)[0])
        player.beat(10, 10)
        refused = 0
        for index in range(50):
            try:
                player.beat(10 + index * 0.05, 10 + index * 0.05)
            except DomainError:
                refused += 1
        assert refused == 50 and credited(learner) == pytest.approx(10)

    def test_a_long_gap_is_not_study(self, learner, course):
        player = Player(learner, lessons(course)[0])
        player.beat(10, 10)
        result = player.beat(10 + 600, 20)  # the laptop slept for ten minutes
        assert result.credited_seconds == 0
        player.beat(620, 30)
        assert credited(learner) == pytest.approx(20)

    def test_out_of_order_heartbeats_are_refused(self, learner, course):
        player = Player(learner, lessons(course)[0])
        player.beat(10, 10, sequence=5)
        with pytest.raises(DomainError) as error:
            player.beat(20, 20, sequence=4)
        assert error.value.code == "heartbeat_out_of_order"
        assert credited(learner) == pytest.approx(10)

    def test_paused_time_is_not_study(self, learner, course):
        player = Player(learner, lessons(course)[0])
        player.beat(10, 10)
        assert player.beat(20, 10, playing=False).credited_seconds == 0
        assert player.beat(30, 10, playing=True).credited_seconds == 0

    @pytest.mark.parametrize("position", [-1, 121 + 5, float("inf"), float("nan"), 1e12])
    def test_impossible_positions_are_refused(self, learner, course, position):
        player = Player(learner, lessons(course)[0])
        with pytest.raises(DomainError) as error:
            player.beat(10, position)
        assert error.value.code == "position_invalid"
        assert credited(learner) == 0

    def test_seeking_past_what_was_watched_is_refused(self, learner, course):
        player = Player(learner, lessons(course)[0])
        player.beat(10, 10)
        with pytest.raises(DomainError) as error:
            player.beat(20, 90)
        assert error.value.code == "seek_forbidden"
        assert error.value.details == {"allowed_position": 10}
        assert credited(learner) == pytest.approx(10)
        # Going back is always allowed, and earns nothing.
        assert player.beat(30, 2).credited_seconds == 0

    def test_seeking_is_free_when_the_course_allows_it(self, learner, course):
        course.forbid_seeking = False
        course.save_revision().publish()
        player = Player(learner, lessons(course)[0])
        player.beat(10, 10)
        assert player.beat(20, 90).credited_seconds == 0  # a jump is not study either
        assert LessonProgress.objects.get().position == 90

    def test_a_second_device_pauses_the_first(self, learner, course):
        first = Player(learner, lessons(course)[0])
        first.beat(10, 10)
        second = Player(learner, lessons(course)[0], start=15)
        with pytest.raises(DomainError) as error:
            first.beat(20, 20)
        assert error.value.code == "session_superseded" and error.value.status == 409
        first.session.refresh_from_db()
        assert first.session.status == SessionStatus.SUPERSEDED
        assert second.start.resume_position == 10
        second.beat(25, 20)
        assert credited(learner) == pytest.approx(20)

    def test_someone_elses_session_is_not_found(self, world, learner, course):
        player = Player(learner, lessons(course)[0])
        services.enrol(person=world.sz_worker, course=course)
        with pytest.raises(DomainError) as error:
            services.heartbeat_record(
                person=world.sz_worker, session_id=player.session.pk, sequence=1, position=10, playing=True, now=at(10)
            )
        assert error.value.code == "session_not_found" and error.value.status == 404
        assert credited(learner) == 0

    def test_resume_returns_to_the_last_position(self, learner, course):
        player = Player(learner, lessons(course)[0])
        player.beat(10, 10)
        player.beat(20, 20)
        services.study_session_close(person=learner, session_id=player.session.pk, now=at(21))
        again = Player(learner, lessons(course)[0], start=3600)
        assert again.start.resume_position == 20 and again.start.furthest == 20

    def test_lessons_and_the_course_complete_at_the_ratio(self, learner, course):
        first, second = lessons(course)
        player = Player(learner, first)
        result = None
        for step in range(1, 12):  # 110 of 120 seconds: 0.92 >= 0.90
            result = player.beat(step * BEAT, step * BEAT)
        assert result.lesson_complete and not result.course_complete
        player = Player(learner, second, start=200)
        for step in range(1, 12):
            result = player.beat(200 + step * BEAT, step * BEAT)
        assert result.course_complete
        assert Enrolment.objects.get(person=learner).completed_at is not None

    def test_a_beat_mid_lesson_reads_neither_the_course_lessons_nor_the_request_twice(self, learner, course):
        # The statements of the most frequent request of the platform (issue 18), counted so that
        # a regression shows: the session locked with its progress, enrolment, lesson and course
        # in one read, the segment, the session and the progress written, the open evidence
        # request read once, and (this learner has none) whether a series has started.
        player = Player(learner, lessons(course)[0])
        player.beat(BEAT, BEAT)
        with CaptureQueriesContext(connection) as context:
            result = player.beat(2 * BEAT, 2 * BEAT)
        sent = [query["sql"] for query in context.captured_queries if "SAVEPOINT" not in query["sql"]]
        assert result.credited_seconds == BEAT and not result.lesson_complete
        assert [sql.split()[0] for sql in sent] == ["SELECT", "INSERT", "UPDATE", "UPDATE", "SELECT", "SELECT"]
        assert not any("wagtailcore_page" in sql and "path" in sql for sql in sent[1:])

    @pytest.mark.django_db(transaction=True)
    def test_two_learners_of_one_lesson_beat_without_waiting_for_each_other(self, world, learner, course):
        if connection.vendor != "postgresql":
            pytest.skip("SQLite serialises every write; the row lock race needs PostgreSQL")
        # Given one learner's beat holding its locks (its transaction not yet committed)
        other = PersonFactory()
        services.enrol(person=other, course=course)
        lesson = lessons(course)[0]
        first, second = Player(learner, lesson), Player(other, lesson)
        holding, release, failures = threading.Event(), threading.Event(), []

        def beat_and_hold():
            try:
                with transaction.atomic():
                    first.beat(BEAT, BEAT)
                    holding.set()
                    release.wait()
            except Exception as error:  # reported below
                failures.append(error)
                holding.set()
            finally:
                connection.close()

        thread = threading.Thread(target=beat_and_hold)
        thread.start()
        try:
            assert holding.wait(60) and not failures
            # When the other learner beats on the same lesson, then it does not queue behind it:
            # a lock on the shared lesson or course row would hit the timeout and raise.
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '5s'")
                assert second.beat(BEAT, BEAT).credited_seconds == BEAT
        finally:
            release.set()
            thread.join()
        assert failures == []

    def test_a_lesson_is_not_complete_below_the_ratio(self, learner, course):
        player = Player(learner, lessons(course)[0])
        result = None
        for step in range(1, 10):  # 90 of 120 seconds
            result = player.beat(step * BEAT, step * BEAT)
        assert not result.lesson_complete


class TestApi:
    def test_the_player_api_round_trip_and_errors(self, client, learner, course):
        client.force_login(learner.user)
        lesson = lessons(course)[0]
        response = client.post("/api/study/sessions", {"lesson_id": lesson.pk}, content_type="application/json")
        assert response.status_code == 201
        session = response.json()
        assert session["duration"] == 120 and session["heartbeat_seconds"] == BEAT
        response = client.post(
            f"/api/study/sessions/{session['session_id']}/heartbeats",
            {"sequence": 1, "position": 0, "playing": True},
            content_type="application/json",
        )
        assert response.status_code == 429 and response.json()["code"] == "heartbeat_too_soon"
        response = client.post(
            "/api/study/sessions/not-a-uuid/heartbeats",
            {"sequence": 1, "position": 0, "playing": True},
            content_type="application/json",
        )
        assert response.status_code == 404 and response.json()["code"] == "session_not_found"
        response = client.post(
            f"/api/study/sessions/{session['session_id']}/heartbeats",
            {"sequence": "x", "position": 0, "playing": True},
            content_type="application/json",
        )
        assert response.status_code == 422

    def test_a_lesson_of_a_course_not_enrolled_is_refused(self, client, world, course):
        client.force_login(world.sz_worker.user)
        response = client.post("/api/study/sessions", {"lesson_id": lessons(course)[0].pk}, content_type="application/json")
        assert response.status_code == 403 and response.json()["code"] == "not_enrolled"
        assert client.get(f"/hours/study/lessons/{lessons(course)[0].pk}/").status_code == 404

    def test_enrol_through_the_api_twice(self, client, world, course):
        client.force_login(world.sz_worker.user)
        assert client.post(f"/api/courses/{course.pk}/enrolment").status_code == 201
        assert client.post(f"/api/courses/{course.pk}/enrolment").status_code == 200
        assert [e["course_id"] for e in client.get("/api/enrolments").json()] == [course.pk]


def test_my_courses_shows_progress(client, learner, course):
    player = Player(learner, lessons(course)[0])
    for step in range(1, 12):
        player.beat(step * BEAT, step * BEAT)
    client.force_login(learner.user)
    html = client.get("/hours/my/courses/").content.decode()
    assert course.title in html and "50%" in html


def test_the_study_page_hands_the_player_its_urls_and_words_in_its_config(chinese, learner, course):
    # Given the study page of an enrolled learner
    lesson = lessons(course)[0]
    chinese.force_login(learner.user)
    page = BeautifulSoup(chinese.get(f"/hours/study/lessons/{lesson.pk}/").content, "html.parser")

    # Then its config names the lesson, the study API and the translated words
    config = json.loads(page.select_one("script#kaohe-config").string)
    assert config["lesson"] == lesson.pk
    assert config["urls"] == {
        "sessions": "/api/study/sessions",
        "heartbeat": "/api/study/sessions/{session}/heartbeats",
        "snapshot": "/api/study/sessions/{session}/snapshots",
        "close": "/api/study/sessions/{session}/close",
        "snapshot_decision": "/api/proctor/snapshots/{snapshot}",
    }
    assert config["words"]["seek"] == "不能跳过尚未观看的内容。", config["words"]
    # and no word is left in the markup for a script to read
    assert not [name for name in page.select_one("#player").attrs if name.startswith("data-msg")]

    # and the URLs are the API's: a session opened there closes at its template, filled in
    opened = chinese.post(config["urls"]["sessions"], {"lesson_id": config["lesson"]}, content_type="application/json")
    assert opened.status_code == 201
    close = config["urls"]["close"].replace("{session}", opened.json()["session_id"])
    assert chinese.post(close, {}, content_type="application/json").status_code == 204
    assert not StudySession.objects.filter(person=learner, status=SessionStatus.ACTIVE).exists()
