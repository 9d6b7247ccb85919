"""The one audit API. Every transition calls `record` inside its transaction (as Zulip's audit log
and pretix's log_action do): the event type, the actor, the object, the old and new state, and
whatever else explains the change."""

import datetime

from django.db import models
from django.utils import timezone

from .models import AuditEvent, AuditEventType

__all__ = ["AuditEventType", "entry", "record", "record_all", "trail_of"]


def jsonable(value):
    """Values as a JSON column keeps them (dates as ISO text, decimals as text)."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def entry(
    *,
    event_type: str,
    target: models.Model,
    actor=None,
    old_state: str = "",
    new_state: str = "",
    extra: dict | None = None,
    now: datetime.datetime | None = None,
) -> AuditEvent:
    """An audit row not yet written: for a transition that writes several in one insert
    (`record_all`) at the end of its transaction."""
    actor_id = actor if isinstance(actor, int) else getattr(actor, "pk", None)
    return AuditEvent(
        event_type=event_type,
        actor_id=actor_id,
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        old_state=str(old_state or ""),
        new_state=str(new_state or ""),
        extra=jsonable(extra or {}),
        created_at=now or timezone.now(),
    )


def record(**kwargs) -> AuditEvent:
    """Write one audit row now (the arguments of `entry`)."""
    row = entry(**kwargs)
    row.save(force_insert=True)
    return row


def record_all(rows: list[AuditEvent]) -> list[AuditEvent]:
    """Write audit rows made by `entry`, in one insert, in the caller's transaction."""
    return AuditEvent.objects.bulk_create(rows) if rows else []


def trail_of(target: models.Model):
    """The audit rows of one object, oldest first."""
    return AuditEvent.objects.filter(object_type=target._meta.label_lower, object_id=str(target.pk)).order_by(
        "created_at", "id"
    )
