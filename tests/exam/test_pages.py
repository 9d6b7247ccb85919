"""The exam room's pages, its camera API and the proctor's pages, through Django's test client
against the real views, selectors and services; the identity checks and exam snapshots run the
real face engine on the shared photos (references of one person from `give_face_profile`, a new
frame of another photo of the same person as the genuine capture, other people as impostors).

The WebSocket protocol of the room and the watchers is tested in test_exam_room.py."""

import datetime
import io
import json
from decimal import Decimal
from unittest import mock

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from exam.models import (
    Attempt,
    AttemptEvent,
    AttemptStatus,
    Exam,
    Incident,
    IncidentKind,
    Paper,
    QuestionKind,
    QuestionVersion,
    Sitting,
)
from exam.services.attempts import (
    answer_record,
    attempt_create,
    attempt_start,
    attempt_submit,
    attempt_verify_identity,
)
from exam.services.bank import question_edit
from exam.tasks import attempts_close_due
from hours.models import Certificate, PassList
from lms.models import Credential, Role
from proctor.models import CaptureLogEntry, EvidenceRequest, Snapshot
from tests.faces import (
    clip_frame,
    give_face_profile,
    give_live_profile,
    live_burst,
    photo,
    variant,
)
from tests.factories import MembershipFactory, make_bank, make_exam, make_sitting

pytestmark = pytest.mark.django_db

S = AttemptStatus
Kind = CaptureLogEntry.Kind
# give_face_profile enrols obama_1..3; obama_4 is another photo of the same man, never enrolled.
GENUINE = "obama_4.jpg"


# Builders ---------------------------------------------------------------------------------------


@pytest.fixture
def exam(db):
    credential = Credential.objects.get(code="C")
    make_bank(credential, per_topic=3)
    return make_exam(credential, duration_minutes=60, review_allowed=True)  # 7 questions, 9 points, pass mark 6


@pytest.fixture
def sitting(world, exam):
    """Guangzhou's sitting, open now (began ten minutes ago, three hours long), with two candidates."""
    return make_sitting(
        exam, world.gz_authority, [world.gz_worker, world.loner], starts_at=timezone.now() - datetime.timedelta(minutes=10), hours=3
    )


@pytest.fixture
def sz_sitting(world, exam):
    """The other tenant: Shenzhen's sitting of the same exam, open now."""
    return make_sitting(exam, world.sz_authority, [world.sz_worker], starts_at=timezone.now() - datetime.timedelta(minutes=10), hours=3)


@pytest.fixture
def attempt(world, sitting):
    """The Guangzhou worker's attempt, created (paper drawn), identity not yet checked."""
    return attempt_create(sitting=sitting, candidate=world.gz_worker)


@pytest.fixture
def proctor(world):
    """A user with only the proctor role at the Guangzhou authority."""
    return MembershipFactory(organisation=world.gz_authority, role=Role.PROCTOR).user


@pytest.fixture
def inline_celery():
    """Tasks run in the request, as on the embedded defaults, even where REDIS_URL is set."""
    from kaohe.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def running(sitting, person) -> Attempt:
    """An attempt in progress: created, identity verified, started."""
    attempt = attempt_create(sitting=sitting, candidate=person)
    attempt_verify_identity(attempt=attempt, method="face", evidence={})
    return attempt_start(attempt=attempt, candidate=person)


def answer_all_right(attempt, person) -> None:
    for version in QuestionVersion.objects.filter(pk__in=attempt.paper.version_ids):
        answer_record(attempt=attempt, candidate=person, version_id=version.pk, option_ids=list(version.correct))


def graded(sitting, person, *, right=True) -> Attempt:
    attempt = running(sitting, person)
    if right:
        answer_all_right(attempt, person)
    return attempt_submit(attempt=attempt, candidate=person)


def html(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def proctor_events(attempt) -> list[str]:
    return [
        entry.payload.get("event")
        for entry in CaptureLogEntry.objects.filter(kind=Kind.PROCTOR_EVENT, subject=f"attempt:{attempt.pk}").order_by("pk")
    ]


def _files(frames: list[bytes]) -> list:
    return [SimpleUploadedFile(f"frame-{n}.jpg", data, content_type="image/jpeg") for n, data in enumerate(frames)]


def identity(client, attempt, frames, *, challenge: str = "turn_right"):
    """The room's identity check: ask for the request (the server picks a challenge; here it is
    `challenge`, so the frames can show it), then send the burst with its nonce. `frames` is a
    list, or one picture (bytes) sent as a burst of re-saved copies, or None for no file."""
    asked = client.post(f"/api/exam/attempts/{attempt.pk}/identity/request")
    if asked.status_code != 200:
        return asked
    request = asked.json()
    EvidenceRequest.objects.filter(pk=request["id"]).update(challenge=challenge)
    if isinstance(frames, bytes):
        frames = [frames] + [_resaved(frames, n) for n in range(1, request["frames"])] if _is_image(frames) else [frames]
    body = {"nonce": request["nonce"]}
    if frames is not None:
        body["frame"] = _files(frames)
    return client.post(f"/api/exam/attempts/{attempt.pk}/identity", body)


def _is_image(data: bytes) -> bool:
    try:
        Image.open(io.BytesIO(data)).load()
    except Exception:  # noqa: BLE001  (anything unreadable is sent as it is)
        return False
    return True


def _resaved(data: bytes, n: int) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, comment=f"frame {n}".encode())
    return out.getvalue()


# A live identity burst for the clip's person: two frontal frames, then a turn to his right.
TURNING_RIGHT = (90, 96, 129, 135)


def live_identity_burst() -> list[bytes]:
    return [clip_frame(index) for index in TURNING_RIGHT]


def snapshot(client, attempt, frames):
    """A burst during the exam answering the room's request (the one due next, due now)."""
    from exam.services.proctoring import exam_evidence_next

    request = exam_evidence_next(attempt_id=attempt.pk)
    nonce = ""
    if request is not None:
        EvidenceRequest.objects.filter(pk=request.pk).update(due_at=timezone.now(), challenge="", frames=2)
        nonce = request.nonce
    if isinstance(frames, bytes):
        frames = [frames, _resaved(frames, 1)]
    return client.post(f"/api/exam/attempts/{attempt.pk}/snapshots", {"frame": _files(frames), "nonce": nonce})


def state_of(attempt) -> tuple:
    """Everything a refused request must leave as it was."""
    attempt.refresh_from_db()
    return (
        attempt.status,
        attempt.identity_failures,
        attempt.identity_referred_at,
        attempt.identity_method,
        Incident.objects.filter(attempt=attempt).count(),
        AttemptEvent.objects.filter(attempt=attempt).count(),
        CaptureLogEntry.objects.filter(subject=f"attempt:{attempt.pk}").count(),
    )


# 1. My exams and entering the room ---------------------------------------------------------------


def test_my_exams_lists_only_my_sittings_in_chinese_and_offers_enter_only_while_open(chinese, world, exam, sitting, sz_sitting):
    # Given a sitting of mine open now, one of mine tomorrow, one of mine that ended, and another city's
    tomorrow = make_sitting(exam, world.gz_authority, [world.gz_worker], starts_at=timezone.now() + datetime.timedelta(days=1))
    ended = make_sitting(exam, world.gz_authority, [world.gz_worker], starts_at=timezone.now() - datetime.timedelta(days=1))
    chinese.force_login(world.gz_worker.user)

    # When I open My exams
    response = chinese.get(reverse("exam:my_exams"))

    # Then it is in Chinese, lists my three sittings only, and only the open one can be entered
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    page = html(response)
    assert {int(row["data-sitting"]) for row in page.select("#my-exams tbody tr")} == {sitting.pk, tomorrow.pk, ended.pk}
    assert "广州市住建局" in page.select_one("#my-exams").text
    enter_forms = [form["action"] for form in page.select("#my-exams form")]
    assert enter_forms == [reverse("exam:enter", args=[sitting.pk])]
    assert not page.select('a[href^="/exam/attempts/"]')
    # and the banner asks for a face profile first
    assert page.select_one("#face-banner") is not None


def test_entering_makes_one_attempt_with_its_paper_and_entering_again_reuses_it(chinese, world, sitting):
    chinese.force_login(world.gz_worker.user)

    # When I enter the open sitting
    response = chinese.post(reverse("exam:enter", args=[sitting.pk]))

    # Then exactly one attempt exists, with its own paper, and I am sent to its room
    attempt = Attempt.objects.get()
    assert (attempt.candidate, attempt.sitting, attempt.status) == (world.gz_worker, sitting, S.CREATED)
    assert len(attempt.paper.items) == 7
    assert response.status_code == 302 and response["Location"] == reverse("exam:room", args=[attempt.pk])

    # When I enter again (a second tab, a reload)
    again = chinese.post(reverse("exam:enter", args=[sitting.pk]))

    # Then the same attempt and paper are reused
    assert again.status_code == 302 and again["Location"] == reverse("exam:room", args=[attempt.pk])
    assert Attempt.objects.count() == 1 and Paper.objects.count() == 1
    assert Paper.objects.get().items == attempt.paper.items
    # and My exams now links to the room instead of offering to enter
    page = html(chinese.get(reverse("exam:my_exams")))
    assert page.select_one(f'#my-exams a[href="{reverse("exam:room", args=[attempt.pk])}"]') is not None
    assert not page.select("#my-exams form")


def test_entering_a_sitting_i_am_not_a_candidate_of_is_a_404(chinese, world, exam, sz_sitting):
    # Given a Guangzhou sitting without me and a Shenzhen one
    others = make_sitting(exam, world.gz_authority, [world.loner], starts_at=timezone.now() - datetime.timedelta(minutes=5))
    chinese.force_login(world.gz_worker.user)

    for sitting in (others, sz_sitting):
        assert chinese.post(reverse("exam:enter", args=[sitting.pk])).status_code == 404
    assert chinese.post(reverse("exam:enter", args=[999_999])).status_code == 404
    assert not Attempt.objects.exists()


def test_entering_a_sitting_that_ended_is_refused_with_a_message(chinese, world, exam):
    ended = make_sitting(exam, world.gz_authority, [world.gz_worker], starts_at=timezone.now() - datetime.timedelta(days=1))
    chinese.force_login(world.gz_worker.user)

    response = chinese.post(reverse("exam:enter", args=[ended.pk]), follow=True)

    assert response.redirect_chain == [(reverse("exam:my_exams"), 302)]
    assert [level for level, _message in messages_of(response)] == ["error"]
    assert not Attempt.objects.exists()


def test_entering_when_the_bank_is_too_small_shows_why_and_creates_nothing(chinese, world):
    # Given an exam that needs more single-choice questions than the bank has
    credential = Credential.objects.get(code="C")
    make_bank(credential, per_topic=1)  # 2 single-choice questions
    exam = make_exam(credential, blueprint=(("single", "", 5),))
    sitting = make_sitting(exam, world.gz_authority, [world.gz_worker], starts_at=timezone.now() - datetime.timedelta(minutes=5))
    chinese.force_login(world.gz_worker.user)

    # When I try to enter
    response = chinese.post(reverse("exam:enter", args=[sitting.pk]), follow=True)

    # Then I am back on My exams with the reason, and no attempt or paper was made
    assert response.redirect_chain == [(reverse("exam:my_exams"), 302)]
    [(level, message)] = messages_of(response)
    assert level == "error" and "2" in message and "5" in message
    assert message in html(response).select_one("ul.messages").text
    assert not Attempt.objects.exists() and not Paper.objects.exists()


# 2. The room page --------------------------------------------------------------------------------


def test_the_room_renders_for_its_owner_with_the_socket_in_its_config(chinese, world, attempt):
    chinese.force_login(world.gz_worker.user)

    response = chinese.get(reverse("exam:room", args=[attempt.pk]))

    assert response.status_code == 200 and '<html lang="zh-hans">' in response.content.decode()
    config = json.loads(html(response).select_one("script#kaohe-config").string)
    assert config["socket"] == {"path": f"/ws/exam/attempts/{attempt.pk}/", "final_close_codes": [4401, 4404]}
    assert config["attempt"] == attempt.pk and config["status"] == S.CREATED and config["referred"] is False
    assert config["urls"] == {
        "identity_request": f"/api/exam/attempts/{attempt.pk}/identity/request",
        "identity": f"/api/exam/attempts/{attempt.pk}/identity",
        "snapshot": f"/api/exam/attempts/{attempt.pk}/snapshots",
        "video_offer": f"/api/exam/attempts/{attempt.pk}/video/offer",
    }
    # and the words the script shows, translated by the server
    assert config["words"]["saved"] == "所有答案已保存", config["words"]


def test_the_room_is_a_404_for_another_learner_and_for_staff(chinese, world, attempt):
    for user in (world.sz_worker.user, world.loner.user, world.gz_reviewer, world.gz_staff, world.gz_admin):
        chinese.force_login(user)
        assert chinese.get(reverse("exam:room", args=[attempt.pk])).status_code == 404, user
    chinese.logout()
    assert chinese.get(reverse("exam:room", args=[attempt.pk])).status_code == 302  # to the login page


# 3. The identity check over the API, with the real engine --------------------------------------


def test_the_genuine_candidate_is_verified_by_face_with_evidence(client, world, attempt, testdata, settings):
    # Given my reference photos and the attempt's room
    give_live_profile(world.gz_worker)
    client.force_login(world.gz_worker.user)

    # When the webcam sends a live burst in which I turn my head as the server asks
    response = identity(client, attempt, live_identity_burst())

    # Then I am verified, by face, with the snapshot as evidence
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["decision"] == "verified" and body["verified"] is True and body["referred"] is False and body["message"]
    attempt.refresh_from_db()
    assert attempt.status == S.IDENTITY_VERIFIED and attempt.identity_method == "face"
    assert attempt.identity_verified_at is not None and attempt.identity_failures == 0
    evidence = attempt.identity_evidence
    capture = Snapshot.objects.get(pk=evidence["snapshot"])
    assert evidence["decision"] == "verified" and evidence["distance"] <= settings.FACE_BURST_THRESHOLD
    assert (capture.context_kind, capture.context_id, capture.person) == ("exam_identity", str(attempt.pk), world.gz_worker)
    assert AttemptEvent.objects.filter(attempt=attempt, to_status=S.IDENTITY_VERIFIED).count() == 1

    # and checking again is refused: there is nothing left to verify
    again = identity(client, attempt, live_identity_burst())
    assert again.status_code == 409 and again.json()["code"] == "identity_already_verified"


def test_three_failed_checks_refer_the_attempt_to_the_proctor(client, world, attempt, testdata):
    give_face_profile(world.gz_worker)
    client.force_login(world.gz_worker.user)

    # When someone else sits in front of the camera
    first = identity(client, attempt, photo("biden_1.jpg"))

    # Then it is a mismatch and uses one of the three tries
    assert first.status_code == 200
    assert first.json() | {"message": ""} == {
        "decision": "mismatch", "message": "", "verified": False, "tries_left": 2, "referred": False,
    }
    attempt.refresh_from_db()
    assert attempt.status == S.CREATED and attempt.identity_failures == 1 and attempt.identity_referred_at is None

    # When it fails twice more (another impostor photo, then two people at once)
    second = identity(client, attempt, photo("biden_2.jpg")).json()
    third = identity(client, attempt, photo("multi_obama_biden.jpg")).json()

    # Then the attempt is referred to the proctor
    assert (second["decision"], second["tries_left"], second["referred"]) == ("mismatch", 1, False)
    assert (third["decision"], third["tries_left"], third["referred"]) == ("several_faces", 0, True)
    attempt.refresh_from_db()
    assert attempt.status == S.CREATED and attempt.identity_failures == 3 and attempt.identity_referred_at is not None

    # and a further check is refused before any picture is processed, even the genuine face
    refused = identity(client, attempt, variant(GENUINE, 1))
    assert refused.status_code == 403 and refused.json()["code"] == "identity_referred"
    assert Snapshot.objects.filter(context_kind="exam_identity").count() == 3
    attempt.refresh_from_db()
    assert attempt.status == S.CREATED

    # and the dashboard and the capture log both hold every failure and the referral
    kinds = list(Incident.objects.filter(attempt=attempt).order_by("pk").values_list("kind", flat=True))
    assert kinds == [IncidentKind.IDENTITY_FAILED] * 3 + [IncidentKind.IDENTITY_REFERRED]
    assert all(i.detail["counted"] for i in Incident.objects.filter(attempt=attempt, kind=IncidentKind.IDENTITY_FAILED))
    assert proctor_events(attempt) == ["identity_failed"] * 3 + ["identity_referred"]
    assert CaptureLogEntry.objects.filter(person=world.gz_worker, kind=Kind.SNAPSHOT_DECIDED).count() == 3

    # and the room page tells the browser so
    config = json.loads(html(client.get(reverse("exam:room", args=[attempt.pk]))).select_one("#kaohe-config").string)
    assert config["referred"] is True


def test_a_picture_without_a_face_uses_no_try_and_the_same_bytes_again_are_a_replay(client, world, attempt, testdata):
    give_face_profile(world.gz_worker)
    client.force_login(world.gz_worker.user)
    nobody = photo("noface_dogs.jpg")

    # When the camera sees nobody
    response = identity(client, attempt, nobody)

    # Then the candidate is asked to try again without losing a try
    assert response.status_code == 200
    body = response.json()
    assert (body["decision"], body["verified"], body["tries_left"], body["referred"]) == ("no_face", False, 3, False)
    attempt.refresh_from_db()
    assert attempt.identity_failures == 0
    [incident] = Incident.objects.filter(attempt=attempt)
    assert incident.kind == IncidentKind.IDENTITY_FAILED and incident.detail["counted"] is False

    # When the very same bytes are sent again
    before = state_of(attempt)
    replay = identity(client, attempt, nobody)

    # Then they are refused as a replay and nothing else changes (but the unanswered request)
    assert replay.status_code == 409 and replay.json()["code"] == "snapshot_replayed"
    assert state_of(attempt) == before
    assert Snapshot.objects.count() == 1


@pytest.mark.parametrize(
    "data, code",
    [
        (b"%PDF-1.4 not an image at all" * 10, "image_corrupt"),
        (b"", "image_empty"),
        (None, "snapshot_frames_invalid"),  # no file in the request at all
    ],
    ids=["not-an-image", "empty-file", "no-file"],
)
def test_a_corrupt_or_empty_upload_is_a_400_with_a_code_and_changes_nothing(client, world, attempt, testdata, data, code):
    give_face_profile(world.gz_worker)
    client.force_login(world.gz_worker.user)
    before = state_of(attempt)

    response = identity(client, attempt, data)

    assert response.status_code == 400 and response.json()["code"] == code and response.json()["message"]
    assert state_of(attempt) == before
    assert not Incident.objects.exists() and not Snapshot.objects.exists()
    # The refusal itself is on record in the capture log, with its code.
    refusal = CaptureLogEntry.objects.filter(person=world.gz_worker, kind=Kind.SNAPSHOT_REFUSED).get()
    assert refusal.payload["code"] == code


def test_a_truncated_jpeg_is_refused_and_uses_no_try(client, world, attempt, testdata):
    give_face_profile(world.gz_worker)
    client.force_login(world.gz_worker.user)

    response = identity(client, attempt, photo(GENUINE)[:4000])

    assert response.status_code == 400 and response.json()["code"] == "image_corrupt"
    attempt.refresh_from_db()
    assert attempt.identity_failures == 0 and attempt.status == S.CREATED and not Incident.objects.exists()


def test_a_candidate_without_a_face_profile_is_told_to_enrol(client, world, attempt, testdata):
    client.force_login(world.gz_worker.user)
    before = state_of(attempt)

    response = identity(client, attempt, variant(GENUINE, 1))

    assert response.status_code == 403 and response.json()["code"] == "face_profile_missing"
    assert state_of(attempt) == before and not Snapshot.objects.exists()


def test_someone_elses_attempt_is_a_404_on_the_api(client, world, attempt, testdata):
    give_face_profile(world.sz_worker)
    before = state_of(attempt)
    for user in (world.sz_worker.user, world.gz_reviewer):
        client.force_login(user)
        for post in (identity, snapshot):
            response = post(client, attempt, variant(GENUINE, 1))
            assert response.status_code == 404 and response.json()["code"] == "not_found", (user, post)
    assert state_of(attempt) == before and not Snapshot.objects.exists()
    client.logout()
    assert identity(client, attempt, variant(GENUINE, 1)).status_code == 401


# 4. The proctor confirms an identity ------------------------------------------------------------


def refer(attempt) -> None:
    """The state three failed checks leave (the real path is tested above)."""
    Attempt.objects.filter(pk=attempt.pk).update(identity_failures=3, identity_referred_at=timezone.now())


def test_the_proctor_confirms_a_referred_candidate_with_a_note(chinese, world, attempt):
    refer(attempt)
    chinese.force_login(world.gz_reviewer)
    url = reverse("exam:confirm_identity", args=[attempt.pk])

    # When the proctor confirms without saying how
    before = state_of(attempt)
    response = chinese.post(url, {"note": "   "}, follow=True)

    # Then it is refused with a message, and nothing changed
    assert response.redirect_chain == [(reverse("exam:board", args=[attempt.sitting_id]), 302)]
    assert [level for level, _message in messages_of(response)] == ["error"]
    assert state_of(attempt) == before

    # When the proctor confirms with a note
    response = chinese.post(url, {"note": "视频核对身份证原件"})

    # Then the attempt is verified by the proctor, on record
    assert response.status_code == 302 and response["Location"] == reverse("exam:board", args=[attempt.sitting_id])
    attempt.refresh_from_db()
    assert attempt.status == S.IDENTITY_VERIFIED and attempt.identity_method == "proctor"
    assert attempt.identity_verified_by == world.gz_reviewer
    assert attempt.identity_evidence == {"note": "视频核对身份证原件"}
    event = AttemptEvent.objects.get(attempt=attempt, to_status=S.IDENTITY_VERIFIED)
    assert event.actor == world.gz_reviewer
    assert proctor_events(attempt) == ["identity_confirmed"]


def test_the_other_citys_proctor_and_the_candidate_cannot_confirm(chinese, world, attempt):
    refer(attempt)
    MembershipFactory(user=world.sz_reviewer, organisation=world.sz_authority, role=Role.PROCTOR)
    before = state_of(attempt)
    for user in (world.sz_reviewer, world.gz_worker.user, world.gz_staff):
        chinese.force_login(user)
        assert chinese.post(reverse("exam:confirm_identity", args=[attempt.pk]), {"note": "核对"}).status_code == 404, user
    assert state_of(attempt) == before


# 5. Snapshots during the exam -------------------------------------------------------------------


def test_a_snapshot_during_the_exam_is_stored_decided_and_put_on_the_dashboard(
    chinese, world, sitting, testdata, inline_celery, django_capture_on_commit_callbacks
):
    give_live_profile(world.gz_worker)
    attempt = running(sitting, world.gz_worker)
    chinese.force_login(world.gz_worker.user)

    # When the room answers the server's request for a snapshot (its check is queued on commit,
    # and runs inline)
    with django_capture_on_commit_callbacks(execute=True):
        response = snapshot(chinese, attempt, live_burst(0))

    # Then it was stored against the attempt, accepted before the check
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending"
    stored = Snapshot.objects.get(pk=body["id"])
    assert (stored.context_kind, stored.context_id, stored.person) == ("exam", str(attempt.pk), world.gz_worker)
    # and decided at once, which put it on the proctor's dashboard
    assert stored.status == "decided" and stored.decision == "verified"
    [incident] = Incident.objects.filter(attempt=attempt)
    assert incident.kind == IncidentKind.SNAPSHOT
    assert incident.detail == {"snapshot": str(stored.pk), "decision": "verified", "reason": ""}
    chinese.force_login(world.gz_reviewer)
    row = html(chinese.get(reverse("exam:board", args=[sitting.pk]))).select_one(f'#rows tr[data-attempt="{attempt.pk}"]')
    assert row.select_one(".snapshot").text == "核验通过"
    assert row.select_one(".events .incident.snapshot") is not None


def test_a_decided_snapshot_whose_event_was_lost_reaches_the_dashboard_by_the_sweep(
    chinese, world, sitting, testdata, inline_celery, django_capture_on_commit_callbacks, settings
):
    from exam.services.proctoring import exam_snapshots_settle_due

    give_face_profile(world.gz_worker)
    attempt = running(sitting, world.gz_worker)
    chinese.force_login(world.gz_worker.user)
    # Given a snapshot decided while the receiver of the decision fails
    settings.EVENTS_DELIVER_AT_PUBLISH = True
    with mock.patch("exam.services.proctoring.exam_snapshot_decided", side_effect=RuntimeError("database hiccup")):
        with django_capture_on_commit_callbacks(execute=True):
            stored = Snapshot.objects.get(pk=snapshot(chinese, attempt, variant(GENUINE, 6)).json()["id"])
    stored.refresh_from_db()
    assert stored.status == "decided"
    assert not Incident.objects.filter(attempt=attempt, kind=IncidentKind.SNAPSHOT).exists()
    # When the sweep runs, then the incident exists once, and a second sweep adds nothing
    assert exam_snapshots_settle_due() == 1
    assert Incident.objects.filter(attempt=attempt, kind=IncidentKind.SNAPSHOT, detail__snapshot=str(stored.pk)).count() == 1
    assert exam_snapshots_settle_due() == 0


def test_a_snapshot_outside_an_attempt_in_progress_is_refused(client, world, sitting, attempt, testdata):
    give_face_profile(world.gz_worker)
    client.force_login(world.gz_worker.user)

    # Not started yet
    response = snapshot(client, attempt, variant(GENUINE, 1))
    assert response.status_code == 409 and response.json()["code"] == "attempt_closed"

    # Already graded
    done = graded(sitting, world.loner)
    give_face_profile(world.loner)
    client.force_login(world.loner.user)
    response = snapshot(client, done, variant(GENUINE, 2))
    assert response.status_code == 409 and response.json()["code"] == "attempt_closed"
    assert not Snapshot.objects.exists() and not Incident.objects.exists()


# 6. The board and the results -------------------------------------------------------------------


def test_the_board_and_results_show_every_candidate_to_the_proctors(chinese, world, sitting, attempt, proctor):
    sitting.institution = world.gz_institution
    sitting.save()
    candidates = {world.gz_worker.pk, world.loner.pk}
    for user in (world.gz_reviewer, proctor, world.province_reviewer):
        chinese.force_login(user)
        for name in ("exam:board", "exam:results"):
            response = chinese.get(reverse(name, args=[sitting.pk]))
            assert response.status_code == 200, (user, name)
            rows = html(response).select("#rows tr")
            assert {int(row["data-person"]) for row in rows} == candidates, (user, name)
            assert {row["data-attempt"] for row in rows} == {str(attempt.pk), ""}
    # The board's config names its socket and the URLs of a row's actions.
    watch = json.loads(html(chinese.get(reverse("exam:board", args=[sitting.pk]))).select_one("#kaohe-config").string)
    assert watch["socket"]["path"] == f"/ws/exam/sittings/{sitting.pk}/board/"
    assert watch["urls"]["actions"] == {
        "warn": "/exam/attempts/{attempt}/warn/",
        "terminate": "/exam/attempts/{attempt}/terminate/",
        "confirm-identity": "/exam/attempts/{attempt}/confirm-identity/",
    }


def test_institution_staff_see_results_but_not_the_board_and_others_see_neither(chinese, world, sitting, attempt):
    sitting.institution = world.gz_institution
    sitting.save()
    chinese.force_login(world.gz_staff)
    response = chinese.get(reverse("exam:results", args=[sitting.pk]))
    assert response.status_code == 200
    assert {int(row["data-person"]) for row in html(response).select("#rows tr")} == {world.gz_worker.pk, world.loner.pk}
    assert html(response).select_one("#issue-certificates") is None
    assert chinese.get(reverse("exam:board", args=[sitting.pk])).status_code == 404

    for user in (world.sz_reviewer, world.sz_staff, world.gz_admin, world.gz_worker.user):
        chinese.force_login(user)
        for name in ("exam:board", "exam:results"):
            assert chinese.get(reverse(name, args=[sitting.pk])).status_code == 404, (user, name)


def test_a_warning_through_the_board_is_logged_and_an_empty_one_is_refused(chinese, world, sitting, proctor):
    attempt = running(sitting, world.gz_worker)
    chinese.force_login(proctor)
    url = reverse("exam:warn", args=[attempt.pk])

    # When the proctor sends an empty warning
    before = state_of(attempt)
    response = chinese.post(url, {"message": "  "}, follow=True)
    # Then it is refused with a message and nothing is logged
    assert [level for level, _message in messages_of(response)] == ["error"]
    assert state_of(attempt) == before

    # When the proctor warns the candidate
    response = chinese.post(url, {"message": "请正视摄像头"})

    # Then the warning is on the dashboard and in the capture log, and the attempt goes on
    assert response.status_code == 302 and response["Location"] == reverse("exam:board", args=[sitting.pk])
    warning = Incident.objects.get(attempt=attempt)
    assert (warning.kind, warning.actor, warning.detail) == (IncidentKind.WARNING, proctor, {"message": "请正视摄像头"})
    assert proctor_events(attempt) == ["warning"]
    entry = CaptureLogEntry.objects.get(subject=f"attempt:{attempt.pk}")
    assert entry.payload["actor"] == proctor.pk and entry.payload["message"] == "请正视摄像头" and entry.person == world.gz_worker
    attempt.refresh_from_db()
    assert attempt.status == S.IN_PROGRESS


def test_terminating_through_the_board_needs_a_reason_and_is_logged(chinese, world, sitting):
    attempt = running(sitting, world.gz_worker)
    chinese.force_login(world.gz_reviewer)
    url = reverse("exam:terminate", args=[attempt.pk])

    before = state_of(attempt)
    response = chinese.post(url, {"reason": ""}, follow=True)
    assert [level for level, _message in messages_of(response)] == ["error"]
    assert state_of(attempt) == before

    response = chinese.post(url, {"reason": "他人代考"}, follow=True)

    assert response.redirect_chain == [(reverse("exam:board", args=[sitting.pk]), 302)]
    assert [level for level, _message in messages_of(response)] == ["success"]
    attempt.refresh_from_db()
    assert attempt.status == S.TERMINATED and attempt.ended_at is not None and attempt.score is None
    event = AttemptEvent.objects.get(attempt=attempt, to_status=S.TERMINATED)
    assert (event.from_status, event.reason, event.actor) == (S.IN_PROGRESS, "他人代考", world.gz_reviewer)
    assert proctor_events(attempt) == ["terminated"]
    # A terminated attempt can be neither warned nor terminated again: a message, nothing logged.
    after = state_of(attempt)
    for name, field in (("exam:warn", "message"), ("exam:terminate", "reason")):
        response = chinese.post(reverse(name, args=[attempt.pk]), {field: "再次"}, follow=True)
        assert [level for level, _message in messages_of(response)] == ["error"]
    assert state_of(attempt) == after


def test_the_other_citys_proctor_cannot_warn_or_terminate(chinese, world, sitting):
    attempt = running(sitting, world.gz_worker)
    MembershipFactory(user=world.sz_reviewer, organisation=world.sz_authority, role=Role.PROCTOR)
    before = state_of(attempt)
    for user in (world.sz_reviewer, world.gz_staff, world.gz_worker.user):
        chinese.force_login(user)
        assert chinese.post(reverse("exam:warn", args=[attempt.pk]), {"message": "注意"}).status_code == 404, user
        assert chinese.post(reverse("exam:terminate", args=[attempt.pk]), {"reason": "作弊"}).status_code == 404, user
    assert state_of(attempt) == before


@pytest.mark.parametrize("name", ["exam:board", "exam:results"])
def test_opening_the_board_or_results_changes_nothing_and_the_sweep_grades_what_is_overdue(chinese, world, sitting, name):
    # Given an attempt in progress whose deadline passed while nobody was connected
    attempt = running(sitting, world.gz_worker)
    answer_all_right(attempt, world.gz_worker)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=1))
    chinese.force_login(world.gz_reviewer)

    # When the proctor opens the page, then reading it writes nothing
    response = chinese.get(reverse(name, args=[sitting.pk]))
    attempt.refresh_from_db()
    assert attempt.status == S.IN_PROGRESS
    if name == "exam:board":
        row = html(response).select_one(f'#rows tr[data-attempt="{attempt.pk}"]')
        assert row.select_one(".status").text.strip() == "时间已到，正在提交"

    # When the beat task runs, then it is submitted and graded, and the page shows the result
    attempts_close_due()
    attempt.refresh_from_db()
    assert attempt.status == S.GRADED and attempt.score == 9 and attempt.passed
    assert AttemptEvent.objects.get(attempt=attempt, to_status=S.SUBMITTED).actor is None
    row = html(chinese.get(reverse(name, args=[sitting.pk]))).select_one(f'#rows tr[data-attempt="{attempt.pk}"]')
    assert row["data-status"] == S.GRADED and Decimal(row.select_one(".score").text) == 9  # results: "9", without trailing zeros


# 7. Reviewing a graded attempt ------------------------------------------------------------------


def test_the_review_shows_the_versions_the_candidate_saw_after_an_edit(chinese, world, sitting):
    # Given my attempt in progress, all answered right
    attempt = running(sitting, world.gz_worker)
    answer_all_right(attempt, world.gz_worker)
    seen = QuestionVersion.objects.select_related("question").filter(
        pk__in=attempt.paper.version_ids, question__kind=QuestionKind.SINGLE
    ).first()
    other = next(option["id"] for option in seen.options if option["id"] not in seen.correct)
    # When the bank manager edits that question mid-exam: a new stem and another right option
    edited = question_edit(
        actor=world.gz_reviewer,
        question=seen.question,
        stem="修改后的题干",
        options=[{"id": option["id"], "text": option["text"], "correct": option["id"] == other} for option in seen.options],
    )
    assert edited.pk != seen.pk and edited.correct != seen.correct  # a new version: the old one was drawn
    # and I submit
    attempt = attempt_submit(attempt=attempt, candidate=world.gz_worker)

    # Then I was graded against what I saw
    assert attempt.status == S.GRADED and attempt.score == 9 and attempt.passed
    sitting_ended(sitting)
    chinese.force_login(world.gz_worker.user)
    response = chinese.get(reverse("exam:review", args=[attempt.pk]))
    assert response.status_code == 200
    page = html(response)
    item = page.select_one(f'li.question[data-question="{seen.pk}"]')
    assert seen.stem in item.text and "修改后的题干" not in page.text
    assert "right" in item["class"]
    assert len(page.select("li.question")) == 7 and not page.select("li.question.wrong")
    attempt.refresh_from_db()
    assert attempt.score == 9 and {row["version_id"] for row in attempt.grading} == set(attempt.paper.version_ids)


def sitting_ended(sitting) -> None:
    Sitting.objects.filter(pk=sitting.pk).update(ends_at=timezone.now() - datetime.timedelta(minutes=1))


def test_a_new_score_is_told_on_the_candidates_home(chinese, world, sitting):
    chinese.force_login(world.loner.user)
    assert html(chinese.get(reverse("lms:home"))).select_one("#notice-score") is None
    graded(sitting, world.loner)
    notice = html(chinese.get(reverse("lms:home"))).select_one("#notice-score")
    assert notice is not None and notice.a["href"] == reverse("exam:my_exams")
    chinese.force_login(world.gz_worker.user)  # another candidate of the sitting, not yet graded
    assert html(chinese.get(reverse("lms:home"))).select_one("#notice-score") is None


def test_the_right_answers_stay_hidden_until_the_sitting_has_ended_for_everyone(chinese, world, sitting):
    # Given a candidate who finished early, graded, while the other candidate still sits the exam
    done = graded(sitting, world.loner)
    running(sitting, world.gz_worker)
    chinese.force_login(world.loner.user)

    # When they open the review, then it shows no question, answer or explanation, and says when it opens
    response = chinese.get(reverse("exam:review", args=[done.pk]))
    page = html(response)
    assert response.status_code == 403 and not page.select("li.question") and not page.select(".explanation")
    opens_at = timezone.localtime(sitting.ends_at).strftime("%Y-%m-%d %H:%M")
    assert "考试场次结束后" in page.select_one("#review-not-yet").text and opens_at in page.text
    # and their score is shown meanwhile
    assert page.select_one("p.figure strong").text == f"{done.score.normalize():f}"  # no trailing zeros

    # Once the sitting has ended, the review opens
    sitting_ended(sitting)
    response = chinese.get(reverse("exam:review", args=[done.pk]))
    assert response.status_code == 200 and len(html(response).select("li.question")) == 7


def test_the_review_is_refused_unless_allowed_and_graded(chinese, world, sitting, exam):
    in_progress = running(sitting, world.gz_worker)
    done = graded(sitting, world.loner)
    sitting_ended(sitting)

    chinese.force_login(world.gz_worker.user)
    response = chinese.get(reverse("exam:review", args=[in_progress.pk]))
    assert response.status_code == 403 and not html(response).select("li.question")
    # Another candidate's review is not mine to see.
    assert chinese.get(reverse("exam:review", args=[done.pk])).status_code == 404

    chinese.force_login(world.loner.user)
    assert chinese.get(reverse("exam:review", args=[done.pk])).status_code == 200
    Exam.objects.filter(pk=exam.pk).update(review_allowed=False)
    response = chinese.get(reverse("exam:review", args=[done.pk]))
    assert response.status_code == 403 and not html(response).select("li.question")


# 8. Certificates from the results ---------------------------------------------------------------


def test_certificates_are_issued_to_the_passers_the_authority_oversees(chinese, world, sitting):
    # Given two passers: the Guangzhou worker (employed in Guangzhou) and someone employed nowhere
    graded(sitting, world.gz_worker)
    graded(sitting, world.loner)
    chinese.force_login(world.gz_reviewer)
    assert html(chinese.get(reverse("exam:results", args=[sitting.pk]))).select_one("#issue-certificates") is not None

    # When the reviewer issues before the province confirmed a pass list: nobody gets one, and
    # each person's reason is a warning (on main: a success box "0 issued, 1 skipped", no reason)
    response = chinese.post(reverse("exam:issue_certificates", args=[sitting.pk]), follow=True)
    assert not Certificate.objects.exists()
    levels = [level for level, _message in messages_of(response)]
    assert levels == ["warning", "warning", "warning"]
    reasons = " ".join(message for _level, message in messages_of(response)[1:])
    assert "经确认的考试合格记录" in reasons and world.gz_worker.real_name in reasons and "辖区" in reasons

    # When the city compiles the pass list, the province confirms it, and the reviewer issues
    chinese.post(reverse("exam:pass_list_compile", args=[sitting.pk]))
    pass_list = PassList.objects.get()
    chinese.force_login(world.province_reviewer)
    chinese.post(reverse("hours:pass_list_decide", args=[pass_list.pk]), {"decision": "confirm"})
    chinese.force_login(world.gz_reviewer)
    response = chinese.post(reverse("exam:issue_certificates", args=[sitting.pk]), follow=True)

    # Then the overseen passer has one, the other was not issued, and the page says why
    assert response.redirect_chain == [(reverse("exam:results", args=[sitting.pk]), 302)]
    [certificate] = Certificate.objects.all()
    assert (certificate.holder, certificate.authority, certificate.credential) == (world.gz_worker, world.gz_authority, sitting.exam.credential)
    assert certificate.status == "valid" and certificate.number.startswith("440100")
    # (the page also shows the earlier steps' confirmations, kept in the session until shown)
    messages = messages_of(response)
    warnings = [message for level, message in messages if level == "warning"]
    assert len(warnings) == 2 and world.loner.real_name in warnings[1] and "辖区" in warnings[1]
    assert not any("签发" in message for level, message in messages if level == "success")

    # and issuing again skips the holder: still one certificate
    chinese.post(reverse("exam:issue_certificates", args=[sitting.pk]))
    assert Certificate.objects.count() == 1


def test_nobody_passed_means_no_certificates(chinese, world, sitting):
    graded(sitting, world.gz_worker, right=False)
    chinese.force_login(world.gz_reviewer)
    response = chinese.post(reverse("exam:issue_certificates", args=[sitting.pk]), follow=True)
    assert [level for level, _message in messages_of(response)] == ["error"]
    assert not Certificate.objects.exists()


def test_only_the_sittings_proctors_reach_certificate_issuing(chinese, world, sitting):
    sitting.institution = world.gz_institution
    sitting.save()
    graded(sitting, world.gz_worker)
    for user in (world.gz_staff, world.gz_admin, world.gz_worker.user, world.sz_reviewer):
        chinese.force_login(user)
        assert chinese.post(reverse("exam:issue_certificates", args=[sitting.pk])).status_code == 404, user
    assert not Certificate.objects.exists()


def test_a_proctor_who_may_not_issue_is_not_offered_the_button_and_issues_nothing(chinese, world, sitting, proctor):
    # The authority's proctor and the province's reviewer proctor the sitting, but only the
    # reviewers of the sitting's own authority issue its certificates.
    graded(sitting, world.gz_worker)
    for user in (proctor, world.province_reviewer):
        chinese.force_login(user)
        assert html(chinese.get(reverse("exam:results", args=[sitting.pk]))).select_one("#issue-certificates") is None, user
        response = chinese.post(reverse("exam:issue_certificates", args=[sitting.pk]), follow=True)
        assert [level for level, _message in messages_of(response)] == ["error"], user
    assert not Certificate.objects.exists()


# 9. The periodic task ---------------------------------------------------------------------------


def test_the_periodic_task_closes_overdue_attempts(world, exam, sitting):
    # Given an attempt whose time ran out, one still running, and one that never started in a sitting that ended
    overdue = running(sitting, world.gz_worker)
    Attempt.objects.filter(pk=overdue.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=1))
    still = running(sitting, world.loner)
    ended = make_sitting(exam, world.gz_authority, [world.sz_worker], starts_at=timezone.now() - datetime.timedelta(hours=5))
    never = attempt_create(sitting=ended, candidate=world.sz_worker, now=ended.starts_at + datetime.timedelta(minutes=1))

    # When the task runs
    counts = attempts_close_due.apply().get()

    # Then the overdue one is graded, the one that never started expired, the running one untouched
    assert counts == {"submitted": 1, "expired": 1}
    statuses = dict(Attempt.objects.values_list("pk", "status"))
    assert statuses == {overdue.pk: S.GRADED, still.pk: S.IN_PROGRESS, never.pk: S.EXPIRED}
    assert attempts_close_due.apply().get() == {"submitted": 0, "expired": 0}


# Tenant scoping ---------------------------------------------------------------------------------


def test_the_other_tenants_sittings_and_attempts_are_404_everywhere(chinese, world, sitting, sz_sitting, attempt, testdata, proctor):
    # Given a Shenzhen attempt in progress and a graded Guangzhou one, and the Guangzhou roles
    sitting.institution = world.gz_institution
    sitting.save()
    give_face_profile(world.gz_worker)
    theirs = running(sz_sitting, world.sz_worker)
    before = state_of(theirs)
    sz_paper = Paper.objects.get(attempt=theirs).items

    # A Guangzhou learner: nothing of Shenzhen's attempt or sitting
    chinese.force_login(world.gz_worker.user)
    assert chinese.post(reverse("exam:enter", args=[sz_sitting.pk])).status_code == 404
    for name in ("exam:room", "exam:review"):
        assert chinese.get(reverse(name, args=[theirs.pk])).status_code == 404, name
    assert identity(chinese, theirs, variant(GENUINE, 1)).status_code == 404
    assert snapshot(chinese, theirs, variant(GENUINE, 2)).status_code == 404
    assert sz_sitting.pk not in {int(r["data-sitting"]) for r in html(chinese.get(reverse("exam:my_exams"))).select("#my-exams tbody tr")}

    # Guangzhou's reviewer, proctor and institution staff: nothing of Shenzhen's sitting
    for user in (world.gz_reviewer, proctor, world.gz_staff):
        chinese.force_login(user)
        for name in ("exam:board", "exam:results"):
            assert chinese.get(reverse(name, args=[sz_sitting.pk])).status_code == 404, (user, name)
        assert chinese.post(reverse("exam:issue_certificates", args=[sz_sitting.pk])).status_code == 404, user
        for name, field in (("exam:warn", "message"), ("exam:terminate", "reason"), ("exam:confirm_identity", "note")):
            assert chinese.post(reverse(name, args=[theirs.pk]), {field: "越权"}).status_code == 404, (user, name)
        # while their own sitting's board rows never list Shenzhen's candidate
        if user != world.gz_staff:
            rows = html(chinese.get(reverse("exam:board", args=[sitting.pk]))).select("#rows tr")
            assert world.sz_worker.pk not in {int(row["data-person"]) for row in rows}

    # And nothing of Shenzhen's changed
    assert state_of(theirs) == before
    assert Paper.objects.get(attempt=theirs).items == sz_paper
    assert not Snapshot.objects.exists() and not Certificate.objects.exists()


def test_results_show_local_times_plain_scores_words_and_charts(chinese, world, sitting):
    """The results page: grading times in Asia/Shanghai (not UTC), scores without trailing zeros,
    the result column called 考试结果 (not 处理结果), the pass rate and the score distribution."""
    attempt = graded(sitting, world.gz_worker)
    chinese.force_login(world.gz_reviewer)
    page = html(chinese.get(reverse("exam:results", args=[sitting.pk])))
    row = page.select_one(f'tr[data-attempt="{attempt.pk}"]')
    local = timezone.localtime(attempt.graded_at).strftime("%Y-%m-%d %H:%M:%S")
    assert row.select_one("td.graded-at").text == local and "+00:00" not in row.text
    assert row.select_one("td.score").text == str(attempt.score.normalize())
    assert "考试结果" in page.select_one("#results thead").text and "处理结果" not in page.text
    assert page.select_one("#chart-pass-rate") is not None
    assert page.select_one("#chart-scores rect[data-value='1']") is not None


def test_the_board_says_attempt_statuses_and_decisions_in_words(chinese, world, sitting, proctor):
    """An exam in progress is 进行中 (not the course's 学习中); a decision is its words, not a code."""
    attempt = running(sitting, world.gz_worker)
    chinese.force_login(proctor)
    page = html(chinese.get(reverse("exam:board", args=[sitting.pk])))
    text = page.select_one(f'tr[data-attempt="{attempt.pk}"]').text
    assert "进行中" in text and "学习中" not in text
    from exam.selectors.room import _snapshot_label
    from proctor.models import Decision

    class Decided:
        decision, status = Decision.VERIFIED, "decided"

    assert _snapshot_label(Decided()) == "核验通过"


def test_refusal_codes_never_reach_the_page_only_their_words(chinese, world, sitting):
    """A skipped ID number says why in Chinese; the internal code (id_number_check) stays in a
    data attribute for scripts and tests, never in the text people read."""
    chinese.force_login(world.gz_reviewer)
    bad = world.loner.id_number[:-1] + ("0" if world.loner.id_number[-1] != "0" else "1")
    response = chinese.post(reverse("exam:sitting_candidates_add", args=[sitting.pk]), {"id_numbers": bad}, follow=True)
    page = html(response)
    row = page.select_one('#candidates-report [data-code="id_number_check"]')
    assert row is not None, "the paste's report names the refused number"
    assert "id_number" not in row.text and "校验" in row.text


def test_the_employee_page_shows_hours_certificates_and_results_to_whoever_may_see_the_record(chinese, world, sitting):
    from lms.models import Role
    from tests.factories import MembershipFactory

    attempt = graded(sitting, world.gz_worker)
    url = reverse("lms:person_detail", args=[world.gz_worker.pk])
    # The employer, the overseeing authority and the person see the record's cards
    for user in (world.gz_admin, world.gz_reviewer, world.gz_worker.user):
        chinese.force_login(user)
        page = html(chinese.get(url))
        results = page.select_one("#person-results")
        assert results is not None and results.select_one(f'[data-key="attempt-{attempt.pk}"]') is not None, user
        assert "合格" in results.text
        assert page.select_one("#person-certificates #person-hours-year") is not None
    # A training institution that sees the name (a learner of its courses) does not see the record
    staff = MembershipFactory(organisation=world.gz_institution, role=Role.INSTITUTION_STAFF).user
    from lms import policies
    assert not policies.can_see_record_of(staff, world.gz_worker.pk)
    # Another enterprise does not reach the page at all
    chinese.force_login(world.sz_admin)
    assert chinese.get(url).status_code == 404
