"""Writes for snapshots: a burst of frames answering the server's request, stored privately
(re-encoded, with the SHA-256 of what was received), checked by a task, decided once.

A burst is verified only when every usable frame matches the person's references (the engine's
burst rule), the frames show a live person (natural variation between them; a still picture sent
several times, re-saved or not, shows none), a head-turn challenge was met when the request asked
for one, and no frame is implausibly close to an earlier capture of the person (a re-sent copy,
whatever its bytes). docs/face-matching.md says what each check stops and what it does not.
"""

import datetime
import hashlib

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from kernel.events import after_commit, publish
from kernel.images import encode_jpeg, image_error
from lms.models import Person

from .. import engine
from ..errors import ERRORS
from ..events import SNAPSHOT_DECIDED
from ..models import (
    CaptureLogEntry,
    Challenge,
    Decision,
    EvidenceRequest,
    FaceReference,
    RequestStatus,
    Snapshot,
    SnapshotFrame,
    SnapshotStatus,
)
from ..selectors.profiles import face_profile
from .capturelog import append, refuse
from .limits import limits
from .references import reference_encodings
from .requests import request_transition

Kind = CaptureLogEntry.Kind
MAX_FRAMES = 6
# The replay check compares a burst with this many of the person's latest earlier frames.
REPLAY_HISTORY = 300


def _digest(frames: list[bytes]) -> str:
    """The snapshot's SHA-256: over the SHA-256 of each frame received, in order."""
    return hashlib.sha256("".join(hashlib.sha256(frame).hexdigest() for frame in frames).encode()).hexdigest()


def _refuse(person, subject, error, payload):
    refuse(kind=Kind.SNAPSHOT_REFUSED, person=person, subject=subject, error=error, payload=payload)


def _answered_request(person: Person, context_kind: str, context_id: str, nonce: str, subject, payload, now):
    """The open request this nonce answers, locked; refused when unknown, used, early or late."""
    request = (
        EvidenceRequest.objects.select_for_update()
        .filter(nonce=str(nonce or "")[:64], person=person, context_kind=context_kind, context_id=str(context_id))
        .first()
    )
    if request is None:
        _refuse(person, subject, ERRORS.error("snapshot_not_requested"), payload)
    if request.status == RequestStatus.FULFILLED:
        _refuse(person, subject, ERRORS.error("snapshot_request_used"), payload)
    if request.status != RequestStatus.SCHEDULED or request.expires_at < now:
        _refuse(person, subject, ERRORS.error("snapshot_too_late"), payload)
    if request.due_at > now:
        _refuse(person, subject, ERRORS.error("snapshot_too_early"), payload)
    return request


def snapshot_record(
    *,
    person: Person,
    context_kind: str,
    context_id: str,
    frames: list[bytes],
    nonce: str | None = None,
    requested: bool = True,
    now: datetime.datetime | None = None,
) -> Snapshot:
    """Store a burst privately and queue its check. The caller has checked that the context (a
    study session, an exam attempt) is the person's and open. With `requested`, the burst must
    answer the context's open request (its nonce) within the request's window. The server's clock
    alone dates it."""
    now = now or timezone.now()
    frames = [frame for frame in (frames or []) if frame is not None]
    subject = f"{context_kind}:{context_id}"[:80]
    payload = {"frames": len(frames), "bytes": sum(len(frame) for frame in frames)}
    if not face_profile(person).ready:
        _refuse(person, subject, ERRORS.error("face_profile_missing"), payload)
    if not 1 <= len(frames) <= MAX_FRAMES:
        _refuse(person, subject, ERRORS.error("snapshot_frames_invalid"), payload)
    digests = [hashlib.sha256(frame).hexdigest() for frame in frames]
    payload["sha256"] = _digest(frames)
    stored: list[bytes] = []
    size = None
    for frame in frames:
        try:
            image = engine.decode(frame, limits())
        except engine.ImageRejected as error:
            _refuse(person, subject, image_error(error), payload)
        # What is stored is re-encoded from the pixels: no metadata (GPS, camera), no appended payload.
        stored.append(encode_jpeg(Image.fromarray(image)))
        size = size or [image.shape[1], image.shape[0]]
    # The same bytes twice, in this burst or an earlier one (a frame, or a single-frame snapshot
    # of before bursts), are a replay whatever they show: one read for both tables.
    seen = SnapshotFrame.objects.filter(sha256__in=digests).values_list("sha256").union(
        Snapshot.objects.filter(sha256__in=digests).values_list("sha256")
    )
    if len(set(digests)) < len(digests) or seen.exists():
        _refuse(person, subject, ERRORS.error("snapshot_replayed"), payload)
    try:
        with transaction.atomic():
            request = None
            if requested:
                request = _answered_request(person, context_kind, context_id, nonce, subject, payload, now)
                if request.frames > len(frames):
                    _refuse(person, subject, ERRORS.error("snapshot_frames_invalid"), payload)
            snapshot = Snapshot(
                person=person, context_kind=context_kind, context_id=str(context_id), sha256=payload["sha256"],
                byte_size=payload["bytes"], received_at=now, request=request,
            )
            # The frames' files first (their names come from the snapshot's id and date, known
            # before its row), so that the snapshot is inserted with its image and the frames in
            # one insert.
            frames = [SnapshotFrame(snapshot=snapshot, index=index, sha256=digest) for index, digest in enumerate(digests)]
            for frame, data in zip(frames, stored):
                frame.image.save("frame.jpg", ContentFile(data), save=False)
            snapshot.image.name = frames[0].image.name
            try:
                snapshot.save(force_insert=True)
                SnapshotFrame.objects.bulk_create(frames)
            except IntegrityError:
                for frame in frames:  # no row will name them
                    frame.image.storage.delete(frame.image.name)
                raise
            if request is not None:
                request_transition(request=request, to=RequestStatus.FULFILLED, now=now)
            append(
                kind=Kind.SNAPSHOT_RECEIVED, person=person, subject=f"snapshot:{snapshot.pk}",
                payload={
                    "context": subject, "sha256": payload["sha256"], "frames": digests, "bytes": payload["bytes"],
                    "size": size, "request": str(request.pk) if request else None,
                    "challenge": request.challenge if request else "",
                },
                now=now,
            )
            after_commit(lambda: _check_later(snapshot.pk))
    except IntegrityError:
        # The same bytes, or an answer to the same request, arrived twice at once.
        _refuse(person, subject, ERRORS.error("snapshot_replayed"), payload)
    return snapshot


def _check_later(snapshot_id) -> None:
    from ..tasks import snapshot_check  # the task module imports this one

    snapshot_check.delay(str(snapshot_id))


def _earlier_encodings(snapshot: Snapshot) -> list[np.ndarray]:
    """The person's earlier captures to compare a burst with: their references and the frames of
    their latest earlier snapshots."""
    earlier = [
        engine.encoding_from_bytes(bytes(value))
        for value in FaceReference.objects.filter(person_id=snapshot.person_id).values_list("encoding", flat=True)
        if value
    ]
    frames = (
        SnapshotFrame.objects.filter(snapshot__person_id=snapshot.person_id, encoding__isnull=False)
        .exclude(snapshot=snapshot)
        .order_by("-snapshot__received_at")
        .values_list("encoding", flat=True)[:REPLAY_HISTORY]
    )
    earlier.extend(engine.encoding_from_bytes(bytes(value)) for value in frames)
    return earlier


def _decide(snapshot: Snapshot, frames: list[SnapshotFrame], references) -> tuple[engine.Verdict, dict, list]:
    """The burst's verdict, the liveness measures behind it, and each frame's encoding."""
    images = []
    for frame in frames:
        with frame.image.open("rb") as handle:
            images.append(engine.decode(handle.read(), limits()))
    analyses = engine.analyse_burst(images)
    encodings = [analysis.encoding for analysis in analyses]
    challenge = snapshot.request.challenge if snapshot.request_id else Challenge.NONE
    # A challenge burst's first half is taken before the prompt: identity is decided on it, the
    # turn on the whole burst.
    identity_frames = analyses[: max(2, len(analyses) // 2)] if challenge else analyses
    verdict = engine.decide_burst(identity_frames, references, engine.setting_from_settings())
    measures: dict = {}
    encoded = [analysis for analysis in analyses if analysis.encoding is not None]
    if verdict.decision != engine.Decision.VERIFIED:
        return verdict, measures, encodings
    measures["variation"] = round(engine.liveness.burst_variation(identity_frames), 3)
    if len(encoded) < 2 or engine.liveness.is_still_burst(identity_frames):
        return engine.Verdict(engine.Decision.NOT_LIVE, 1, verdict.distance, "still", verdict.frames), measures, encodings
    if challenge:
        measures["yaw"] = [round(engine.liveness.yaw(analysis), 3) for analysis in encoded]
        if not engine.liveness.challenge_met(challenge, analyses):
            return (
                engine.Verdict(engine.Decision.NOT_LIVE, 1, verdict.distance, "challenge_failed", verdict.frames),
                measures,
                encodings,
            )
    earlier = _earlier_encodings(snapshot)
    closest = min((engine.liveness.replay_closeness(analysis.encoding, earlier) for analysis in encoded), default=float("inf"))
    measures["replay_closeness"] = None if closest == float("inf") else round(closest, 4)
    if any(engine.liveness.is_replay(analysis.encoding, earlier) for analysis in encoded):
        return engine.Verdict(engine.Decision.REPLAYED, 1, verdict.distance, "replayed", verdict.frames), measures, encodings
    return verdict, measures, encodings


def snapshot_check(*, snapshot_id, now: datetime.datetime | None = None) -> Snapshot:
    """Decide a snapshot against the person's references. Deciding again changes nothing: the
    engine runs outside the transaction and the row is re-checked under its lock before writing."""
    try:
        snapshot = Snapshot.objects.select_related("request").get(pk=snapshot_id)
    except (Snapshot.DoesNotExist, ValueError):
        raise ERRORS.error("snapshot_not_found")
    if snapshot.status == SnapshotStatus.DECIDED:
        return snapshot
    references = reference_encodings(snapshot.person)
    frames = list(snapshot.frames.order_by("index"))
    measures: dict = {}
    encodings: list = []
    if not frames or any(not frame.image for frame in frames):
        verdict = engine.Verdict(engine.Decision.INCONCLUSIVE, 0, reason="image_missing")
    else:
        try:
            verdict, measures, encodings = _decide(snapshot, frames, references)
        except engine.ImageRejected as error:
            verdict = engine.Verdict(engine.Decision.INCONCLUSIVE, 0, reason=error.code)
    return snapshot_decision_store(snapshot_id=snapshot.pk, verdict=verdict, measures=measures, encodings=encodings, now=now)


def snapshot_decision_store(
    *, snapshot_id, verdict: engine.Verdict, measures: dict | None = None, encodings: list | None = None,
    now: datetime.datetime | None = None,
) -> Snapshot:
    """Store a snapshot's decision once, under its lock: the row, each frame's encoding (for later
    replay checks), the capture-log entry and the event for the apps above."""
    now = now or timezone.now()
    measures = measures or {}
    with transaction.atomic():
        snapshot = Snapshot.objects.select_for_update().get(pk=snapshot_id)
        if snapshot.status == SnapshotStatus.DECIDED:
            return snapshot
        snapshot.status = SnapshotStatus.DECIDED
        snapshot.decision = str(verdict.decision)
        snapshot.reason = verdict.reason
        snapshot.faces = verdict.faces
        snapshot.distance = verdict.distance
        snapshot.decided_at = now
        snapshot.liveness = measures
        snapshot.save(update_fields=["status", "decision", "reason", "faces", "distance", "decided_at", "liveness"])
        for frame_id, encoding in zip(snapshot.frames.order_by("index").values_list("pk", flat=True), encodings or []):
            if encoding is not None:
                SnapshotFrame.objects.filter(pk=frame_id).update(encoding=engine.encoding_to_bytes(encoding))
        append(
            kind=Kind.SNAPSHOT_DECIDED, person=snapshot.person_id, subject=f"snapshot:{snapshot.pk}",
            payload={
                **verdict.as_dict(), "sha256": snapshot.sha256, "threshold": settings.FACE_BURST_THRESHOLD,
                "liveness": measures,
            },
            now=now,
        )
        publish(
            SNAPSHOT_DECIDED, snapshot_id=str(snapshot.pk), person_id=snapshot.person_id,
            context_kind=snapshot.context_kind, context_id=snapshot.context_id, decision=snapshot.decision,
        )
    return snapshot


def snapshots_requeue_stale(*, now: datetime.datetime | None = None, older_than_seconds: int | None = None) -> int:
    """The sweep: a snapshot still pending after a bounded time (its worker died, its message was
    lost) is queued again. Deciding is idempotent, so a check that was only slow is harmless."""
    now = now or timezone.now()
    seconds = settings.SNAPSHOT_REQUEUE_SECONDS if older_than_seconds is None else older_than_seconds
    stale = Snapshot.objects.filter(
        status=SnapshotStatus.PENDING, received_at__lt=now - datetime.timedelta(seconds=seconds)
    ).values_list("pk", flat=True)
    count = 0
    for snapshot_id in stale.iterator():
        _check_later(snapshot_id)
        count += 1
    return count


# Decisions that are evidence of presence; anything else ends a credited stretch.
PRESENT = frozenset({Decision.VERIFIED})


def snapshot_review_decision(*, snapshot_id, decision: str) -> Snapshot:
    """A reviewer's dismissal of a refusal: `decision` ("verified", or "" to restore the engine's)
    counts in place of the engine's for crediting. The engine's decision stays in the row and in
    the capture log; the caller logs the review step."""
    with transaction.atomic():
        snapshot = Snapshot.objects.select_for_update().get(pk=snapshot_id)
        snapshot.reviewed_decision = decision
        snapshot.save(update_fields=["reviewed_decision"])
    return snapshot
