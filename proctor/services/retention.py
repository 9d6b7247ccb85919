"""Retention: snapshot images are deleted when their time is up; their records and hashes stay."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kernel.events import after_commit

from ..models import CaptureLogEntry, Snapshot, SnapshotStatus
from .capturelog import append

Kind = CaptureLogEntry.Kind


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
            names = {snapshot.image.name} | set(snapshot.frames.exclude(image="").values_list("image", flat=True))
            names.discard("")
            snapshot.image = ""
            snapshot.purged_at = now
            snapshot.save(update_fields=["image", "purged_at"])
            # The frames' images and encodings go with the snapshot's; their SHA-256 stay.
            snapshot.frames.update(image="", encoding=None)
            append(
                kind=Kind.SNAPSHOT_PURGED, person=snapshot.person_id, subject=f"snapshot:{snapshot.pk}",
                payload={"sha256": snapshot.sha256}, now=now,
            )
            storage = Snapshot._meta.get_field("image").storage
            after_commit(lambda names=sorted(names), storage=storage: [storage.delete(name) for name in names])
        purged += 1
    return purged
