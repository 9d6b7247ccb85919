"""Writes for live video: a context's link (offered, live, down), what its samples showed, and the
frames kept as evidence of a finding. The peer connections themselves live in a media worker
(`proctor.media` does the intake; the app above owns the worker and the context's rules).

The worker writes here a few times a minute per stream (a sample's state and thumbnail), never per
frame. A message about a link that is no longer the context's current one (`link`) changes
nothing and tells the caller so, which is how a worker learns that another took the context over.
"""

import datetime
import hashlib
import secrets

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kernel import audit
from kernel.audit import AuditEventType
from lms.models import Person

from ..errors import ERRORS
from ..models import STREAM_MACHINE, StreamStatus, VideoClip, VideoFrame, VideoStream

MAX_SDP_BYTES = 16_000
# A flood of offers is refused: at most OFFERS_PER_MINUTE a minute, none within OFFER_GAP seconds.
OFFER_GAP = 2.0
OFFERS_PER_MINUTE = 8


def sdp_check(sdp) -> str:
    """A browser's offer, or `video_offer_invalid`: text of a sane size, an SDP with one video."""
    if not isinstance(sdp, str) or not 0 < len(sdp.encode("utf-8", "surrogatepass")) <= MAX_SDP_BYTES:
        raise ERRORS.error("video_offer_invalid")
    if not sdp.startswith("v=0") or "\nm=video " not in sdp.replace("\r\n", "\n") or "\x00" in sdp:
        raise ERRORS.error("video_offer_invalid")
    return sdp


def video_stream_transition(*, stream: VideoStream, to: str, reason: str = "", now: datetime.datetime | None = None) -> VideoStream:
    """The one place a link's status changes; the caller holds its row lock."""
    now = now or timezone.now()
    source = stream.status
    STREAM_MACHINE.check(source, to)
    stream.status = to
    fields = ["status"]
    if to == StreamStatus.LIVE:
        stream.connected_at = now
        fields.append("connected_at")
    elif to == StreamStatus.DOWN:
        stream.down_at, stream.down_reason = now, reason[:32]
        fields += ["down_at", "down_reason"]
    stream.save(update_fields=fields)
    audit.record(
        event_type=AuditEventType.STATUS_CHANGED, target=stream, old_state=source, new_state=to,
        extra={"context": f"{stream.context_kind}:{stream.context_id}", "reason": reason}, now=now,
    )
    return stream


def video_offer_accept(
    *, person: Person, context_kind: str, context_id: str, sdp: str, now: datetime.datetime | None = None
) -> tuple[VideoStream, str]:
    """A new offer for the context's link: checked, rate-limited, and the link made a new one
    (CONNECTING). Returns the stream and the previous holder's worker channel (empty when no
    worker holds a live or pending link), to which the caller sends the offer so that one
    process holds one context's connection. The caller has checked that the context is the
    person's and open."""
    sdp_check(sdp)
    now = now or timezone.now()
    with transaction.atomic():
        stream, _created = VideoStream.objects.get_or_create(
            context_kind=context_kind, context_id=str(context_id), defaults={"person": person, "status": StreamStatus.DOWN}
        )
        stream = VideoStream.objects.select_for_update().get(pk=stream.pk)
        if stream.person_id != person.pk:
            raise ERRORS.error("video_offer_invalid")
        if stream.offered_at and (now - stream.offered_at).total_seconds() < OFFER_GAP:
            raise ERRORS.error("video_offer_flood")
        window_open = stream.offered_at and (now - stream.offered_at).total_seconds() < 60
        offers = stream.offers + 1 if window_open else 1
        if offers > OFFERS_PER_MINUTE:
            raise ERRORS.error("video_offer_flood")
        holder = stream.worker if stream.status in (StreamStatus.LIVE, StreamStatus.CONNECTING) else ""
        video_stream_transition(stream=stream, to=StreamStatus.CONNECTING, reason="offer", now=now)
        stream.offers, stream.offered_at, stream.link = offers, now, secrets.token_hex(8)
        stream.save(update_fields=["offers", "offered_at", "link"])
    return stream, holder


def _current(stream_id: int, link: str) -> VideoStream | None:
    return VideoStream.objects.select_for_update().filter(pk=stream_id, link=link).first()


def video_connected(*, stream_id: int, link: str, worker: str, now: datetime.datetime | None = None) -> bool:
    """The worker's peer connection is up. False: the link is no longer the context's."""
    with transaction.atomic():
        stream = _current(stream_id, link)
        if stream is None or stream.status != StreamStatus.CONNECTING:
            return False
        stream.worker = worker[:200]
        stream.save(update_fields=["worker"])
        video_stream_transition(stream=stream, to=StreamStatus.LIVE, now=now)
    return True


def video_held(*, stream_id: int, link: str, worker: str) -> bool:
    """The worker took the offer: later offers for the context reach it."""
    return bool(VideoStream.objects.filter(pk=stream_id, link=link).update(worker=worker[:200]))


def video_down(*, stream_id: int, link: str, reason: str, now: datetime.datetime | None = None) -> VideoStream | None:
    """The link failed, timed out, went silent or was closed. None: it was not the current link,
    or already down."""
    with transaction.atomic():
        stream = _current(stream_id, link)
        if stream is None or stream.status == StreamStatus.DOWN:
            return None
        return video_stream_transition(stream=stream, to=StreamStatus.DOWN, reason=reason, now=now)


def video_sample_store(
    *, stream_id: int, link: str, frames_received: int, state: str, thumbnail: bytes | None, now: datetime.datetime | None = None
) -> tuple[bool, str]:
    """What the latest sample showed, and its thumbnail for the board. Returns (current, the state
    before): current False tells the worker to close its connection."""
    now = now or timezone.now()
    stream = VideoStream.objects.filter(pk=stream_id, link=link).only("state").first()
    if stream is None:
        return False, ""
    fields = {"frames_received": frames_received, "state": state[:24], "last_frame_at": now}
    if thumbnail:
        fields.update(thumbnail=thumbnail, thumbnail_at=now)
    VideoStream.objects.filter(pk=stream_id, link=link).update(samples=F("samples") + 1, **fields)
    return True, stream.state


def video_frame_store(
    *, person_id: int, context_kind: str, context_id: str, finding: str, jpeg: bytes, detail: dict | None = None,
    now: datetime.datetime | None = None,
) -> VideoFrame:
    """Keep one sampled frame (already re-encoded by the intake) as a finding's evidence, in private
    storage with its SHA-256. The caller logs the finding, with the hash, in the capture log in the
    same transaction."""
    now = now or timezone.now()
    frame = VideoFrame(
        person_id=person_id, context_kind=context_kind, context_id=str(context_id), finding=finding,
        sha256=hashlib.sha256(jpeg).hexdigest(), captured_at=now, detail=detail or {},
    )
    frame.image.save("frame.jpg", ContentFile(jpeg), save=False)
    frame.save()
    return frame


def video_lowered(*, stream_id: int, link: str, frame_rate: int, max_bitrate: int, now: datetime.datetime | None = None) -> bool:
    """The worker asked a poor link's browser for a lower bandwidth (VideoSetting.lower()): what
    it asked, on the link's row, and an audit row. False: the link is no longer the context's."""
    now = now or timezone.now()
    with transaction.atomic():
        stream = _current(stream_id, link)
        if stream is None or stream.status == StreamStatus.DOWN:
            return False
        before = f"{stream.frame_rate or ''}/{stream.max_bitrate or ''}"
        stream.frame_rate, stream.max_bitrate = frame_rate, max_bitrate
        stream.lowered, stream.lowered_at = stream.lowered + 1, now
        stream.save(update_fields=["frame_rate", "max_bitrate", "lowered", "lowered_at"])
        audit.record(
            event_type=AuditEventType.CHANGED, target=stream, old_state=before, new_state=f"{frame_rate}/{max_bitrate}",
            extra={"context": f"{stream.context_kind}:{stream.context_id}", "reason": "poor_link"}, now=now,
        )
    return True


def video_clip_store(
    *, person_id: int, context_kind: str, context_id: str, stream_id: int | None, data: bytes, content_type: str,
    findings: list[str], incidents: list, started_at: datetime.datetime, ended_at: datetime.datetime,
    found_at: datetime.datetime, frames: int, now: datetime.datetime | None = None,
) -> VideoClip:
    """Keep a clip around a stream's findings (already encoded by the worker) in private storage
    with its SHA-256. The caller logs it, with the hash, in the capture log in the same transaction."""
    now = now or timezone.now()
    clip = VideoClip(
        person_id=person_id, stream_id=stream_id, context_kind=context_kind, context_id=str(context_id),
        findings=list(findings), incidents=list(incidents), started_at=started_at, ended_at=ended_at, found_at=found_at,
        frames=frames, size=len(data), content_type=content_type, sha256=hashlib.sha256(data).hexdigest(), created_at=now,
    )
    clip.file.save("clip", ContentFile(data), save=False)
    clip.save()
    return clip
