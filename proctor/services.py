"""Writes for identity evidence: consent, reference faces, snapshots and their checks, retention.

Every change lands in the capture log in the same transaction. A refused upload changes nothing but
the log, which records the refusal and its code.
"""

import datetime
import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
)
from kernel.images import image_error_message
from lms.models import Person
from lms.services.people import person_id_photo_set

from . import capturelog, engine
from .consent import consent_text, text_sha256
from .events import snapshot_decided
from .models import (
    BiometricConsent,
    CaptureLogEntry,
    Decision,
    FaceReference,
    ReferenceSource,
    Snapshot,
    SnapshotStatus,
)
from .selectors import consent_current, face_profile, references_active

log = logging.getLogger(__name__)
Kind = CaptureLogEntry.Kind


def _limits() -> engine.Limits:
    return engine.Limits(max_bytes=settings.UPLOAD_IMAGE_MAX_BYTES, max_pixels=settings.UPLOAD_IMAGE_MAX_PIXELS)


def decision_message(decision: str, reason: str = "") -> str:
    if decision == Decision.INCONCLUSIVE:
        return {
            "too_dark": _("The picture is too dark: turn on a light or face a window."),
            "too_bright": _("The picture is too bright: move away from the light behind or in front of you."),
            "blurred": _("The picture is blurred: hold still and clean the camera."),
            "face_too_small": _("Your face is too small in the picture: come closer to the camera."),
        }.get(reason, _("The check could not decide: adjust the light and your position, then try again."))
    return {
        Decision.VERIFIED: _("Verified."),
        Decision.NO_FACE: _("No face was seen: look at the camera."),
        Decision.SEVERAL_FACES: _("More than one face was seen: only you may be in front of the camera."),
        Decision.MISMATCH: _("The face does not match your reference photos."),
    }.get(decision, "")


# Consent ---------------------------------------------------------------------------------------


def consent_give(*, person: Person, now: datetime.datetime | None = None) -> BiometricConsent:
    """Record consent to the current text. Giving it again while it stands changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)
        current = consent_current(person)
        if current:
            return current
        # An older version still standing is superseded by this one.
        BiometricConsent.objects.filter(person=person, withdrawn_at__isnull=True).update(withdrawn_at=now)
        text = consent_text(settings.SNAPSHOT_RETENTION_DAYS)
        consent = BiometricConsent.objects.create(
            person=person, version=settings.BIOMETRIC_CONSENT_VERSION, text_sha256=text_sha256(text), given_at=now
        )
        capturelog.append(
            kind=Kind.CONSENT_GIVEN,
            person=person,
            subject=f"consent:{consent.pk}",
            payload={"version": consent.version, "text_sha256": consent.text_sha256},
            now=now,
        )
    return consent


def consent_withdraw(*, person: Person, now: datetime.datetime | None = None) -> None:
    """Withdraw consent: references are retired at once, so nothing more is compared."""
    now = now or timezone.now()
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)
        ids = list(BiometricConsent.objects.filter(person=person, withdrawn_at__isnull=True).values_list("pk", flat=True))
        if not ids:
            return
        BiometricConsent.objects.filter(pk__in=ids).update(withdrawn_at=now)
        capturelog.append(
            kind=Kind.CONSENT_WITHDRAWN, person=person, subject=f"consent:{ids[0]}", payload={}, now=now
        )
        _references_retire(person, now, reason="consent_withdrawn")


def _consent_require(person: Person) -> None:
    if consent_current(person) is None:
        raise PermissionDeniedError(
            code="consent_required",
            message=_("Give your consent to face verification before any photo is taken."),
        )


# References ------------------------------------------------------------------------------------


def reference_encodings(person: Person) -> list:
    return [engine.encoding_from_bytes(bytes(value)) for value in references_active(person).values_list("encoding", flat=True)]


def refuse(*, kind: str, person: Person, subject: str, code: str, message: str, payload: dict, status: int = 400):
    """Log a refusal in its own transaction (the caller's work is not committed) and raise it.
    Callers in other apps use it for refusals only they can judge (a closed session)."""
    with transaction.atomic():
        capturelog.append(kind=kind, person=person, subject=subject, payload={"code": code, **payload})
    raise DomainError(code=code, message=message, status=status)


def reference_add(
    *, person: Person, source: str, data: bytes, now: datetime.datetime | None = None
) -> FaceReference:
    """Accept one reference image: exactly one sharp, well-lit, large enough face; a live capture
    must also match the references already held, so no one can enrol someone else's face."""
    now = now or timezone.now()
    _consent_require(person)
    digest = hashlib.sha256(data).hexdigest()
    payload = {"source": source, "sha256": digest, "bytes": len(data)}
    try:
        analysis = engine.analyse(engine.decode(data, _limits()))
    except engine.ImageRejected as error:
        refuse(
            kind=Kind.REFERENCE_REFUSED, person=person, subject="reference", code=error.code,
            message=image_error_message(error.code), payload=payload,
        )
    if analysis.faces != 1:
        code = "reference_no_face" if analysis.faces == 0 else "reference_several_faces"
        refuse(
            kind=Kind.REFERENCE_REFUSED, person=person, subject="reference", code=code,
            message=_("The photo must show exactly one face."), payload={**payload, "faces": analysis.faces},
        )
    if analysis.quality_issue:
        refuse(
            kind=Kind.REFERENCE_REFUSED, person=person, subject="reference", code="reference_quality",
            message=decision_message(Decision.INCONCLUSIVE, analysis.quality_issue),
            payload={**payload, "reason": analysis.quality_issue},
        )
    known = reference_encodings(person)
    if known:
        value = engine.distance(known, analysis.encoding)
        if value > settings.FACE_MATCH_THRESHOLD:
            refuse(
                kind=Kind.REFERENCE_REFUSED, person=person, subject="reference", code="reference_mismatch",
                message=_("This photo does not match your other reference photos."),
                payload={**payload, "distance": round(value, 4)},
            )
    if source == ReferenceSource.ID_PHOTO and references_active(person).filter(source=ReferenceSource.ID_PHOTO).exists():
        raise ConflictError(code="reference_id_photo_exists", message=_("Your ID photo is already a reference."))
    with transaction.atomic():
        reference = FaceReference(
            person=person, source=source, sha256=digest, encoding=engine.encoding_to_bytes(analysis.encoding), created_at=now
        )
        reference.image.save("reference.jpg", ContentFile(data), save=False)
        reference.save()
        capturelog.append(
            kind=Kind.REFERENCE_ADDED, person=person, subject=f"reference:{reference.pk}",
            payload={"source": source, "sha256": digest}, now=now,
        )
    return reference


def reference_add_id_photo(
    *, person: Person, data: bytes | None = None, now: datetime.datetime | None = None
) -> FaceReference:
    """The ID photo on file becomes a reference. A person registered without one uploads it
    (`data`): it must pass the reference gates before it is put on file."""
    if person.id_photo:
        with person.id_photo.open("rb") as handle:
            return reference_add(person=person, source=ReferenceSource.ID_PHOTO, data=handle.read(), now=now)
    if data is None:
        raise DomainError(code="id_photo_missing", message=_("There is no ID photo on file; upload one first."))
    reference = reference_add(person=person, source=ReferenceSource.ID_PHOTO, data=data, now=now)
    person_id_photo_set(person=person, data=data)
    return reference


def references_reset(*, person: Person, now: datetime.datetime | None = None) -> None:
    """Start the reference again: the learner redoes it after a change of looks or a bad capture."""
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)
        _references_retire(person, now or timezone.now(), reason="redo")


def _references_retire(person: Person, now: datetime.datetime, *, reason: str) -> None:
    ids = list(references_active(person).values_list("pk", flat=True))
    if ids:
        FaceReference.objects.filter(pk__in=ids).update(retired_at=now)
        capturelog.append(
            kind=Kind.REFERENCES_RETIRED, person=person, subject="references",
            payload={"ids": ids, "reason": reason}, now=now,
        )


# Snapshots -------------------------------------------------------------------------------------


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
        image = engine.decode(data, _limits())
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
            capturelog.append(
                kind=Kind.SNAPSHOT_RECEIVED, person=person, subject=f"snapshot:{snapshot.pk}",
                payload={"context": subject, "sha256": digest, "bytes": len(data), "size": [image.shape[1], image.shape[0]]},
                now=now,
            )
            transaction.on_commit(lambda: _check_later(snapshot.pk))
    except IntegrityError:
        # The same bytes arrived twice at once: the second loses the unique constraint.
        refuse(
            kind=Kind.SNAPSHOT_REFUSED, person=person, subject=subject, code="snapshot_replayed",
            message=_("This exact picture was already uploaded; a snapshot must be new."), payload=payload, status=409,
        )
    return snapshot


def _check_later(snapshot_id) -> None:
    from .tasks import snapshot_check  # the task module imports this one

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
            verdict = engine.verify(data, references, settings.FACE_MATCH_THRESHOLD, _limits())
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
        capturelog.append(
            kind=Kind.SNAPSHOT_DECIDED, person=snapshot.person_id, subject=f"snapshot:{snapshot.pk}",
            payload={**verdict.as_dict(), "sha256": snapshot.sha256, "threshold": settings.FACE_MATCH_THRESHOLD},
            now=now,
        )
        decided = snapshot
        transaction.on_commit(
            lambda: snapshot_decided.send(
                sender=Snapshot, snapshot_id=decided.pk, person_id=decided.person_id,
                context_kind=decided.context_kind, context_id=decided.context_id, decision=decided.decision,
            )
        )
    return snapshot


def snapshots_purge(*, now: datetime.datetime | None = None, days: int | None = None) -> int:
    """Delete snapshot images past retention. The row, its SHA-256 and its log entries stay."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.SNAPSHOT_RETENTION_DAYS if days is None else days)
    purged = 0
    for snapshot_id in Snapshot.objects.filter(received_at__lt=cutoff, purged_at__isnull=True, status=SnapshotStatus.DECIDED).values_list("pk", flat=True).iterator():
        with transaction.atomic():
            snapshot = Snapshot.objects.select_for_update().get(pk=snapshot_id)
            if snapshot.purged_at:
                continue
            name = snapshot.image.name
            snapshot.image = ""
            snapshot.purged_at = now
            snapshot.save(update_fields=["image", "purged_at"])
            capturelog.append(
                kind=Kind.SNAPSHOT_PURGED, person=snapshot.person_id, subject=f"snapshot:{snapshot.pk}",
                payload={"sha256": snapshot.sha256}, now=now,
            )
            if name:
                storage = Snapshot._meta.get_field("image").storage
                transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
        purged += 1
    return purged
