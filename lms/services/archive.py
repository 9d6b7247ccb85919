"""Writes of the personal archive (个人档案) and the real-name review of the ID photo.

The archive (education, title, the start of construction management work, documents) may be
corrected until an authority has reviewed one of the person's applications; after that it is
locked and a change goes through a change request. An ID photo is a trust anchor only once an
authority covering the person has approved it (`id_photo_review`)."""

import datetime
import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from kernel import audit
from kernel.audit import AuditEventType
from kernel.hooks import collect
from kernel.reasons import reason_clean

from .. import policies
from ..errors import ERRORS
from ..models import (
    ArchiveDocument,
    DocumentKind,
    Education,
    IdPhotoStatus,
    Person,
    ProfessionalTitle,
    User,
)
from ..rules.documents import sniff_document


def archive_locked(person: Person) -> bool:
    """Whether a higher app says the archive is locked (an application already reviewed). The
    answer comes through the `lms.archive_locked` hook, so lms names no exam model."""
    return any(collect("lms.archive_locked", person=person))


def _require_unlocked(person: Person) -> None:
    if archive_locked(person):
        raise ERRORS.error("archive_locked")


def archive_update(
    *,
    person: Person,
    education: str,
    professional_title: str,
    management_since: datetime.date | None,
    now: datetime.datetime | None = None,
) -> Person:
    now = now or timezone.now()
    if education not in Education.values:
        raise ERRORS.error("education_invalid", field="education")
    if professional_title not in ProfessionalTitle.values:
        raise ERRORS.error("title_invalid", field="professional_title")
    if management_since is not None and management_since > timezone.localdate(now):
        raise ERRORS.error("management_since_future", field="management_since")
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        _require_unlocked(locked)
        old = {"education": locked.education, "title": locked.professional_title, "since": locked.management_since}
        locked.education = education
        locked.professional_title = professional_title
        locked.management_since = management_since
        locked.save(update_fields=["education", "professional_title", "management_since"])
        audit.record(
            event_type=AuditEventType.CHANGED, target=locked, actor=locked.user,
            extra={"archive": True, "old": old}, now=now,
        )
    return locked


def archive_document_add(
    *, person: Person, kind: str, data: bytes, now: datetime.datetime | None = None
) -> ArchiveDocument:
    """Store one document privately; a newer one of the same kind retires the older. Refused, storing
    nothing: document_kind_invalid, document_empty, document_too_large, document_type_invalid
    (the first bytes say neither PDF nor JPEG nor PNG), archive_locked."""
    now = now or timezone.now()
    if kind not in DocumentKind.values:
        raise ERRORS.error("document_kind_invalid", field="kind")
    if not data:
        raise ERRORS.error("document_empty", field="file")
    limit = settings.UPLOAD_DOCUMENT_MAX_BYTES
    if len(data) > limit:
        raise ERRORS.error("document_too_large", field="file", mb=limit // (1024 * 1024))
    content_type = sniff_document(data)
    if content_type is None:
        raise ERRORS.error("document_type_invalid", field="file")
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        _require_unlocked(locked)
        ArchiveDocument.objects.filter(person=locked, kind=kind, retired_at__isnull=True).update(retired_at=now)
        document = ArchiveDocument(
            person=locked, kind=kind, content_type=content_type, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), uploaded_at=now,
        )
        document.file.save("document", ContentFile(data), save=False)
        document.save()
        audit.record(
            event_type=AuditEventType.CREATED, target=document, actor=locked.user,
            extra={"kind": kind, "sha256": document.sha256, "bytes": len(data)}, now=now,
        )
    return document


def id_photo_review(
    *, actor: User, person: Person, approve: bool, reason: str = "", now: datetime.datetime | None = None
) -> Person:
    """An authority covering the person approves the ID photo as the trust anchor of their face
    checks, or rejects it with a reason (the person uploads another). Refused: id_photo_person_not_found
    (404, not overseen), id_photo_not_pending (409), reason_required."""
    now = now or timezone.now()
    if not policies.oversees_person(actor, person.pk):
        raise ERRORS.error("id_photo_person_not_found")
    reason = reason_clean(reason, required=not approve)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if locked.id_photo_status != IdPhotoStatus.PENDING or not locked.id_photo:
            raise ERRORS.error("id_photo_not_pending")
        source = locked.id_photo_status
        locked.id_photo_status = IdPhotoStatus.APPROVED if approve else IdPhotoStatus.REJECTED
        locked.id_photo_reviewed_at = now
        locked.id_photo_reviewed_by = actor
        locked.id_photo_reason = reason
        locked.save(update_fields=["id_photo_status", "id_photo_reviewed_at", "id_photo_reviewed_by", "id_photo_reason"])
        audit.record(
            event_type=AuditEventType.DECIDED, target=locked, actor=actor, old_state=source,
            new_state=locked.id_photo_status, extra={"id_photo": True, "reason": reason}, now=now,
        )
    return locked
