"""Exports of the capture log for a region and a period: what a regulator takes away and checks
offline with verifier/kaohe_verify.py, trusting nothing of the platform but the public key they
pinned (docs/audit.md, "The export").

The chain is one for the whole platform, so an export cannot hold only a region's entries and
still be checkable. It holds every entry from the last signed checkpoint before the period to the
first signed checkpoint after it: the entries about the region's people within the period in full,
every other one as its id and hashes only ("redacted"). Both ends are signed checkpoints, so the
verifier starts from a signed length and tip hash and ends at one, and every link between them is
checked."""

import datetime
import hashlib
import io
import json
import logging
import zipfile

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from kernel import audit
from kernel.audit import AuditEventType
from kernel.errors import DomainError
from kernel.events import after_commit
from lms.models import Region, User
from lms.policies import covers_region, people_in_region

from .. import signing
from ..errors import ERRORS
from ..models import (
    EXPORT_MACHINE,
    CaptureLogCheckpoint,
    CaptureLogEntry,
    CaptureLogExport,
    ExportStatus,
)
from ..rules.capturelog import GENESIS, key_id
from ..selectors.capturelog import checkpoint_record, entries
from .capturelog import append, checkpoint_create

log = logging.getLogger(__name__)

FORMAT = "kaohe-capturelog-export"
VERSION = 1
PROGRESS_EVERY = 5000


def export_transition(
    *, export: CaptureLogExport, to: str, changes: dict | None = None, now: datetime.datetime | None = None
) -> CaptureLogExport:
    """The one place an export's status changes: locks the row, checks the move against
    EXPORT_MACHINE, stamps it and writes the audit row."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = CaptureLogExport.objects.select_for_update().get(pk=export.pk)
        source = locked.status
        EXPORT_MACHINE.check(source, to)
        fields = {"status": to, **(changes or {})}
        if to in (ExportStatus.READY, ExportStatus.FAILED):
            fields["finished_at"] = now
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(fields))
        audit.record(
            event_type=AuditEventType.STATUS_CHANGED, target=locked, old_state=source, new_state=to,
            extra={key: value for key, value in fields.items() if key in ("error", "sha256", "total")}, now=now,
        )
    return locked


def export_request(
    *, actor: User, region: Region, since: datetime.datetime, until: datetime.datetime, now: datetime.datetime | None = None
) -> CaptureLogExport:
    """Queue an export of `region`'s people for [since, until); built by proctor.tasks.capturelog_export."""
    if not covers_region(actor, region.path):
        raise ERRORS.error("export_region_not_covered")
    longest = settings.CAPTURELOG_EXPORT_MAX_DAYS
    if not since < until or until - since > datetime.timedelta(days=longest):
        raise ERRORS.error("export_period_invalid", days=longest)
    now = now or timezone.now()
    with transaction.atomic():
        export = CaptureLogExport.objects.create(requested_by=actor, region=region, since=since, until=until, created_at=now)
        audit.record(event_type=AuditEventType.CREATED, target=export, actor=actor, new_state=export.status, now=now)
        after_commit(lambda: _build_later(export.pk))
    return export


def _build_later(export_id: int) -> None:
    from ..tasks import capturelog_export

    capturelog_export.delay(export_id)


def _line(value: dict) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def entry_line(entry, *, full: bool) -> dict:
    if not full:
        return {"id": entry.id, "previous_hash": entry.previous_hash, "hash": entry.hash, "redacted": True}
    return {
        "id": entry.id,
        "kind": entry.kind,
        "person": entry.person_id,
        "subject": entry.subject,
        "payload": entry.payload,
        "at": entry.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "previous_hash": entry.previous_hash,
        "hash": entry.hash,
    }


def checkpoint_line(checkpoint: CaptureLogCheckpoint) -> dict:
    record = checkpoint_record(checkpoint)
    return {
        "sequence": record.sequence,
        "length": record.length,
        "tip_hash": record.tip_hash,
        "previous_digest": record.previous_digest,
        "created_at_us": record.created_at_us,
        "key_id": record.key_id,
        "signature": record.signature,
    }


def export_build(*, export_id: int, now: datetime.datetime | None = None) -> CaptureLogExport:
    """Write the export's zip, with progress in `done` of `total`. Safe to run twice: only a
    queued export is built."""
    export = CaptureLogExport.objects.select_related("region").get(pk=export_id)
    if export.status != ExportStatus.QUEUED:
        return export
    export = export_transition(export=export, to=ExportStatus.RUNNING, now=now)
    try:
        return _build(export, now=now)
    except DomainError as error:
        log.warning("capture-log export %s failed: %s", export.pk, error.message)
        return export_transition(export=export, to=ExportStatus.FAILED, changes={"error": str(error.message)[:300]}, now=now)


def _build(export: CaptureLogExport, *, now: datetime.datetime | None) -> CaptureLogExport:
    now = now or timezone.now()
    # The period's end must be covered by a signed checkpoint: sign one now if the chain has grown.
    checkpoint_create(now=now)
    period = CaptureLogEntry.objects.filter(created_at__gte=export.since, created_at__lt=export.until)
    first_id = period.order_by("id").values_list("id", flat=True).first()
    last_id = period.order_by("-id").values_list("id", flat=True).first()
    start = end = None
    if first_id is not None:
        start = CaptureLogCheckpoint.objects.filter(tip_entry_id__lt=first_id).order_by("-sequence").first()
        end = CaptureLogCheckpoint.objects.filter(tip_entry_id__gte=last_id).order_by("sequence").first()
        if end is None:
            raise ERRORS.error("capturelog_signing_key_missing")
    else:
        start = end = CaptureLogCheckpoint.objects.order_by("-sequence").first()
    raw = signing.public_key(create_development_key=True)
    if raw is None:
        raise ERRORS.error("capturelog_signing_key_missing")
    start_position = start.length if start else 0
    end_position = end.length if end else 0
    total = end_position - start_position
    CaptureLogExport.objects.filter(pk=export.pk).update(total=total)
    people = set(people_in_region(export.region.path).values_list("pk", flat=True))
    buffer = io.BytesIO()
    written = full = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("entries.jsonl", "w") as handle:
            if total:
                for entry in entries(after_id=start.tip_entry_id if start else 0):
                    if written == total:
                        break
                    inside = entry.person_id in people and export.since <= entry.created_at < export.until
                    handle.write(_line(entry_line(entry, full=inside)))
                    written += 1
                    full += inside
                    if written % PROGRESS_EVERY == 0:
                        CaptureLogExport.objects.filter(pk=export.pk).update(done=written)
        checkpoints = CaptureLogCheckpoint.objects.filter(sequence__lte=end.sequence if end else 0).order_by("sequence")
        archive.writestr("checkpoints.jsonl", b"".join(_line(checkpoint_line(item)) for item in checkpoints))
        archive.writestr("public_key.pem", signing.public_pem(raw))
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "export": export.pk,
            "region": {"code": export.region.code, "name": export.region.name, "path": export.region.path},
            "since": export.since.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            "until": export.until.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            "created_at": now.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            "key_id": key_id(raw),
            "start": {
                "checkpoint": start.sequence if start else 0,
                "position": start_position,
                "previous_hash": start.tip_hash if start else GENESIS,
            },
            "end": {"checkpoint": end.sequence if end else 0, "position": end_position},
            "entries": written,
            "entries_with_content": full,
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True))
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        locked = CaptureLogExport.objects.select_for_update().get(pk=export.pk)
        locked.file.save(f"capturelog-{export.pk}.zip", ContentFile(data), save=False)
        CaptureLogExport.objects.filter(pk=export.pk).update(file=locked.file.name, done=written)
        append(
            kind=CaptureLogEntry.Kind.EXPORT_MADE, subject=f"export:{export.pk}",
            payload={
                "region": export.region.code, "since": manifest["since"], "until": manifest["until"],
                "entries": written, "entries_with_content": full, "sha256": digest,
                "requested_by": export.requested_by_id,
            },
            now=now,
        )
        return export_transition(export=locked, to=ExportStatus.READY, changes={"sha256": digest}, now=now)
