"""Writes for snapshots: stored privately with their SHA-256, checked by a task, decided once."""

import datetime
import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.errors import NotFoundError
from kernel.events import after_commit, publish
from kernel.images import image_error_message
from lms.models import Person

from .. import engine
from ..events import SNAPSHOT_DECIDED
from ..models import CaptureLogEntry, Snapshot, SnapshotStatus
from ..selectors.profiles import face_profile
from .capturelog import append, refuse
from .limits import limits
from .references import reference_encodings

Kind = CaptureLogEntry.Kind


def snapshot_record(
    *, person: Person, context_kind: str, context_id: str, data: bytes, now: datetime.datetime | None = None
) -> Snapshot:
    """Store a snapshot privately with its SHA-256 and queue its check. The caller has checked that
    the context (a study session, an exam attempt) is the person's and open. The server's clock
    alone dates it."""
    now = now or timezone.now()
    digest = hashlib.sha256(data).hexdigest()
    subject = f"{context_kind}:{context_id}"
    payload = {"sha256": digest, "bytes": len(data)}
    if not face_profile(person).ready:
        refuse(
            kind=Kind.SNAPSHOT_REFUSED, person=person, subject=subject, code="face_profile_missing",
            message=_("Give consent and enrol your reference photos before snapshots can count."),
            payload=payload, status=403,
        )
    if Snapshot.objects.filter(sha256=digest).exists():
        refuse(
            kind=Kind.SNAPSHOT_REFUSED, person=person, subject=subject, code="snapshot_replayed",
            message=_("This exact picture was already uploaded; a snapshot must be new."), payload=payload, status=409,
        )
    try:
        image = engine.decode(data, limits())
    except engine.ImageRejected as error:
        refuse(
            kind=Kind.SNAPSHOT_REFUSED, person=person, subject=subject, code=error.code,
            message=image_error_message(error.code), payload=payload,
        )
    try:
        with transaction.atomic():
            snapshot = Snapshot(
                person=person, context_kind=context_kind, context_id=str(context_id), sha256=digest,
                byte_size=len(data), received_at=now,
            )
            snapshot.image.save("snapshot.jpg", ContentFile(data), save=False)
            snapshot.save()
            append(
                kind=Kind.SNAPSHOT_RECEIVED, person=person, subject=f"snapshot:{snapshot.pk}",
                payload={"context": subject, "sha256": digest, "bytes": len(data), "size": [image.shape[1], image.shape[0]]},
                now=now,
            )
            after_commit(lambda: _check_later(snapshot.pk))
    except IntegrityError:
        # The same bytes arrived twice at once: the second loses the unique constraint.
        refuse(
            kind=Kind.SNAPSHOT_REFUSED, person=person, subject=subject, code="snapshot_replayed",
            message=_("This exact picture was already uploaded; a snapshot must be new."), payload=payload, status=409,
        )
    return snapshot


def _check_later(snapshot_id) -> None:
    from ..tasks import snapshot_check  # the task module imports this one

    snapshot_check.delay(str(snapshot_id))


def snapshot_check(*, snapshot_id, now: datetime.datetime | None = None) -> Snapshot:
    """Decide a snapshot against the person's references. Deciding again changes nothing: the
    engine runs outside the transaction and the row is re-checked under its lock before writing."""
    try:
        snapshot = Snapshot.objects.get(pk=snapshot_id)
    except (Snapshot.DoesNotExist, ValueError):
        raise NotFoundError(code="snapshot_not_found", message=_("This snapshot does not exist."))
    if snapshot.status == SnapshotStatus.DECIDED:
        return snapshot
    references = reference_encodings(snapshot.person)
    if not snapshot.image:
        verdict = engine.Verdict(engine.Decision.INCONCLUSIVE, 0, reason="image_missing")
    else:
        with snapshot.image.open("rb") as handle:
            data = handle.read()
        try:
            verdict = engine.verify(data, references, settings.FACE_MATCH_THRESHOLD, limits())
        except engine.ImageRejected as error:
            verdict = engine.Verdict(engine.Decision.INCONCLUSIVE, 0, reason=error.code)
    now = now or timezone.now()
    with transaction.atomic():
        snapshot = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
        if snapshot.status == SnapshotStatus.DECIDED:
            return snapshot
        snapshot.status = SnapshotStatus.DECIDED
        snapshot.decision = str(verdict.decision)
        snapshot.reason = verdict.reason
        snapshot.faces = verdict.faces
        snapshot.distance = verdict.distance
        snapshot.decided_at = now
        snapshot.save(update_fields=["status", "decision", "reason", "faces", "distance", "decided_at"])
        append(
            kind=Kind.SNAPSHOT_DECIDED, person=snapshot.person_id, subject=f"snapshot:{snapshot.pk}",
            payload={**verdict.as_dict(), "sha256": snapshot.sha256, "threshold": settings.FACE_MATCH_THRESHOLD},
            now=now,
        )
        publish(
            SNAPSHOT_DECIDED, snapshot_id=str(snapshot.pk), person_id=snapshot.person_id,
            context_kind=snapshot.context_kind, context_id=snapshot.context_id, decision=snapshot.decision,
        )
    return snapshot
