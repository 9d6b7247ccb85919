"""Celery edges for face checks. Tasks take ids; the services make running one twice harmless.

The worker imports `proctor.engine`, which loads dlib's models, once per process; with
`worker_prefetch_multiplier=1` and late acknowledgement a worker holds one check at a time and a
check lost with its worker is delivered again.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services import capturelog, exports, requests, retention, snapshots


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=20,
    time_limit=30,
    autoretry_for=(OperationalError, InterfaceError, OSError),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def snapshot_check(snapshot_id: str) -> None:
    snapshots.snapshot_check(snapshot_id=snapshot_id)


@shared_task(acks_late=True, time_limit=600, ignore_result=True)
def snapshots_purge() -> int:
    return retention.snapshots_purge() + retention.video_frames_purge() + retention.video_clips_purge()


@shared_task(acks_late=True, time_limit=3600, ignore_result=True)
def retention_apply() -> dict:
    """The daily retention run: applies every tier and reports what it purged (in the log and in
    the capture log)."""
    return retention.retention_apply()


@shared_task(acks_late=True, time_limit=3600, ignore_result=True)
def capturelog_export(export_id: int) -> None:
    exports.export_build(export_id=export_id)


@shared_task(acks_late=True, time_limit=600, ignore_result=True)
def capturelog_checkpoint() -> int | None:
    """Sign a checkpoint of the capture log (hourly, CELERY_BEAT_SCHEDULE); fails loudly when the
    key is missing or the new entries do not verify."""
    checkpoint = capturelog.checkpoint_create()
    return checkpoint.sequence if checkpoint else None


@shared_task(acks_late=True, time_limit=120, ignore_result=True)
def snapshots_requeue_stale() -> int:
    return snapshots.snapshots_requeue_stale()


@shared_task(acks_late=True, time_limit=120, ignore_result=True)
def evidence_requests_expire() -> int:
    return requests.evidence_requests_expire()
