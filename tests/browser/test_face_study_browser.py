"""Face-verified study in a real browser with a fake webcam. The learner consents and enrols their
references on the face page with a camera that shows a photo of them; studying in front of that
still picture earns nothing, and the page says why. A camera that plays a clip of the learner (a
live-looking camera) earns the lesson's hours. Another person in front of the camera earns nothing
and the player pauses for the identity check."""

from decimal import Decimal

import pytest

from hours import services as hours_services
from hours.models import HoursEntry, LessonProgress, StudySession
from hours.selectors.study import lesson_verification
from proctor.models import Snapshot
from proctor.selectors.profiles import face_profile
from tests.faces import (
    CLIP_REFERENCES,
    clip_webcam,
    give_face_profile,
    give_live_profile,
    photo_path,
)
from tests.factories import PASSWORD, PersonFactory

from .player import db_read, play, play_refused, poll, video_course

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LESSON_SECONDS = 24  # 0.4 minutes


@pytest.fixture
def checks(settings, request):
    """Face checks run inline in the upload request on the embedded defaults; with a broker (the
    service run) a real worker takes them."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        request.getfixturevalue("face_worker")


def _course():
    course, (lesson,) = video_course(
        "核验测试培训学校", "起重机械安全", "起重作业。", [("吊装作业", "Lesson")], seconds=LESSON_SECONDS,
        credit_hours=Decimal("0.5"), snapshot_min_seconds=5, snapshot_max_seconds=6,
    )
    return course, lesson


def _why_no_hours(person) -> str:
    progress = LessonProgress.objects.get(enrolment__person=person)
    from proctor.models import EvidenceRequest

    sessions = list(StudySession.objects.filter(person=person).values_list("status", "started_at", "last_beat_at", "ended_at"))
    snapshots = list(Snapshot.objects.filter(person=person).values_list("status", "decision", "reason", "received_at"))
    requests = list(EvidenceRequest.objects.filter(person=person).values_list("status", "due_at", "closed_at"))
    return (
        f"completed {progress.completed_at}; sessions {sessions}; snapshots {snapshots}; requests {requests}; "
        f"{lesson_verification(progress)}"
    )


def _log_in(page, live_server, person):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", person.mobile)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_the_learner_enrols_their_face_and_a_still_picture_earns_nothing(camera_page, live_server, settings, checks):
    settings.STUDY_HEARTBEAT_SECONDS = 1
    settings.EVIDENCE_CHALLENGE_SHARE = 0
    course, lesson = _course()
    learner = PersonFactory()
    hours_services.enrol(person=learner, course=course)
    page = camera_page("obama_2.jpg")
    _log_in(page, live_server, learner)

    # Consent, then the ID photo, then two live captures from the camera.
    page.click("nav >> text=人脸核验")
    page.click("#consent-give")
    page.set_input_files("#id-photo-file", str(photo_path("obama_1.jpg")))
    page.click("#id-photo button[type=submit]")
    page.wait_for_selector("text=您的证件照现已作为参照")
    for taken in (1, 2):
        page.click("#camera-start")
        page.wait_for_function("() => document.getElementById('camera').videoWidth > 0")
        # The live guidance has judged the camera's picture before the capture can be taken.
        page.wait_for_selector("#capture-guidance[data-code=ready]")
        assert "居中" in page.text_content("#capture-guidance")
        page.click("#capture")
        page.wait_for_selector(f"#references figure:nth-child({taken + 1})")
    assert page.locator("#face-ready").is_visible()
    assert db_read(lambda: face_profile(learner).ready)

    # Study in front of the same camera: a photo of the learner, which never moves.
    page.goto(f"{live_server.url}/hours/study/lessons/{lesson.pk}/")
    assert page.locator("#face-banner").count() == 0
    page.wait_for_function("() => document.getElementById('video').readyState >= 1")
    play(page)
    # The page says why playback stops: no sign of a live person.
    page.wait_for_function("() => document.getElementById('check-status').textContent.includes('未检测到真人')")
    assert page.evaluate("document.getElementById('video').paused")
    assert page.get_attribute("#player", "data-state") == "locked"
    assert poll(lambda: Snapshot.objects.filter(person=learner, decision="not_live").exists(), timeout=30)
    assert not db_read(lambda: Snapshot.objects.filter(person=learner, decision="verified").exists())
    assert not db_read(lambda: HoursEntry.objects.filter(person=learner).exists())


def test_a_live_camera_of_the_learner_earns_the_lessons_hours(camera_page, live_server, settings, tmp_path, checks):
    settings.STUDY_HEARTBEAT_SECONDS = 1
    settings.EVIDENCE_CHALLENGE_SHARE = 0
    # Chromium's fake camera loops its file, and a looped recording is what the replay check
    # refuses: a later snapshot shows the very frames of an earlier one. The check is off here so
    # that a short clip stands for a learner in front of the camera for the whole lesson; it is
    # tested on real frames in tests/hours/test_credit.py (TestPresence).
    settings.FACE_REPLAY_BELOW = 0
    course, lesson = _course()
    learner = PersonFactory()
    hours_services.enrol(person=learner, course=course)
    give_live_profile(learner)
    # Frames of the clip in which the person faces the camera and each frame matches the
    # references (tests/faces.py), played at 10 frames a second.
    frames = [index for index in range(175, 186) if index not in CLIP_REFERENCES and index != 180]
    page = camera_page(clip=clip_webcam(tmp_path / "learner.y4m", frames))
    _log_in(page, live_server, learner)

    # Study: the server asks at the start, every five to six seconds, and at the end; then hours.
    page.goto(f"{live_server.url}/hours/study/lessons/{lesson.pk}/")
    assert page.locator("#face-banner").count() == 0
    page.wait_for_function("() => document.getElementById('video').readyState >= 1")
    play(page)
    page.wait_for_function("() => document.getElementById('check-status').textContent.includes('身份核验通过')")
    page.wait_for_function("() => document.getElementById('video').ended", timeout=60_000)
    entry = poll(lambda: HoursEntry.objects.filter(person=learner).first(), timeout=60)
    assert entry, db_read(lambda: _why_no_hours(learner))
    assert Decimal("0.4") <= entry.hours <= Decimal("0.5"), (entry.evidence, db_read(lambda: _why_no_hours(learner)))
    decisions = db_read(lambda: list(Snapshot.objects.filter(person=learner).values_list("decision", flat=True)))
    assert len(decisions) >= 3 and set(decisions) == {"verified"}, decisions

    page.click("nav >> text=我的学时")
    assert page.locator(f'#lesson-hours tr[data-lesson="{lesson.pk}"]').get_attribute("data-state") == "earned"
    assert page.locator("#hours-earned").inner_text() == f"{entry.hours:.2f}"


def test_someone_else_at_the_camera_pauses_the_lesson_and_earns_nothing(camera_page, live_server, settings, checks):
    settings.STUDY_HEARTBEAT_SECONDS = 1
    settings.EVIDENCE_CHALLENGE_SHARE = 0
    course, lesson = _course()
    learner = PersonFactory()
    hours_services.enrol(person=learner, course=course)
    give_face_profile(learner)  # the learner's own references; Biden sits at the camera
    page = camera_page("biden_1.jpg")
    _log_in(page, live_server, learner)

    page.goto(f"{live_server.url}/hours/study/lessons/{lesson.pk}/")
    page.wait_for_function("() => document.getElementById('video').readyState >= 1")
    play(page)
    page.wait_for_function("() => document.getElementById('check-status').textContent.includes('不符')")
    assert page.get_attribute("#player", "data-state") == "locked"
    assert page.evaluate("document.getElementById('video').paused")
    # Playing again is refused while the check fails; the player retries the check by itself.
    play_refused(page)
    assert page.evaluate("document.getElementById('video').paused")
    assert poll(lambda: Snapshot.objects.filter(person=learner, decision="mismatch").count() >= 2, timeout=30)
    assert not db_read(lambda: Snapshot.objects.filter(person=learner, decision="verified").exists())
    assert not db_read(lambda: HoursEntry.objects.filter(person=learner).exists())
    assert page.evaluate("document.getElementById('video').currentTime") < LESSON_SECONDS - 5


def test_on_a_phone_the_enrolment_guides_the_learner_live_before_any_capture(camera_page, live_server, tmp_path, checks):
    """At 360 px: a dark room keeps the capture button off and says why; in the light the same
    camera, still open, is judged ready and the capture becomes a reference. No sideways scroll."""
    import os

    from tests.faces import fake_webcam

    learner = PersonFactory()
    shots = os.path.join("test-artifacts", "interface")
    os.makedirs(shots, exist_ok=True)

    def open_face_page(page):
        _log_in(page, live_server, learner)
        page.goto(f"{live_server.url}/identity/face/")
        if page.locator("#consent-give").count():
            page.click("#consent-give")
            page.set_input_files("#id-photo-file", str(photo_path("obama_1.jpg")))
            page.click("#id-photo button[type=submit]")
            page.wait_for_selector("text=您的证件照现已作为参照")
        page.click("#camera-start")
        page.wait_for_function("() => document.getElementById('camera').videoWidth > 0")

    def sideways(page) -> int:
        return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")

    # In a dark room: the guidance names the light, and the capture cannot be taken
    dark = camera_page(clip=fake_webcam("obama_2.jpg", tmp_path / "dark.y4m", frames=200, light=0.25), viewport=(360, 780))
    open_face_page(dark)
    dark.wait_for_selector("#capture-guidance[data-code=too_dark]")
    assert "太暗" in dark.text_content("#capture-guidance")
    assert dark.locator("#capture").is_disabled()
    assert sideways(dark) <= 0
    dark.screenshot(path=os.path.join(shots, "learner-face-guidance-dark-phone.png"), full_page=True)
    assert not db_read(lambda: face_profile(learner).ready)

    # In the light, on the same phone size: ready, and the capture becomes a reference
    lit = camera_page("obama_2.jpg", viewport=(360, 780))
    open_face_page(lit)
    lit.wait_for_selector("#capture-guidance[data-code=ready]")
    assert lit.locator("#capture").is_enabled()
    lit.click("#capture")
    lit.wait_for_selector("#references figure:nth-child(2)")
    assert sideways(lit) <= 0
    lit.screenshot(path=os.path.join(shots, "learner-face-guidance-ready-phone.png"), full_page=True)
