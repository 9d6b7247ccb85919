"""Live video of an attempt: the candidate's offer, what the media worker found, and the
proctor's view. The peer connections live in the media worker (exam.realtime.media); this module
decides who may publish, turns findings into incidents and logs every view.

A finding is an `Incident` of a `video_*` kind with the sampled frame as evidence (private
storage, its SHA-256 in the incident and so in the capture log), on the board within seconds.
Nothing here is on the path of an answer: the room never waits for video.
"""

import datetime
import json
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.errors import NotFoundError
from kernel.events import after_commit
from lms.models import Person, User
from proctor.models import CaptureLogEntry, StreamStatus, VideoClip, VideoStream
from proctor.policies import can_see_evidence_of
from proctor.rules import video as video_rules
from proctor.rules.video import VideoSetting, setting_from
from proctor.services.capturelog import append
from proctor.errors import ERRORS as VIDEO_ERRORS
from proctor.services.video import (
    sdp_check,
    video_clip_store,
    video_down,
    video_frame_store,
    video_lowered,
    video_offer_accept,
    video_sample_store,
)

from ..errors import ERRORS
from ..models import Attempt, AttemptStatus, Incident, IncidentKind
from ..policies import can_proctor
from ..realtime import pushes as live
from .proctoring import EXAM, incident_record

S = AttemptStatus
# The statuses in which the candidate's camera may stream (the identity check and the paper).
PUBLISHING = (S.CREATED, S.IDENTITY_VERIFIED, S.IN_PROGRESS)
FINDING_KINDS = {
    "no_face": IncidentKind.VIDEO_NO_FACE,
    "several_faces": IncidentKind.VIDEO_SEVERAL_FACES,
    "mismatch": IncidentKind.VIDEO_MISMATCH,
    "covered": IncidentKind.VIDEO_COVERED,
    "frozen": IncidentKind.VIDEO_FROZEN,
}


def ice_servers() -> list[dict]:
    """The STUN/TURN servers both peers use (settings.VIDEO_ICE_SERVERS; the check proctor.E003
    refuses a malformed value at start-up, so here it parses)."""
    return video_rules.ice_servers(json.loads(settings.VIDEO_ICE_SERVERS_JSON))


def video_setting() -> VideoSetting:
    """settings.VIDEO (a mapping of `proctor.rules.video.VideoSetting` fields) over the defaults."""
    return setting_from(getattr(settings, "VIDEO", {}) or {})


def video_message(state: str) -> str:
    """What the candidate is told of the video's last sample (a hint, never a verdict)."""
    return {
        "too_dark": _("The camera picture is too dark: turn on a light or face a window."),
        "too_bright": _("The camera picture is too bright: move away from the light behind or in front of you."),
        "blurred": _("The camera picture is blurred: hold still and clean the camera."),
        "face_too_small": _("Your face is too small in the camera picture: come closer."),
        "no_face": _("No face is seen on the camera: look at the screen."),
        "several_faces": _("More than one face is seen: only you may be in front of the camera."),
        "mismatch": _("The face on the camera does not match your reference photos."),
        "covered": _("The camera picture is black: uncover the camera."),
        "frozen": _("The camera picture does not change: a still picture or a looped video is not a live camera."),
        "down": _("The live video stopped: the exam goes on with snapshots, and the video is tried again later."),
        "lower": _("Your connection is slow: the live video now uses less bandwidth."),
    }.get(state, "")


def attempt_video_offer(*, attempt: Attempt, candidate: Person, sdp: str, now: datetime.datetime | None = None) -> dict:
    """The candidate's browser offers its camera for the attempt. Only the attempt's own candidate,
    only while the attempt is open. Returns what the media worker needs ({"stream", "link",
    "holder", "person", "attempt"}); the caller forwards the offer and waits for the answer."""
    if attempt.candidate_id != candidate.pk:
        raise ERRORS.error("attempt_not_found")
    attempt.refresh_from_db(fields=["status"])
    if attempt.status not in PUBLISHING:
        raise ERRORS.error("attempt_closed")
    stream, holder = video_offer_accept(person=candidate, context_kind=EXAM, context_id=str(attempt.pk), sdp=sdp, now=now)
    return {"stream": stream.pk, "link": stream.link, "holder": holder, "person": candidate.pk, "attempt": attempt.pk}


def attempt_video_watch(*, actor: User, attempt: Attempt, sdp: str, now: datetime.datetime | None = None) -> dict:
    """A proctor of the sitting opens the candidate's live video: a receive-only offer for the
    worker that holds the candidate's link (video_not_live when none does). Every opening is in
    the capture log, as a view of the frames is. Returns what media.watch needs."""
    if not can_proctor(actor, attempt.sitting):
        raise ERRORS.error("not_proctor")
    sdp_check(sdp)
    stream = VideoStream.objects.filter(context_kind=EXAM, context_id=str(attempt.pk)).first()
    if stream is None or stream.status != StreamStatus.LIVE or not stream.worker:
        raise VIDEO_ERRORS.error("video_not_live")
    with transaction.atomic():
        append(
            kind=CaptureLogEntry.Kind.PROCTOR_EVENT, person=attempt.candidate_id, subject=f"attempt:{attempt.pk}",
            payload={"event": "video_watched_live", "actor": actor.pk, "stream": stream.pk}, now=now,
        )
    return {"stream": stream.pk, "link": stream.link, "holder": stream.worker}


def attempt_video_open(*, attempt_id: int) -> bool:
    """Whether the attempt may still stream (the worker asks before each sample is stored)."""
    return Attempt.objects.filter(pk=attempt_id, status__in=PUBLISHING).exists()


def attempt_video_sample(
    *, attempt_id: int, stream_id: int, link: str, frames_received: int, state: str, thumbnail: bytes | None,
    now: datetime.datetime | None = None,
) -> bool:
    """A sample's state and thumbnail. False: the link is stale or the attempt closed, so the
    worker closes the connection. A change of state is told to the room (a hint) and the board."""
    if not attempt_video_open(attempt_id=attempt_id):
        video_down(stream_id=stream_id, link=link, reason="attempt_closed", now=now)
        return False
    current, before = video_sample_store(
        stream_id=stream_id, link=link, frames_received=frames_received, state=state, thumbnail=thumbnail, now=now
    )
    if current and before != state:
        attempt = Attempt.objects.only("sitting_id").get(pk=attempt_id)
        live.to_attempt(attempt_id, {"kind": "video", "status": StreamStatus.LIVE, "state": state, "message": video_message(state)})
        live.to_sitting(attempt.sitting_id, attempt_id)
    return current


def attempt_video_finding(
    *, attempt_id: int, finding: str, jpeg: bytes, detail: dict | None = None, now: datetime.datetime | None = None
):
    """A check on the video found something: the frame kept as evidence and an incident (logged
    with the frame's SHA-256) on the board."""
    kind = FINDING_KINDS.get(finding)
    attempt = Attempt.objects.filter(pk=attempt_id).first()
    if kind is None or attempt is None:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        frame = video_frame_store(
            person_id=attempt.candidate_id, context_kind=EXAM, context_id=str(attempt.pk), finding=finding, jpeg=jpeg,
            detail=detail, now=now,
        )
        return incident_record(
            attempt=attempt, kind=kind, detail={"frame": str(frame.pk), "sha256": frame.sha256, **(detail or {})}, now=now
        )


def attempt_video_down(*, attempt_id: int, stream_id: int, link: str, reason: str, now: datetime.datetime | None = None):
    """The link failed or went silent: an incident on the board, and the room is told it goes on
    with snapshots. Nothing when the link was already replaced or down."""
    stream = video_down(stream_id=stream_id, link=link, reason=reason, now=now)
    if stream is None:
        return None
    attempt = Attempt.objects.filter(pk=attempt_id).first()
    if attempt is None:
        return None
    live.to_attempt(attempt_id, {"kind": "video", "status": StreamStatus.DOWN, "state": "down", "message": video_message("down")})
    if attempt.status not in PUBLISHING:
        live.to_sitting(attempt.sitting_id, attempt_id)
        return None
    return incident_record(attempt=attempt, kind=IncidentKind.VIDEO_DOWN, detail={"reason": reason}, now=now)


def attempt_video_connected(*, attempt_id: int) -> None:
    attempt = Attempt.objects.filter(pk=attempt_id).only("sitting_id").first()
    if attempt is not None:
        live.to_attempt(attempt_id, {"kind": "video", "status": StreamStatus.LIVE, "state": "", "message": ""})
        live.to_sitting(attempt.sitting_id, attempt_id)


def attempt_video_frame(*, actor: User, attempt: Attempt, opened: bool = False, now: datetime.datetime | None = None) -> tuple[bytes, dict]:
    """The latest sampled frame of the candidate's video for a proctor of the sitting, with the
    link's state. Opening the candidate's view (`opened`) is logged in the capture log; the
    refreshes of an open view are not (each would be a log entry every few seconds)."""
    if not can_proctor(actor, attempt.sitting):
        raise ERRORS.error("not_proctor")
    stream = VideoStream.objects.filter(context_kind=EXAM, context_id=str(attempt.pk)).first()
    if opened:
        with transaction.atomic():
            append(
                kind=CaptureLogEntry.Kind.PROCTOR_EVENT, person=attempt.candidate_id, subject=f"attempt:{attempt.pk}",
                payload={"event": "video_viewed", "actor": actor.pk}, now=now,
            )
    if stream is None:
        return b"", {"status": "", "state": ""}
    return bytes(stream.thumbnail or b""), {
        "status": stream.status,
        "state": stream.state,
        "at": stream.thumbnail_at.isoformat() if stream.thumbnail_at else None,
    }


def attempt_video_lower(*, attempt_id: int, stream_id: int, link: str, setting: VideoSetting, now: datetime.datetime | None = None) -> bool:
    """The link is poor: the browser is asked for `setting` (a step of VideoSetting.lower()) over
    the room's socket, and it is recorded on the link's row. False: the link is no longer current."""
    if not video_lowered(stream_id=stream_id, link=link, frame_rate=setting.frame_rate, max_bitrate=setting.max_bitrate, now=now):
        return False
    attempt = Attempt.objects.filter(pk=attempt_id).only("sitting_id").first()
    if attempt is not None:
        live.to_attempt(
            attempt_id,
            {"kind": "video", "status": StreamStatus.LIVE, "state": "lower", "message": video_message("lower"), "setting": setting.as_browser()},
        )
        live.to_sitting(attempt.sitting_id, attempt_id)
    return True


def attempt_video_clip(
    *, attempt_id: int, stream_id: int | None, data: bytes, content_type: str, findings: list[str], incidents: list,
    started_at: datetime.datetime, ended_at: datetime.datetime, found_at: datetime.datetime, frames: int,
    now: datetime.datetime | None = None,
):
    """A clip around the video's findings: kept in private storage, its SHA-256 logged in the
    capture log in the same transaction, and named on each incident it is the evidence of (so the
    board and the candidate's view link it)."""
    attempt = Attempt.objects.filter(pk=attempt_id).first()
    if attempt is None or not data:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        clip = video_clip_store(
            person_id=attempt.candidate_id, context_kind=EXAM, context_id=str(attempt.pk), stream_id=stream_id, data=data,
            content_type=content_type, findings=findings, incidents=incidents, started_at=started_at, ended_at=ended_at,
            found_at=found_at, frames=frames, now=now,
        )
        append(
            kind=CaptureLogEntry.Kind.PROCTOR_EVENT, person=attempt.candidate_id, subject=f"attempt:{attempt.pk}",
            payload={
                "event": "video_clip", "clip": str(clip.pk), "sha256": clip.sha256, "incidents": list(incidents),
                "frames": frames, "started_at": started_at.isoformat(), "ended_at": ended_at.isoformat(), "size": clip.size,
            },
            now=now,
        )
        for incident in Incident.objects.select_for_update().filter(attempt=attempt, pk__in=[i for i in incidents if i]):
            incident.detail = {**incident.detail, "clip": str(clip.pk), "clip_sha256": clip.sha256}
            incident.save(update_fields=["detail"])
        after_commit(lambda: live.to_sitting(attempt.sitting_id, attempt.pk))
    return clip


def attempt_video_clip_get(*, actor: User, attempt_id: int, clip_id) -> VideoClip:
    """A clip of the attempt's video for those who may see its frames: the sitting's proctors (as
    the candidate's view) and whoever may see the candidate's identity evidence (the authorities
    that oversee them: the audit portal). Anyone else, a purged clip or a wrong id: not found.
    Every viewing is logged in the capture log, as the candidate's view is."""
    attempt = Attempt.objects.filter(pk=attempt_id).select_related("sitting").first()
    if attempt is None or not (can_proctor(actor, attempt.sitting) or can_see_evidence_of(actor, attempt.candidate_id)):
        raise NotFoundError.default()
    try:
        clip_uuid = uuid.UUID(str(clip_id))
    except ValueError:
        raise NotFoundError.default()
    clip = VideoClip.objects.filter(pk=clip_uuid, context_kind=EXAM, context_id=str(attempt.pk)).first()
    if clip is None or not clip.file or clip.purged_at:
        raise NotFoundError.default()
    with transaction.atomic():
        append(
            kind=CaptureLogEntry.Kind.PROCTOR_EVENT, person=attempt.candidate_id, subject=f"attempt:{attempt.pk}",
            payload={"event": "video_clip_viewed", "actor": actor.pk, "clip": str(clip.pk)},
        )
    return clip


def attempt_video_clips(*, attempt: Attempt) -> list[VideoClip]:
    """The attempt's clips, oldest first (call only for an actor the caller has checked)."""
    return list(VideoClip.objects.filter(context_kind=EXAM, context_id=str(attempt.pk)).order_by("started_at"))
