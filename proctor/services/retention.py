"""Retention (PIPL): snapshot images are deleted when their time is up, unless held for a review
or an appeal; their records, hashes and log entries stay. The tiers are settings
(kaohe/settings.py, "Retention tiers"); `retention_apply` runs them all daily and reports."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kernel.events import after_commit

from ..models import CaptureLogEntry, Snapshot, SnapshotStatus, VideoClip, VideoFrame
from .capturelog import append

Kind = CaptureLogEntry.Kind
log = logging.getLogger(__name__)


def snapshots_purge(*, now: datetime.datetime | None = None, days: int | None = None) -> int:
    """Delete snapshot images past retention. The row, its SHA-256 and its log entries stay."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.SNAPSHOT_RETENTION_DAYS if days is None else days)
    purged = 0
    due = Snapshot.objects.filter(received_at__lt=cutoff, purged_at__isnull=True, status=SnapshotStatus.DECIDED).exclude(
        held_until__gt=now
    )
    for snapshot_id in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            snapshot = Snapshot.objects.select_for_update().get(pk=snapshot_id)
            if snapshot.purged_at or (snapshot.held_until and snapshot.held_until > now):
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


def snapshot_hold(*, snapshot_id, until: datetime.datetime | None) -> None:
    """Hold a snapshot's images past retention while it is under review or appeal (`until` None:
    indefinitely, until the review is decided, when the caller sets the end of the hold)."""
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC) - datetime.timedelta(days=1)
    Snapshot.objects.filter(pk=snapshot_id).update(held_until=until or far)


def retention_apply(*, now: datetime.datetime | None = None) -> dict:
    """Apply every retention tier once and report what was purged. Snapshot and video evidence past
    SNAPSHOT_RETENTION_DAYS goes unless held; face templates go when consent is withdrawn (at the
    withdrawal itself, proctor.services.consent); logs and hashes are kept. The report is logged
    and appended to the capture log."""
    now = now or timezone.now()
    held = Snapshot.objects.filter(held_until__gt=now, purged_at__isnull=True).count()
    purged = snapshots_purge(now=now)
    report = {
        "snapshots_purged": purged,
        "video_frames_purged": video_frames_purge(now=now),
        "video_clips_purged": video_clips_purge(now=now),
        "snapshots_held_for_review": held,
        "retention_days": settings.SNAPSHOT_RETENTION_DAYS,
        "review_hold_days": settings.RETENTION_REVIEW_HOLD_DAYS,
    }
    with transaction.atomic():
        append(kind=Kind.RETENTION_RUN, subject="retention", payload=report, now=now)
    log.info("retention: purged %s snapshot images, %s held for review", purged, held)
    return report


def _evidence_files_purge(model, *, field: str, dated_by: str, subject: str, cutoff: datetime.datetime, now) -> int:
    """Delete the files of `model`'s rows dated (`dated_by`) before the cutoff, one row at a time
    under its lock: the row keeps its SHA-256 and gets `purged_at`; the deletion is logged
    (`snapshot_purged`, subject `<subject>:<id>`) and the file removed after commit."""
    storage = model._meta.get_field(field).storage
    purged = 0
    rows = model.objects.filter(**{f"{dated_by}__lt": cutoff, "purged_at__isnull": True}).values_list("pk", flat=True)
    for pk in rows.iterator():
        with transaction.atomic():
            row = model.objects.select_for_update().get(pk=pk)
            if row.purged_at:
                continue
            name = getattr(row, field).name
            setattr(row, field, "")
            row.purged_at = now
            row.save(update_fields=[field, "purged_at"])
            append(
                kind=Kind.SNAPSHOT_PURGED, person=row.person_id, subject=f"{subject}:{row.pk}",
                payload={"sha256": row.sha256}, now=now,
            )
            if name:
                after_commit(lambda name=name: storage.delete(name))
        purged += 1
    return purged


def _cutoff(now: datetime.datetime, days: int | None) -> datetime.datetime:
    return now - datetime.timedelta(days=settings.SNAPSHOT_RETENTION_DAYS if days is None else days)


def video_frames_purge(*, now: datetime.datetime | None = None, days: int | None = None) -> int:
    """Delete video evidence frames past the snapshots' retention. The row and its SHA-256 stay,
    and so does the capture log's entry that named the hash."""
    now = now or timezone.now()
    return _evidence_files_purge(
        VideoFrame, field="image", dated_by="captured_at", subject="video_frame", cutoff=_cutoff(now, days), now=now
    )


def video_clips_purge(*, now: datetime.datetime | None = None, days: int | None = None) -> int:
    """Delete the files of video evidence clips past the snapshots' retention (counted from the
    clip's end). The row and its SHA-256 stay, and so does the capture log's entry that named the
    hash; the deletion is logged (`snapshot_purged`, subject `video_clip:<id>`)."""
    now = now or timezone.now()
    return _evidence_files_purge(
        VideoClip, field="file", dated_by="ended_at", subject="video_clip", cutoff=_cutoff(now, days), now=now
    )
