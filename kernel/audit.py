"""The one audit API. Every transition calls `record` inside its transaction (as Zulip's audit log
and pretix's log_action do): the event type, the actor, the object, the old and new state, and
whatever else explains the change."""

import datetime

from django.db import models
from django.utils import timezone

from .models import AuditEvent, AuditEventType

__all__ = ["AuditEventType", "record", "trail_of"]


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


def record(
    *,
    event_type: str,
    target: models.Model,
    actor=None,
    old_state: str = "",
    new_state: str = "",
    extra: dict | None = None,
    now: datetime.datetime | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        event_type=event_type,
        actor=actor if getattr(actor, "pk", None) else None,
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        old_state=str(old_state or ""),
        new_state=str(new_state or ""),
        extra=jsonable(extra or {}),
        created_at=now or timezone.now(),
    )


def trail_of(target: models.Model):
    """The audit rows of one object, oldest first."""
    return AuditEvent.objects.filter(object_type=target._meta.label_lower, object_id=str(target.pk)).order_by(
        "created_at", "id"
    )
