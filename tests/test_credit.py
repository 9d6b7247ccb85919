"""Crediting: only study time between two verified snapshots of the same session becomes credit
hours, once, when the lesson is complete and its checks are settled."""

from decimal import Decimal

import pytest
from django.test import override_settings

from hours import services
from hours.models import HoursEntry, HoursSource, LessonProgress
from hours.rules.windows import overlap_seconds, verified_share, verified_windows
from hours.selectors import study as selectors
from kernel.errors import DomainError
from proctor.models import CaptureLogEntry, Snapshot
from proctor.services.snapshots import snapshot_check, snapshot_record

from .faces import give_face_profile, photo, variant
from .test_study import Player, at, course, learner, lessons  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _beat(settings):
    settings.STUDY_HEARTBEAT_SECONDS = 10


class TestWindows:
    def test_time_counts_only_between_consecutive_verified_snapshots(self):
        snapshots = [(at(0), "verified"), (at(60), "mismatch"), (at(90), "verified"), (at(120), "verified")]
        assert verified_windows(snapshots) == [(at(90), at(120))]
        assert verified_windows(snapshots[:1]) == []
        assert verified_windows(list(reversed(snapshots))) == [(at(90), at(120))]

    def test_a_segment_counts_in_proportion_to_its_covered_span(self):
        windows = [(at(0), at(30)), (at(50), at(60))]
        assert overlap_seconds(at(20), at(55), windows) == 15
        # 20 seconds credited over a 40-second wall-clock span, half of it covered
        assert verified_share([(at(20), at(60), 20.0)], [(at(20), at(40))]) == 10.0
        assert verified_share([(at(5), at(5), 3.0)], windows) == 0


def study(person, lesson, snapshots: dict[float, str], until=120, step=10):
    """Watch a two-minute lesson to its end with a beat every `step` seconds, a snapshot (a photo
    file name) at the given times, each checked at once; then close the session.

    The study runs on the test's clock (`at`), so the receiver of snapshot decisions, which credits
    on the real clock, is not delivered here: the tests credit explicitly, at a time of their own."""
    with override_settings(EVENTS_DELIVER_AT_PUBLISH=False):
        return _study(person, lesson, snapshots, until, step)


def _study(person, lesson, snapshots, until, step):
    player = Player(person, lesson, start=0)
    frame = 0
    for second in range(0, until + 1, step):
        if second in snapshots:
            frame += 1
            snapshot = services.study_snapshot_record(
                person=person, session_id=player.session.pk, data=variant(snapshots[second], frame), now=at(second)
            )
            snapshot_check(snapshot_id=snapshot.pk, now=at(second))
        if second:
            player.beat(second, second)
    services.study_session_close(person=person, session_id=player.session.pk, now=at(until + 1))
    return LessonProgress.objects.get(sessions=player.session)


class TestCrediting:
    def test_a_fully_verified_lesson_earns_its_hours_once(self, world, learner, course, testdata):
        give_face_profile(learner)
        lesson = lessons(course)[0]
        progress = study(learner, lesson, {0: "obama_4.jpg", 60: "obama_4.jpg", 120: "obama_4.jpg"})
        entry = services.lesson_hours_credit(progress_id=progress.pk, now=at(200))
        assert entry.hours == Decimal("1.00") and entry.source == HoursSource.ONLINE_STUDY
        assert entry.person == learner and entry.category == "general" and entry.credential.code == "A"
        assert len(entry.evidence["verified_snapshots"]) == 3 and entry.evidence["verified_seconds"] >= 108
        again = services.lesson_hours_credit(progress_id=progress.pk, now=at(300))
        assert again.pk == entry.pk and HoursEntry.objects.count() == 1
        assert services.lessons_credit_due(now=at(400)) == 0

    def test_time_after_a_failed_check_counts_only_from_the_next_verified_one(self, world, learner, course, testdata):
        give_face_profile(learner)
        lesson = lessons(course)[0]
        progress = study(
            learner, lesson, {0: "obama_4.jpg", 60: "biden_1.jpg", 90: "obama_4.jpg", 120: "obama_4.jpg"}
        )
        entry = services.lesson_hours_credit(progress_id=progress.pk, now=at(200))
        tally = selectors.lesson_verification(progress, now=at(200))
        assert tally.decisions == {"verified": 3, "mismatch": 1}
        assert tally.verified_seconds == pytest.approx(30, abs=0.5)
        # 30 verified seconds of the 108 the lesson requires (two minutes at a 90% completion ratio)
        assert entry.hours == Decimal("0.27")

    def test_an_impostor_earns_nothing_and_is_told_why(self, world, learner, course, testdata):
        give_face_profile(learner)
        lesson = lessons(course)[0]
        progress = study(learner, lesson, {0: "biden_1.jpg", 60: "biden_2.jpg", 120: "biden_1.jpg"})
        assert services.lesson_hours_credit(progress_id=progress.pk, now=at(200)) is None
        [row] = [item for item in selectors.my_hours(learner) if item.lesson.pk == lesson.pk]
        assert row.state == "refused" and row.entry is None
        assert [count for _label, count in row.failed_checks] == [3]

    def test_without_a_face_profile_a_lesson_earns_nothing(self, world, learner, course):
        lesson = lessons(course)[0]
        progress = study(learner, lesson, {})
        assert services.lesson_hours_credit(progress_id=progress.pk, now=at(200)) is None
        assert selectors.my_hours(learner)[0].state == "refused"

    def test_a_pending_check_holds_the_credit_until_it_is_decided(
        self, world, learner, course, testdata, django_capture_on_commit_callbacks
    ):
        give_face_profile(learner)
        lesson = lessons(course)[0]
        player = Player(learner, lesson, start=0)
        first = services.study_snapshot_record(person=learner, session_id=player.session.pk, data=variant("obama_4.jpg", 1), now=at(0))
        snapshot_check(snapshot_id=first.pk, now=at(0))
        for second in range(10, 121, 10):
            player.beat(second, second)
        last = services.study_snapshot_record(person=learner, session_id=player.session.pk, data=variant("obama_4.jpg", 2), now=at(120))
        services.study_session_close(person=learner, session_id=player.session.pk, now=at(121))
        progress = LessonProgress.objects.get(pk=player.session.progress_id)
        assert services.lesson_hours_credit(progress_id=progress.pk, now=at(130)) is None
        assert selectors.lesson_verification(progress, now=at(130)).pending == 1
        # The check's decision, sent on commit, credits the lesson through the hours receiver.
        with django_capture_on_commit_callbacks(execute=True):
            snapshot_check(snapshot_id=last.pk, now=at(131))
        assert HoursEntry.objects.get(progress=progress).hours == Decimal("1.00")

    def test_a_lesson_not_complete_earns_nothing_yet(self, world, learner, course, testdata):
        give_face_profile(learner)
        progress = study(learner, lessons(course)[0], {0: "obama_4.jpg", 30: "obama_4.jpg"}, until=30)
        assert progress.completed_at is None
        assert services.lesson_hours_credit(progress_id=progress.pk, now=at(200)) is None
        assert selectors.my_hours(learner)[0].state == "studying"


class TestStudySnapshots:
    def test_a_snapshot_for_someone_elses_session_is_refused_and_logged(self, world, learner, course, testdata):
        give_face_profile(learner)
        give_face_profile(world.sz_worker, names=("biden_1.jpg", "biden_2.jpg", "obama_1.jpg"))
        player = Player(learner, lessons(course)[0], start=0)
        with pytest.raises(DomainError) as error:
            services.study_snapshot_record(person=world.sz_worker, session_id=player.session.pk, data=variant("biden_1.jpg", 1))
        assert error.value.code == "session_not_found" and error.value.status == 404
        assert not Snapshot.objects.exists()
        refusal = CaptureLogEntry.objects.get(person=world.sz_worker, kind="snapshot_refused")
        assert refusal.payload["code"] == "session_not_found"

    def test_a_snapshot_for_a_closed_session_is_refused(self, world, learner, course, testdata):
        give_face_profile(learner)
        player = Player(learner, lessons(course)[0], start=0)
        services.study_session_close(person=learner, session_id=player.session.pk, now=at(5))
        with pytest.raises(DomainError) as error:
            services.study_snapshot_record(person=learner, session_id=player.session.pk, data=variant("obama_4.jpg", 1))
        assert error.value.code == "session_closed" and error.value.status == 409
        assert not Snapshot.objects.exists()

    def test_snapshots_too_close_together_are_refused(self, world, learner, course, testdata):
        give_face_profile(learner)
        player = Player(learner, lessons(course)[0], start=0)
        services.study_snapshot_record(person=learner, session_id=player.session.pk, data=variant("obama_4.jpg", 1), now=at(10))
        with pytest.raises(DomainError) as error:
            services.study_snapshot_record(person=learner, session_id=player.session.pk, data=variant("obama_4.jpg", 2), now=at(11))
        assert error.value.code == "snapshot_too_soon" and error.value.status == 429


class TestApi:
    def test_the_player_uploads_a_snapshot_and_reads_its_decision(self, client, world, learner, course, testdata):
        give_face_profile(learner)
        client.force_login(learner.user)
        opened = client.post("/api/study/sessions", {"lesson_id": lessons(course)[0].pk}, content_type="application/json").json()
        assert opened["face_ready"] is True and opened["snapshot_min_seconds"] == 60
        response = client.post(
            f"/api/study/sessions/{opened['session_id']}/snapshots",
            # A client's clock is ignored: the server dates the snapshot.
            {"image": _upload(variant("obama_4.jpg", 7)), "taken_at": "2001-01-01T00:00:00Z"},
        )
        assert response.status_code == 202, response.content
        snapshot = Snapshot.objects.get(pk=response.json()["id"])
        assert snapshot.received_at.year >= 2026
        # The check is queued when the upload commits (the test's transaction never does; the
        # worker test runs that path): decide it here as the task would.
        assert client.get(f"/api/proctor/snapshots/{snapshot.pk}").json()["status"] == "pending"
        snapshot_check(snapshot_id=snapshot.pk)
        state = client.get(f"/api/proctor/snapshots/{snapshot.pk}").json()
        assert state["status"] == "decided" and state["decision"] == "verified" and state["message"]

    def test_bad_uploads_get_a_code_and_a_chinese_message(self, client, world, learner, course, testdata):
        give_face_profile(learner)
        client.force_login(learner.user)
        opened = client.post("/api/study/sessions", {"lesson_id": lessons(course)[0].pk}, content_type="application/json").json()
        url = f"/api/study/sessions/{opened['session_id']}/snapshots"
        response = client.post(url, {"image": _upload(b"GIF89a not really")}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 400 and response.json()["code"] == "image_corrupt"
        assert "图片" in response.json()["message"]
        assert client.post(url, {}).json()["code"] == "image_empty"
        assert client.post("/api/study/sessions/not-a-uuid/snapshots", {"image": _upload(photo("obama_4.jpg"))}).status_code == 404
        assert not Snapshot.objects.exists()

    def test_another_learners_snapshot_is_not_found(self, client, world, learner, course, testdata):
        give_face_profile(learner)
        snapshot = snapshot_record(
            person=learner, context_kind="study", context_id="x", data=variant("obama_4.jpg", 1)
        )
        client.force_login(world.sz_worker.user)
        assert client.get(f"/api/proctor/snapshots/{snapshot.pk}").status_code == 404
        assert client.get("/api/proctor/snapshots/nonsense").status_code == 404


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("frame.jpg", data, content_type="image/jpeg")

