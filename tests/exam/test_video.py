"""Live video over WebRTC with real aiortc peers on this machine: a client peer sends a camera made
of test photos, the media worker (exam.realtime.media, run here in the test's event loop on the
in-memory channel layer, as `runworker media` runs it on Redis) samples and checks its frames with
the real face engine, and findings become incidents with the frame as evidence.

Waits are for events (the sitting's pushes, which every sample state change and incident sends),
never for time; the sampling intervals are shortened through settings.VIDEO."""

import asyncio
import datetime
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exam.models import AttemptStatus, Incident, IncidentKind
from exam.realtime import media
from exam.realtime import pushes as live
from exam.services import video as video_services
from exam.services.attempts import (
    attempt_create,
    attempt_start,
    attempt_verify_identity,
)
from exam.testing import make_bank, make_exam, make_sitting
from kernel.errors import DomainError
from lms.models import Credential
from proctor.models import CaptureLogEntry, StreamStatus, VideoFrame, VideoStream
from proctor.rules.video import Sample, VideoSetting, VideoWatch, is_covered, signature
from tests import faces
from tests.exam.test_room import TIMEOUT, started
from tests.video_client import PictureTrack, accept, black, offer_from, picture

S = AttemptStatus
FAST = {
    "presence_every": 0.25, "identity_every": 0.5, "no_face_after": 1.0, "frozen_after": 3, "several_after": 2,
    "mismatch_after": 2, "covered_after": 2, "connect_timeout": 3.0, "silent_after": 2.0,
}
WAIT = 40  # seconds at most for a condition (the engine on two shared cores)


@pytest.fixture(autouse=True)
async def media_stopped():
    """The media worker runs in the test's loop: its links are closed and their last writes land
    before the test's database is flushed."""
    yield
    await media.embedded_worker_stop()


@pytest.fixture(autouse=True)
def fast_video(settings):
    # On CI's Redis run no `runworker media` process runs beside the tests: this test's loop is the worker.
    settings.VIDEO_EMBEDDED_WORKER = "always"
    settings.VIDEO = FAST
    settings.VIDEO_ANSWER_TIMEOUT = 8


@pytest.fixture
def sitting(world):
    credential, _ = Credential.objects.get_or_create(
        code="C", defaults={"name": "安管人员C类（专职安全生产管理人员）", "family": "safety_manager"}
    )
    make_bank(credential, per_topic=3)
    exam = make_exam(credential, duration_minutes=60)
    sitting = make_sitting(exam, world.gz_authority, [world.gz_worker, world.sz_worker], starts_at=timezone.now() - datetime.timedelta(minutes=5), hours=3)
    return sitting


@pytest.fixture
def attempt(world, sitting):
    """The Guangzhou worker's attempt in progress; their references are Obama's photos 1-3."""
    faces.give_face_profile(world.gz_worker)
    created = attempt_create(sitting=sitting, candidate=world.gz_worker)
    verified = attempt_verify_identity(attempt=created, method="test", evidence={})
    return attempt_start(attempt=verified, candidate=world.gz_worker)


# The rules, on their own ---------------------------------------------------------------------------


def _sample(at, *, faces_=1, covered=False, picture_=None, identity=None, seed=0):
    import numpy as np

    grey = picture_ if picture_ is not None else np.random.default_rng(seed).integers(0, 255, (240, 320)).astype("uint8")
    return Sample(at=at, covered=covered, faces=None if covered else faces_, signature=signature(grey), identity=identity)


def test_the_watch_reports_each_finding_once_when_it_starts():
    setting = VideoSetting(no_face_after=10, frozen_after=3, several_after=2, mismatch_after=2, covered_after=2)
    watch = VideoWatch(setting)
    assert watch.observe(_sample(0, seed=1)) == [] and watch.last == "verified"
    assert watch.observe(_sample(5, faces_=0, seed=2)) == []
    assert watch.observe(_sample(15, faces_=0, seed=3)) == ["no_face"]
    assert watch.observe(_sample(20, faces_=0, seed=4)) == []  # still the same episode
    assert watch.observe(_sample(25, seed=5)) == [] and watch.last == "verified"
    assert watch.observe(_sample(30, faces_=2, seed=6)) == []
    assert watch.observe(_sample(35, faces_=2, seed=7)) == ["several_faces"]
    assert watch.observe(_sample(40, identity="mismatch", seed=8)) == []
    assert watch.observe(_sample(45, identity="mismatch", seed=9)) == ["mismatch"]
    assert watch.observe(_sample(50, seed=10)) == []  # a face not compared does not end a mismatch
    assert "mismatch" in watch.active
    assert watch.observe(_sample(55, identity="match", seed=11)) == [] and not watch.active


def test_the_same_picture_again_and_again_is_frozen_and_a_black_one_covered():
    import numpy as np

    still = np.random.default_rng(5).integers(0, 255, (240, 320)).astype("uint8")
    watch = VideoWatch(VideoSetting(frozen_after=3, covered_after=2))
    found = [watch.observe(_sample(index, picture_=still)) for index in range(4)]
    assert found == [[], [], [], ["frozen"]]
    dark = np.zeros((240, 320), dtype="uint8")
    assert is_covered(dark, VideoSetting()) and not is_covered(still, VideoSetting())
    watch = VideoWatch(VideoSetting(covered_after=2))
    assert watch.observe(_sample(0, covered=True, picture_=dark)) == []
    assert watch.observe(_sample(1, covered=True, picture_=dark)) == ["covered"]


# Real peers -------------------------------------------------------------------------------------


async def ask(communicator, message) -> dict:
    """The room's reply to `message` (its seq), past the pushes that may come first (a snapshot
    request, the video's state)."""
    await communicator.send_json_to(message)
    while True:
        reply = await communicator.receive_json_from(timeout=TIMEOUT)
        if reply.get("seq") == message.get("seq") or reply["type"] == "error":
            return reply


async def until(condition, sitting_id, timeout=WAIT):
    """Wait for the sitting's pushes until `condition()` (read in a thread) holds."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(live.sitting_group(sitting_id), channel)
    deadline = asyncio.get_running_loop().time() + timeout
    try:
        while True:
            value = await sync_to_async(condition)()
            if value:
                return value
            left = deadline - asyncio.get_running_loop().time()
            assert left > 0, "the condition did not hold in time"
            try:
                await asyncio.wait_for(layer.receive(channel), left)
            except TimeoutError:
                pass
    finally:
        await layer.group_discard(live.sitting_group(sitting_id), channel)


async def publish(attempt, person, track):
    """The candidate's side: offer through the service and the media worker, accept the answer."""
    pc = await offer_from(track)
    plan = await sync_to_async(video_services.attempt_video_offer)(attempt=attempt, candidate=person, sdp=pc.localDescription.sdp)
    answer = await media.offer(plan, pc.localDescription.sdp)
    await accept(pc, answer)
    return pc, plan, answer


def incidents_of(attempt, kind):
    return list(Incident.objects.filter(attempt=attempt, kind=kind))


def stream_of(attempt):
    return VideoStream.objects.filter(context_kind="exam", context_id=str(attempt.pk)).first()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
async def test_the_candidates_live_camera_is_verified_and_the_exam_goes_on(world, attempt):
    # Given the candidate's camera: Obama's fourth photo (not a reference), moving a little
    pc, plan, answer = await publish(attempt, world.gz_worker, PictureTrack([picture(faces.photo("obama_4.jpg"))]))
    assert answer["setting"]["width"] == 320 and answer["setting"]["height"] == 240
    try:
        # Then the media worker receives frames, samples them and records a verified presence
        stream = await until(lambda: (s := stream_of(attempt)) and s.status == StreamStatus.LIVE and s.samples >= 3 and s.state == "verified" and s, attempt.sitting_id)
        assert stream.worker and stream.thumbnail and stream.frames_received > stream.samples
        # And the exam room answers while the video streams
        communicator, state = await started(world.gz_worker.user, attempt.pk)
        question = state["questions"][0]
        reply = await ask(communicator, {"type": "answer", "seq": 5, "question": question["id"], "options": [question["options"][0]["id"]]})
        assert reply["type"] == "ack"
        await communicator.disconnect()
        found = await sync_to_async(lambda: list(Incident.objects.filter(attempt=attempt, kind__startswith="video_").values_list("kind", "detail")))()
        assert found == []
    finally:
        await pc.close()
    # When the candidate's page closes the link, the board learns that the video is down
    down = await until(lambda: incidents_of(attempt, IncidentKind.VIDEO_DOWN), attempt.sitting_id)
    assert down[0].detail["reason"] in {"closed", "failed", "silent"}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "pictures, vary, kind",
    [
        (lambda: [picture(faces.photo("biden_1.jpg"))], True, IncidentKind.VIDEO_MISMATCH),
        (lambda: [picture(faces.photo("obama_4.jpg"))], False, IncidentKind.VIDEO_FROZEN),
        (lambda: [black()], True, IncidentKind.VIDEO_COVERED),
        (lambda: [picture(faces.photo("noface_coffee.png"))], True, IncidentKind.VIDEO_NO_FACE),
        (lambda: [picture(faces.photo("multi_obama_biden.jpg"))], True, IncidentKind.VIDEO_SEVERAL_FACES),
    ],
    ids=["another-person", "frozen-still", "black", "no-face", "several-faces"],
)
async def test_each_finding_is_an_incident_with_its_frame_as_evidence(world, attempt, pictures, vary, kind):
    pc, _plan, _answer = await publish(attempt, world.gz_worker, PictureTrack(pictures(), vary=vary))
    try:
        found = await until(lambda: incidents_of(attempt, kind), attempt.sitting_id)
    finally:
        await pc.close()
    incident = found[0]
    frame = await sync_to_async(VideoFrame.objects.get)(pk=incident.detail["frame"])
    assert frame.sha256 == incident.detail["sha256"] and frame.image.name
    logged = await sync_to_async(
        lambda: CaptureLogEntry.objects.filter(kind=CaptureLogEntry.Kind.PROCTOR_EVENT, payload__incident=incident.pk).get()
    )()
    assert logged.payload["sha256"] == frame.sha256 and logged.payload["event"] == kind


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
async def test_a_stream_that_sends_nothing_is_closed_and_the_board_told(world, attempt, settings):
    from aiortc import RTCPeerConnection

    # An offer whose peer never completes the connection (the answer is never applied)
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    plan = await sync_to_async(video_services.attempt_video_offer)(attempt=attempt, candidate=world.gz_worker, sdp=pc.localDescription.sdp)
    await media.offer(plan, pc.localDescription.sdp)
    try:
        down = await until(lambda: incidents_of(attempt, IncidentKind.VIDEO_DOWN), attempt.sitting_id)
    finally:
        await pc.close()
    assert down[0].detail["reason"] == "connect_timeout"
    assert (await sync_to_async(stream_of)(attempt)).status == StreamStatus.DOWN


@pytest.mark.django_db(transaction=True)
async def test_an_sdp_aiortc_cannot_read_is_refused_by_the_worker(world, attempt):
    sdp = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=garbage\r\n"
    plan = await sync_to_async(video_services.attempt_video_offer)(attempt=attempt, candidate=world.gz_worker, sdp=sdp)
    with pytest.raises(DomainError) as refused:
        await media.offer(plan, sdp)
    assert refused.value.code == "video_offer_invalid"


# The signalling endpoint -----------------------------------------------------------------------

OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"


def post_offer(user, attempt_id, sdp=OFFER):
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client.post(f"/api/exam/attempts/{attempt_id}/video/offer", json.dumps({"sdp": sdp, "type": "offer"}), content_type="application/json")


@pytest.mark.django_db
def test_only_the_candidate_of_an_open_attempt_may_offer_and_bad_offers_change_nothing(world, attempt):
    # Someone else's attempt: not found, and no link is made
    response = post_offer(world.sz_worker.user, attempt.pk)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert stream_of(attempt) is None
    # Malformed, huge or video-less descriptions
    for sdp in ("hello", "v=0\r\n" + "a=x\r\n" * 4000, "v=0\r\nm=audio 9 RTP/AVP 0\r\n", ""):
        response = post_offer(world.gz_worker.user, attempt.pk, sdp)
        assert response.status_code in (400, 422), sdp[:20]
        if response.status_code == 400:
            assert response.json()["code"] == "video_offer_invalid"
    assert stream_of(attempt) is None


@pytest.mark.django_db
def test_a_flood_of_offers_is_refused_and_no_worker_means_snapshots(world, attempt, settings):
    settings.VIDEO_EMBEDDED_WORKER = False  # no media worker hears the channel
    settings.VIDEO_ANSWER_TIMEOUT = 0.5
    response = post_offer(world.gz_worker.user, attempt.pk)
    assert response.status_code == 503 and response.json()["code"] == "video_unavailable"
    response = post_offer(world.gz_worker.user, attempt.pk)
    assert response.status_code == 429 and response.json()["code"] == "video_offer_flood"


@pytest.mark.django_db
def test_an_offer_after_the_attempt_closed_is_refused(world, attempt):
    from exam.services.attempts import attempt_submit

    attempt_submit(attempt=attempt, candidate=world.gz_worker)
    response = post_offer(world.gz_worker.user, attempt.pk)
    assert response.status_code == 409 and response.json()["code"] == "attempt_closed"


@pytest.mark.django_db(transaction=True)
async def test_answering_works_with_the_video_link_down(world, attempt, settings):
    settings.VIDEO_EMBEDDED_WORKER = False
    settings.VIDEO_ANSWER_TIMEOUT = 0.3
    plan = await sync_to_async(video_services.attempt_video_offer)(attempt=attempt, candidate=world.gz_worker, sdp=OFFER)
    with pytest.raises(DomainError) as refused:
        await media.offer(plan, OFFER)
    assert refused.value.code == "video_unavailable"
    communicator, state = await started(world.gz_worker.user, attempt.pk)
    for seq, question in enumerate(state["questions"], start=10):
        reply = await ask(communicator, {"type": "answer", "seq": seq, "question": question["id"], "options": [question["options"][0]["id"]]})
        assert reply["type"] == "ack"
    reply = await ask(communicator, {"type": "submit", "seq": 99})
    assert reply["status"] in (S.SUBMITTED, S.GRADED)
    await communicator.disconnect()


# The proctor watching live ----------------------------------------------------------------------


async def viewer_offer():
    """A proctor's browser, as an aiortc peer: receive-only video, its offer made."""
    from aiortc import RTCPeerConnection

    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    received = asyncio.get_running_loop().create_future()

    @pc.on("track")
    def on_track(track):
        if not received.done():
            received.set_result(track)

    await pc.setLocalDescription(await pc.createOffer())
    return pc, received


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
async def test_a_proctor_watches_the_candidates_live_video_relayed_by_the_worker_and_the_view_is_logged(world, attempt):
    # Given the candidate's camera streaming to the media worker
    candidate_pc, plan, _answer = await publish(attempt, world.gz_worker, PictureTrack([picture(faces.photo("obama_4.jpg"))]))
    viewer = None
    try:
        await until(lambda: (s := stream_of(attempt)) and s.status == StreamStatus.LIVE and s.worker and s, attempt.sitting_id)
        # When a proctor of the sitting opens the live video
        viewer, received = await viewer_offer()
        watch_plan = await sync_to_async(video_services.attempt_video_watch)(
            actor=world.gz_reviewer, attempt=attempt, sdp=viewer.localDescription.sdp
        )
        answer = await media.watch(watch_plan, viewer.localDescription.sdp, timeout=8)
        await accept(viewer, answer)
        # Then the candidate's frames arrive at the proctor's peer, relayed by the server
        track = await asyncio.wait_for(received, WAIT)
        frame = await asyncio.wait_for(track.recv(), WAIT)
        assert (frame.width, frame.height) == (320, 240)
        # and the opening is in the capture log, with the proctor
        logged = await sync_to_async(lambda: list(CaptureLogEntry.objects.filter(kind=CaptureLogEntry.Kind.PROCTOR_EVENT, subject=f"attempt:{attempt.pk}").values_list("payload", flat=True)))()
        assert any(p.get("event") == "video_watched_live" and p.get("actor") == world.gz_reviewer.pk for p in logged)
        # A candidate of the sitting, or another city's reviewer, cannot watch
        for actor in (world.gz_worker.user, world.sz_reviewer):
            with pytest.raises(DomainError):
                await sync_to_async(video_services.attempt_video_watch)(actor=actor, attempt=attempt, sdp=viewer.localDescription.sdp)
        # An offer for a link the worker no longer holds is refused, not answered
        with pytest.raises(DomainError) as refused:
            await media.watch({**watch_plan, "link": "stale"}, viewer.localDescription.sdp, timeout=8)
        assert refused.value.code == "video_not_live"
    finally:
        await candidate_pc.close()
        if viewer is not None:
            await viewer.close()


def test_no_live_video_to_watch_before_the_candidate_streams(world, attempt):
    with pytest.raises(DomainError) as refused:
        video_services.attempt_video_watch(actor=world.gz_reviewer, attempt=attempt, sdp=OFFER)
    assert refused.value.code == "video_not_live"
    client = Client()
    client.force_login(world.gz_reviewer)
    response = client.post(f"/api/exam/attempts/{attempt.pk}/video/watch", json.dumps({"sdp": OFFER}), content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "video_not_live"
    client.force_login(world.sz_reviewer)
    response = client.post(f"/api/exam/attempts/{attempt.pk}/video/watch", json.dumps({"sdp": OFFER}), content_type="application/json")
    assert response.status_code == 404


# Clips around a finding ------------------------------------------------------------------------

CLIPS = {"clip_before": 2.0, "clip_after": 2.0, "clip_fps": 4.0, "clip_max": 5.0}


def clip_pictures(data: bytes) -> list:
    """The frames of a stored WebM clip, decoded, and their times (seconds)."""
    import io

    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "vp8"
        frames = list(container.decode(stream))
    return [(float(frame.pts * frame.time_base), frame.to_ndarray(format="gray")) for frame in frames]


async def test_a_stream_keeps_a_bounded_ring_and_a_clip_spans_before_and_after_its_findings_up_to_a_cap():
    import numpy as np
    from av import VideoFrame as AvFrame

    from proctor.media.clips import ClipRecorder

    # Given a recorder on the analysis threads, fed 10 frames a second at times it is told
    setting = VideoSetting(**CLIPS)
    clock = [0.0]
    stored = []

    async def on_clip(clip, data):
        stored.append((clip, data))

    recorder = ClipRecorder(setting=setting, executor=media.executor(), on_clip=on_clip, clock=lambda: clock[0])
    bright, dark = np.full((240, 320, 3), 200, np.uint8), np.zeros((240, 320, 3), np.uint8)

    async def feed(until, image):
        while clock[0] < until - 1e-9:
            clock[0] = round(clock[0] + 0.1, 3)
            recorder.offer(AvFrame.from_ndarray(image, format="rgb24"), clock[0])
            await asyncio.gather(*list(recorder.tasks))
            assert len(recorder.ring) <= recorder.ring.maxlen  # bounded by count, whatever the stream sends

    await feed(3.0, bright)
    # When findings come at 3 s, 4.5 s and 5.5 s: the clip started at 1 s is extended, but only to its cap (5 s)
    recorder.trigger(found_at=3.0, finding="covered", incident=1)
    await feed(4.5, dark)
    recorder.trigger(found_at=4.5, finding="frozen", incident=2)
    await feed(5.5, dark)
    recorder.trigger(found_at=5.5, finding="no_face", incident=3)
    await feed(9.0, dark)
    # Then one clip: the 2 s before the first finding (bright) and what followed (dark), to the cap
    assert len(stored) == 1
    clip, data = stored[0]
    assert clip.incidents == [1, 2, 3] and clip.findings == ["covered", "frozen", "no_face"]
    assert clip.frames[0].at <= 3.0 - setting.clip_before + 1 / setting.clip_fps
    assert clip.frames[-1].at <= clip.frames[0].at + setting.clip_max
    assert clip.frames[-1].at >= clip.frames[0].at + setting.clip_max - 1 / setting.clip_fps
    pictures = clip_pictures(data)
    assert len(pictures) == len(clip.frames)
    assert pictures[0][1].mean() > 150 and pictures[-1][1].mean() < 20
    assert pictures[-1][0] - pictures[0][0] >= 4.5
    # And a stream that closes while a clip collects stores what it has
    recorder.trigger(found_at=clock[0], finding="covered", incident=4)
    await feed(clock[0] + 0.5, dark)
    await recorder.close()
    assert len(stored) == 2 and stored[1][0].incidents == [4]
    assert stored[1][0].frames[-1].at <= clock[0]


def _clip_bytes() -> bytes:
    import numpy as np

    from proctor.media.clips import Kept, clip_encode

    frames = [Kept(index * 0.5, __import__("cv2").imencode(".jpg", np.full((240, 320, 3), 40 * index, np.uint8))[1].tobytes()) for index in range(4)]
    return clip_encode(frames, fps=2)


@pytest.mark.django_db
def test_a_clip_is_served_only_to_those_who_may_see_the_frames_and_purged_with_their_retention(world, attempt, django_capture_on_commit_callbacks):
    from exam.services.proctoring import incident_record
    from proctor.models import VideoClip
    from proctor.services.retention import video_clips_purge

    # Given a finding and its clip, stored as the worker stores it
    incident = incident_record(attempt=attempt, kind=IncidentKind.VIDEO_COVERED, detail={"frame": "", "sha256": ""})
    now = timezone.now()
    data = _clip_bytes()
    clip = video_services.attempt_video_clip(
        attempt_id=attempt.pk, stream_id=None, data=data, content_type="video/webm", findings=["covered"],
        incidents=[incident.pk], started_at=now - datetime.timedelta(seconds=12), ended_at=now, found_at=now - datetime.timedelta(seconds=10), frames=4,
    )
    incident.refresh_from_db()
    assert incident.detail["clip"] == str(clip.pk)
    logged = CaptureLogEntry.objects.get(kind=CaptureLogEntry.Kind.PROCTOR_EVENT, payload__event="video_clip")
    assert logged.payload["sha256"] == clip.sha256 == __import__("hashlib").sha256(data).hexdigest()
    assert logged.payload["incidents"] == [incident.pk]
    # The board names the clip on the incident
    from exam.selectors.room import board_rows

    row = next(r for r in board_rows(attempt.sitting, attempt_id=attempt.pk) if r["attempt_id"] == attempt.pk)
    assert any(i["detail"].get("clip") == str(clip.pk) for i in row["incidents"])
    # A proctor of the sitting gets it as WebM, and the viewing is logged; the candidate's view lists it
    url = f"/exam/attempts/{attempt.pk}/video/clips/{clip.pk}/"
    client = Client()
    client.force_login(world.gz_reviewer)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "video/webm"
    assert b"".join(response.streaming_content) == data
    assert CaptureLogEntry.objects.filter(payload__event="video_clip_viewed", payload__actor=world.gz_reviewer.pk).exists()
    assert str(clip.pk) in client.get(f"/exam/attempts/{attempt.pk}/video/").content.decode()
    # and the audit portal's entry of the clip shows it
    entry_page = client.get(reverse("exam:audit_entry", args=[logged.pk]))
    assert entry_page.status_code == 200 and f'data-clip="{clip.pk}"' in entry_page.content.decode()
    # Another city's reviewer, another candidate and a wrong id: not found
    for user in (world.sz_reviewer, world.sz_worker.user):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(world.gz_reviewer)
    assert client.get(f"/exam/attempts/{attempt.pk}/video/clips/nonsense/").status_code == 404
    # When its retention ends, the file goes and the row, its hash and the log's entries stay
    name = clip.file.name
    storage = VideoClip._meta.get_field("file").storage
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        assert video_clips_purge(now=now + datetime.timedelta(days=400)) == 1
    clip.refresh_from_db()
    assert not clip.file and clip.purged_at and clip.sha256 == logged.payload["sha256"]
    assert not storage.exists(name)
    purge = CaptureLogEntry.objects.get(kind=CaptureLogEntry.Kind.SNAPSHOT_PURGED, subject=f"video_clip:{clip.pk}")
    assert purge.payload["sha256"] == clip.sha256
    assert client.get(url).status_code == 404


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
async def test_a_finding_keeps_a_clip_of_the_seconds_before_and_after_it_with_its_hash_in_the_capture_log(world, attempt, settings):
    import hashlib

    from proctor.models import VideoClip

    settings.VIDEO = {**FAST, **CLIPS}
    # Given the candidate's camera: their face for 4 seconds, then a covered lens
    track = PictureTrack([picture(faces.photo("obama_4.jpg")), black()], hold=40)
    pc, _plan, _answer = await publish(attempt, world.gz_worker, track)
    try:
        clips = await until(lambda: list(VideoClip.objects.filter(context_kind="exam", context_id=str(attempt.pk))), attempt.sitting_id)
    finally:
        await pc.close()
    clip = clips[0]
    incident = await sync_to_async(lambda: Incident.objects.get(attempt=attempt, kind=IncidentKind.VIDEO_COVERED))()
    # Then the clip is the evidence of the incident, its file is in private storage, its hash in the capture log
    assert clip.incidents[0] == incident.pk and incident.detail["clip"] == str(clip.pk)
    data = await sync_to_async(lambda: clip.file.open("rb").read())()
    assert hashlib.sha256(data).hexdigest() == clip.sha256 and clip.size == len(data)
    logged = await sync_to_async(lambda: CaptureLogEntry.objects.get(kind=CaptureLogEntry.Kind.PROCTOR_EVENT, payload__event="video_clip"))()
    assert logged.payload["sha256"] == clip.sha256 and logged.payload["clip"] == str(clip.pk)
    # and it covers the seconds before the finding (the face) and after it (the covered lens)
    step = datetime.timedelta(seconds=1 / CLIPS["clip_fps"] + 0.2)
    assert clip.started_at <= clip.found_at - datetime.timedelta(seconds=CLIPS["clip_before"]) + step
    assert clip.ended_at >= clip.found_at + datetime.timedelta(seconds=CLIPS["clip_after"]) - step
    pictures = clip_pictures(data)
    assert pictures[0][1].mean() > 40 and pictures[-1][1].mean() < 20


# A poor link -----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
async def test_a_poor_link_is_asked_for_less_and_at_the_floor_falls_back_to_snapshots(world, attempt, settings):
    # Given a link asked for 2 frames a second that delivers one every 5 seconds
    settings.VIDEO = {**FAST, "frame_rate": 2, "max_bitrate": 80_000, "poor_for": 3.0, "silent_after": 12.0}
    communicator, _state = await started(world.gz_worker.user, attempt.pk)
    pc, _plan, answer = await publish(attempt, world.gz_worker, PictureTrack([picture(faces.photo("obama_4.jpg"))], fps=0.2))
    assert answer["setting"]["frame_rate"] == 2
    try:
        # Then the room is asked for the next bandwidth down, and the link's row records it
        while True:
            frame = await communicator.receive_json_from(timeout=WAIT)
            if frame["type"] == "video" and frame.get("setting"):
                break
        assert frame["state"] == "lower" and frame["status"] == StreamStatus.LIVE
        assert frame["setting"]["frame_rate"] == 1 and frame["setting"]["max_bitrate"] == 40_000
        stream = await sync_to_async(stream_of)(attempt)
        assert stream.lowered == 1 and stream.frame_rate == 1 and stream.max_bitrate == 40_000
        # And when still poor at the floor the link is closed: the board is told, the room goes on with snapshots
        down = await until(lambda: incidents_of(attempt, IncidentKind.VIDEO_DOWN), attempt.sitting_id)
        assert down[0].detail["reason"] == "poor_link"
        assert (await sync_to_async(stream_of)(attempt)).status == StreamStatus.DOWN
        question = _state["questions"][0]
        reply = await ask(communicator, {"type": "answer", "seq": 7, "question": question["id"], "options": [question["options"][0]["id"]]})
        assert reply["type"] == "ack"
    finally:
        await pc.close()
        await communicator.disconnect()
