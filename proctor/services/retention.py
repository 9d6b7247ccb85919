"""Retention: snapshot images and video evidence frames are deleted when their time is up (the
snapshots' retention for both); their records and hashes stay."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kernel.events import after_commit

from ..models import CaptureLogEntry, Snapshot, SnapshotStatus, VideoFrame
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


def video_frames_purge(*, now: datetime.datetime | None = None, days: int | None = None) -> int:
    """Delete video evidence frames past the snapshots' retention. The row and its SHA-256 stay,
    and so does the capture log's entry that named the hash."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.SNAPSHOT_RETENTION_DAYS if days is None else days)
    purged = 0
    storage = VideoFrame._meta.get_field("image").storage
    for frame_id in VideoFrame.objects.filter(captured_at__lt=cutoff, purged_at__isnull=True).values_list("pk", flat=True).iterator():
        with transaction.atomic():
            frame = VideoFrame.objects.select_for_update().get(pk=frame_id)
            if frame.purged_at:
                continue
            name = frame.image.name
            frame.image = ""
            frame.purged_at = now
            frame.save(update_fields=["image", "purged_at"])
            append(
                kind=Kind.SNAPSHOT_PURGED, person=frame.person_id, subject=f"video_frame:{frame.pk}",
                payload={"sha256": frame.sha256}, now=now,
            )
            if name:
                after_commit(lambda name=name: storage.delete(name))
        purged += 1
    return purged
