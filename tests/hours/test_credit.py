"""Crediting: only study time between two verified snapshots of the same session, no further apart
than the course allows, becomes credit hours, once, when the lesson is complete and its checks are
settled. Snapshots answer the server's requests; the decisions here are stored through the real
decision path (`decide_as`), and the real engine decides the live and still bursts of
TestPresence."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from hours import services
from hours.models import HoursEntry, HoursSource, LessonProgress
from hours.rules.windows import overlap_seconds, verified_share, verified_windows
from hours.selectors import study as selectors
from kernel.errors import DomainError
from proctor.models import CaptureLogEntry, Snapshot
from proctor.services.snapshots import snapshot_check
from tests.faces import (
    answer,
    burst_of,
    decide_as,
    give_face_profile,
    give_live_profile,
    live_burst,
    photo,
    variant,
)
from tests.study import Player, at, course, learner, lessons, miss  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _beat(settings):
    settings.STUDY_HEARTBEAT_SECONDS = 10
    # The server picks challenges at random; these tests answer plain bursts.
    settings.EVIDENCE_CHALLENGE_SHARE = 0


@pytest.fixture(autouse=True)
def _requests_only_where_scripted(course):
    """After a verified snapshot the server's next request falls ten minutes later, beyond these
    two-minute lessons: the scripts below answer (or miss) requests at the times they name, and no
    other request comes due between them unanswered."""
    course.snapshot_min_seconds = course.snapshot_max_seconds = 600
    course.save_revision().publish()


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
    """Watch a two-minute lesson to its end with a beat every `step` seconds, a snapshot answering
    the server's request at the given times, decided at once as given ("verified", "mismatch", or
    "missed" for a request left unanswered); then close the session.

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
            if snapshots[second] == "missed":
                miss(player.session, at(second))
            else:
                snapshot = answer(person, "study", player.session.pk, [variant("obama_4.jpg", frame), variant("obama_3.jpg", frame)], now=at(second))
                decide_as(snapshot, snapshots[second], now=at(second))
        if second:
            player.beat(second, second)
    services.study_session_close(person=person, session_id=player.session.pk, now=at(until + 1))
    return LessonProgress.objects.get(sessions=player.session)


class TestCrediting:
    def test_a_fully_verified_lesson_earns_its_hours_once(self, world, learner, course, testdata):
        give_face_profile(learner)
        lesson = lessons(course)[0]
        progress = study(learner, lesson, {0: "verified", 60: "verified", 120: "verified"})
        entry = services.lesson_hours_credit(progress_id=progress.pk, now=at(200))
        assert entry.hours == Decimal("1.00") and entry.source == HoursSource.ONLINE_STUDY
        # The course serves A and B, the learner holds neither and chose none: no credential yet
        # (on main the first by code, A, took them; tests/test_credential_choice.py).
        assert entry.person == learner and entry.category == "general" and entry.credential is None
        assert len(entry.evidence["verified_snapshots"]) == 3 and entry.evidence["verified_seconds"] >= 108
        again = services.lesson_hours_credit(progress_id=progress.pk, now=at(300))
        assert again.pk == entry.pk and HoursEntry.objects.count() == 1
        assert services.lessons_credit_due(now=at(400)) == 0

    def test_time_after_a_failed_check_counts_only_from_the_next_verified_one(self, world, learner, course, testdata):
        give_face_profile(learner)
        lesson = lessons(course)[0]
        progress = study(
            learner, lesson, {0: "verified", 60: "mismatch", 90: "verified", 120: "verified"}
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
        progress = study(learner, lesson, {0: "mismatch", 60: "mismatch", 120: "mismatch"})
        assert services.lesson_hours_credit(progress_id=progress.pk, now=at(200)) is None
        [row] = [item for item in selectors.my_hours(learner) if item.lesson.pk == lesson.pk]
        assert row.state == "refused" and row.entry is None
        # Three mismatches; the retries the server asked for after them went unanswered too.
        assert 3 in [count for _label, count in row.failed_checks]

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
        first = answer(learner, "study", player.session.pk, [variant("obama_4.jpg", 1), variant("obama_3.jpg", 1)], now=at(0))
        decide_as(first, now=at(0))
        for second in range(10, 121, 10):
            player.beat(second, second)
        last = answer(learner, "study", player.session.pk, [variant("obama_4.jpg", 2), variant("obama_3.jpg", 2)], now=at(120))
        services.study_session_close(person=learner, session_id=player.session.pk, now=at(121))
        progress = LessonProgress.objects.get(pk=player.session.progress_id)
        assert services.lesson_hours_credit(progress_id=progress.pk, now=at(130)) is None
        assert selectors.lesson_verification(progress, now=at(130)).pending == 1
        # The check's decision, sent on commit, credits the lesson through the hours receiver.
        with django_capture_on_commit_callbacks(execute=True):
            decide_as(last, now=at(131))
        assert HoursEntry.objects.get(progress=progress).hours == Decimal("1.00")

    def test_a_lesson_not_complete_earns_nothing_yet(self, world, learner, course, testdata):
        give_face_profile(learner)
        progress = study(learner, lessons(course)[0], {0: "verified", 30: "verified"}, until=30)
        assert progress.completed_at is None
        assert services.lesson_hours_credit(progress_id=progress.pk, now=at(200)) is None
        assert selectors.my_hours(learner)[0].state == "studying"


class TestStudySnapshots:
    def test_a_snapshot_for_someone_elses_session_is_refused_and_logged(self, world, learner, course, testdata):
        give_face_profile(learner)
        give_face_profile(world.sz_worker, names=("biden_1.jpg", "biden_2.jpg", "obama_1.jpg"))
        player = Player(learner, lessons(course)[0], start=0)
        nonce = player.start.evidence["nonce"]
        with pytest.raises(DomainError) as error:
            services.study_snapshot_record(
                person=world.sz_worker, session_id=player.session.pk, frames=burst_of("biden_1.jpg"), nonce=nonce
            )
        assert error.value.code == "session_not_found" and error.value.status == 404
        assert not Snapshot.objects.exists()
        refusal = CaptureLogEntry.objects.get(person=world.sz_worker, kind="snapshot_refused")
        assert refusal.payload["code"] == "session_not_found"

    def test_a_snapshot_for_a_closed_session_is_refused(self, world, learner, course, testdata):
        give_face_profile(learner)
        player = Player(learner, lessons(course)[0], start=0)
        nonce = player.start.evidence["nonce"]
        services.study_session_close(person=learner, session_id=player.session.pk, now=at(5))
        with pytest.raises(DomainError) as error:
            services.study_snapshot_record(person=learner, session_id=player.session.pk, frames=burst_of("obama_4.jpg"), nonce=nonce)
        assert error.value.code == "session_closed" and error.value.status == 409
        assert not Snapshot.objects.exists()

    def test_the_server_asks_for_the_first_snapshot_as_the_session_opens(self, world, learner, course, testdata):
        give_face_profile(learner)
        player = Player(learner, lessons(course)[0], start=0)
        evidence = player.start.evidence
        assert evidence["nonce"] and evidence["frames"] >= 2 and evidence["challenge"] in ("", "turn_left", "turn_right")
        # Until it is answered, every heartbeat repeats it; a learner without a profile is never asked.
        assert player.beat(10, 10).evidence["nonce"] == evidence["nonce"]

    @pytest.mark.parametrize("nonce, code", [("", "snapshot_not_requested"), ("made-up", "snapshot_not_requested")])
    def test_a_snapshot_the_server_did_not_ask_for_is_refused(self, world, learner, course, testdata, nonce, code):
        give_face_profile(learner)
        player = Player(learner, lessons(course)[0], start=0)
        with pytest.raises(DomainError) as error:
            services.study_snapshot_record(
                person=learner, session_id=player.session.pk, frames=burst_of("obama_4.jpg"), nonce=nonce, now=at(1)
            )
        assert error.value.code == code and not Snapshot.objects.exists()

    def test_a_request_is_answered_once_and_only_in_its_window(self, world, learner, course, testdata, settings):
        give_face_profile(learner)
        player = Player(learner, lessons(course)[0], start=0)
        nonce = player.start.evidence["nonce"]
        session = player.session.pk
        late = at(settings.EVIDENCE_WINDOW_SECONDS + 1)
        with pytest.raises(DomainError) as error:
            services.study_snapshot_record(person=learner, session_id=session, frames=burst_of("obama_4.jpg"), nonce=nonce, now=late)
        assert error.value.code == "snapshot_too_late"
        # In time it counts; the same nonce again is refused, whatever the bytes.
        player = Player(learner, lessons(course)[0], start=100)
        nonce = player.start.evidence["nonce"]
        services.study_snapshot_record(person=learner, session_id=player.session.pk, frames=burst_of("obama_4.jpg"), nonce=nonce, now=at(101))
        with pytest.raises(DomainError) as error:
            services.study_snapshot_record(
                person=learner, session_id=player.session.pk, frames=burst_of("obama_3.jpg"), nonce=nonce, now=at(102)
            )
        assert error.value.code == "snapshot_request_used"

    def test_the_same_bytes_again_are_refused_as_a_replay(self, world, learner, course, testdata):
        give_face_profile(learner)
        player = Player(learner, lessons(course)[0], start=0)
        frames = [variant("obama_4.jpg", 1), variant("obama_3.jpg", 1)]
        answer(learner, "study", player.session.pk, frames, now=at(1))
        with pytest.raises(DomainError) as error:
            answer(learner, "study", player.session.pk, frames, now=at(70))
        assert error.value.code == "snapshot_replayed"


    def test_an_upload_is_twelve_statements(self, world, learner, course, testdata):
        # Counted so that a regression shows (issue 18): the session, the face profile, the
        # consent, one replay read over frames and snapshots; then the request locked, the
        # snapshot with its image, its frames in one insert, the request fulfilled and its audit
        # row, and the capture log's three (the head advanced and read, the entry, the tip).
        give_face_profile(learner)
        player = Player(learner, lessons(course)[0], start=100)
        nonce = player.start.evidence["nonce"]
        with CaptureQueriesContext(connection) as context:
            snapshot = services.study_snapshot_record(
                person=learner, session_id=player.session.pk, frames=burst_of("obama_4.jpg"), nonce=nonce, now=at(101)
            )
        sent = [query["sql"].lstrip("(").split()[0] for query in context.captured_queries if "SAVEPOINT" not in query["sql"]]
        assert sent == ["SELECT"] * 5 + ["INSERT", "INSERT", "UPDATE", "INSERT", "UPDATE", "INSERT", "UPDATE"]
        stored = Snapshot.objects.get(pk=snapshot.pk)
        frames = list(stored.frames.order_by("index"))
        assert len(frames) == 2 and stored.image.name == frames[0].image.name
        assert [frame.image.storage.exists(frame.image.name) for frame in frames] == [True, True]

class TestApi:
    def test_the_player_answers_a_request_and_reads_its_decision(self, client, world, learner, course, testdata):
        give_face_profile(learner)
        client.force_login(learner.user)
        opened = client.post("/api/study/sessions", {"lesson_id": lessons(course)[0].pk}, content_type="application/json").json()
        assert opened["face_ready"] is True and opened["snapshot_min_seconds"] == 600
        evidence = opened["evidence"]
        response = client.post(
            f"/api/study/sessions/{opened['session_id']}/snapshots",
            # A client's clock is ignored: the server dates the snapshot.
            {
                "frame": [_upload(variant("obama_4.jpg", 7)), _upload(variant("obama_3.jpg", 7))],
                "nonce": evidence["nonce"],
                "taken_at": "2001-01-01T00:00:00Z",
            },
        )
        assert response.status_code == 202, response.content
        snapshot = Snapshot.objects.get(pk=response.json()["id"])
        assert snapshot.received_at.year >= 2026 and snapshot.frames.count() == 2
        # The check is queued when the upload commits (the test's transaction never does; the
        # worker test runs that path): decide it here as the task would.
        assert client.get(f"/api/proctor/snapshots/{snapshot.pk}").json()["status"] == "pending"
        snapshot_check(snapshot_id=snapshot.pk)
        state = client.get(f"/api/proctor/snapshots/{snapshot.pk}").json()
        # Two photos are no burst of one moment: the real engine refuses them, and says why.
        assert state["status"] == "decided" and state["decision"] != "verified" and state["message"]

    def test_bad_uploads_get_a_code_and_a_chinese_message(self, client, world, learner, course, testdata):
        give_face_profile(learner)
        client.force_login(learner.user)
        opened = client.post("/api/study/sessions", {"lesson_id": lessons(course)[0].pk}, content_type="application/json").json()
        url = f"/api/study/sessions/{opened['session_id']}/snapshots"
        nonce = opened["evidence"]["nonce"]
        response = client.post(url, {"frame": [_upload(b"GIF89a not really")], "nonce": nonce}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 400 and response.json()["code"] == "image_corrupt"
        assert "图片" in response.json()["message"]
        assert client.post(url, {"nonce": nonce}).json()["code"] == "snapshot_frames_invalid"
        assert client.post("/api/study/sessions/not-a-uuid/snapshots", {"frame": [_upload(photo("obama_4.jpg"))]}).status_code == 404
        assert not Snapshot.objects.exists()

    def test_another_learners_snapshot_is_not_found(self, client, world, learner, course, testdata):
        give_face_profile(learner)
        snapshot = answer(learner, "study", "x", burst_of("obama_4.jpg"))
        client.force_login(world.sz_worker.user)
        assert client.get(f"/api/proctor/snapshots/{snapshot.pk}").status_code == 404
        assert client.get("/api/proctor/snapshots/nonsense").status_code == 404


class TestPresence:
    """The findings of the adversarial test: hours with nobody in front of the camera."""

    def test_a_missed_request_ends_the_credited_stretch(self, world, learner, course, testdata):
        give_face_profile(learner)
        lesson = lessons(course)[0]
        progress = study(learner, lesson, {0: "verified", 60: "missed", 90: "verified", 120: "verified"})
        tally = selectors.lesson_verification(progress, now=at(200))
        assert tally.verified_seconds == pytest.approx(30, abs=0.5)
        assert tally.decisions["missed"] == 1

    def test_verified_snapshots_too_far_apart_credit_nothing_between_them(self, world, learner, course, testdata, settings):
        give_face_profile(learner)
        settings.EVIDENCE_GRACE_SECONDS = 0
        lesson = lessons(course)[0]
        course.snapshot_min_seconds = course.snapshot_max_seconds = 60
        course.save_revision().publish()
        progress = study(learner, lesson, {0: "verified", 120: "verified"})
        assert selectors.lesson_verification(progress, now=at(200)).verified_seconds == 0

    def test_a_script_with_one_photo_earns_nothing(self, world, learner, course, testdata, settings):
        """The attack: a photo of the learner sent at the start, heartbeats, the same photo re-saved
        at the end. It earned 1.5 学时 before the server asked for live bursts."""
        settings.EVIDENCE_CHALLENGE_SHARE = 0
        give_face_profile(learner)
        lesson = lessons(course)[0]
        player = Player(learner, lesson, start=0)
        first = answer(learner, "study", player.session.pk, burst_of("obama_4.jpg"), now=at(0))
        for second in range(10, 121, 10):
            player.beat(second, second)
        resaved = [variant("obama_4.jpg", 10 + n) for n in range(2)]
        last = answer(learner, "study", player.session.pk, resaved, now=at(120))
        for snapshot in (first, last):
            snapshot_check(snapshot_id=snapshot.pk, now=at(125))
        services.study_session_close(person=learner, session_id=player.session.pk, now=at(121))
        first.refresh_from_db()
        last.refresh_from_db()
        assert (first.decision, first.reason) == ("not_live", "still")
        assert last.decision in ("not_live", "replayed")
        assert services.lesson_hours_credit(progress_id=player.session.progress_id, now=at(200)) is None
        assert not HoursEntry.objects.exists()

    def test_live_bursts_from_the_camera_earn_the_lesson(self, world, learner, course, testdata, settings):
        settings.EVIDENCE_CHALLENGE_SHARE = 0
        give_live_profile(learner)
        lesson = lessons(course)[0]
        player = Player(learner, lesson, start=0)
        snapshots = [answer(learner, "study", player.session.pk, live_burst(0), now=at(0))]
        for second in range(10, 121, 10):
            player.beat(second, second)
        snapshots.append(answer(learner, "study", player.session.pk, live_burst(1), now=at(120)))
        for snapshot in snapshots:
            snapshot_check(snapshot_id=snapshot.pk, now=at(121))
        services.study_session_close(person=learner, session_id=player.session.pk, now=at(121))
        assert [Snapshot.objects.get(pk=s.pk).decision for s in snapshots] == ["verified", "verified"]
        entry = services.lesson_hours_credit(progress_id=player.session.progress_id, now=at(200))
        assert entry is not None and entry.hours > 0

    def test_a_resaved_copy_of_a_live_burst_is_refused_as_a_replay(self, world, learner, course, testdata, settings):
        settings.EVIDENCE_CHALLENGE_SHARE = 0
        give_live_profile(learner)
        player = Player(learner, lessons(course)[0], start=0)
        original = answer(learner, "study", player.session.pk, live_burst(0), now=at(0))
        snapshot_check(snapshot_id=original.pk, now=at(1))
        resaved = [_resave(frame) for frame in live_burst(0)]
        copy = answer(learner, "study", player.session.pk, resaved, now=at(70))
        snapshot_check(snapshot_id=copy.pk, now=at(71))
        original.refresh_from_db()
        copy.refresh_from_db()
        assert original.decision == "verified"
        assert copy.decision == "replayed" and copy.liveness["replay_closeness"] < 0.2


def _resave(data: bytes) -> bytes:
    """The same picture saved again by an image editor: another quality, a little brighter."""
    import io

    from PIL import Image, ImageEnhance

    image = ImageEnhance.Brightness(Image.open(io.BytesIO(data)).convert("RGB")).enhance(1.04)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("frame.jpg", data, content_type="image/jpeg")

