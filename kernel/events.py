"""Domain events, delivered after commit and never lost: a transactional outbox.

A service publishes an event inside its transaction; `publish` writes one OutboxMessage per
receiver in that same transaction, so the event exists exactly when the change does, and asks for
delivery once the transaction commits. Each receiver runs in its own savepoint: one that raises is
logged, its message stays pending with a later retry time, and every other receiver is delivered
all the same. `deliver_due` (a beat task) retries what is pending. Receivers take plain values
(ids, codes) and must be safe to run twice, since a retry after a crash may repeat one.

Receivers subscribe at start-up, in their app's ready():

    @events.subscribe("proctor.snapshot_decided")
    def credit_after_snapshot(*, context_kind, context_id, **payload): ...

`after_commit` is the one helper for other effects after commit (a push to a socket, a task): they
are not events and need no outbox.

In tests wrapped in a transaction that is rolled back, nothing ever commits; there the setting
EVENTS_DELIVER_AT_PUBLISH (tests/conftest.py turns it on for such tests) delivers at publish, as a
commit would have done.
"""

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

_receivers: dict[str, list[tuple[str, Callable]]] = {}
_by_key: dict[str, Callable] = {}

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 6 * 3600


def subscribe(event: str) -> Callable:
    def decorator(function: Callable) -> Callable:
        key = f"{function.__module__}.{function.__qualname__}"
        if key not in _by_key:
            _receivers.setdefault(event, []).append((key, function))
            _by_key[key] = function
        return function

    return decorator


def receivers_of(event: str) -> list[str]:
    return [key for key, _function in _receivers.get(event, [])]


def publish(event: str, **payload) -> list[int]:
    """Record the event for each receiver in the caller's transaction; deliver after commit."""
    from .audit import jsonable
    from .models import OutboxMessage

    now = timezone.now()
    payload = jsonable(payload)
    messages = [
        OutboxMessage(event=event, handler=key, payload=payload, created_at=now, next_attempt_at=now)
        for key in receivers_of(event)
    ]
    if not messages:
        return []
    created = OutboxMessage.objects.bulk_create(messages)
    ids = [message.pk for message in created]
    if getattr(settings, "EVENTS_DELIVER_AT_PUBLISH", False):
        deliver(ids)
    else:
        after_commit(lambda: deliver(ids))
    return ids


def after_commit(function: Callable) -> None:
    """Run `function` once the current transaction commits (at once outside one). A failure is
    logged and stops nothing else (robust): an effect after commit cannot undo the commit."""
    transaction.on_commit(function, robust=True)


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)))


def deliver(ids: list[int], *, now: datetime.datetime | None = None) -> int:
    """Deliver these messages, each at most once: returns how many were delivered now."""
    from .models import OutboxMessage

    delivered = 0
    for message_id in ids:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id, delivered_at__isnull=True)
                .first()
            )
            if message is None:
                continue  # delivered already, or another process is delivering it
            function = _by_key.get(message.handler)
            at = now or timezone.now()
            if function is None:
                message.attempts += 1
                message.last_error = f"no receiver {message.handler} in this process"
                message.next_attempt_at = at + _backoff(message.attempts)
                message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
                continue
            try:
                with transaction.atomic():
                    function(**message.payload)
            except Exception as error:  # noqa: BLE001  (a receiver's failure must not stop the others)
                log.exception("event %s to %s failed (attempt %d)", message.event, message.handler, message.attempts + 1)
                message.attempts += 1
                message.last_error = f"{type(error).__name__}: {error}"[:2000]
                message.next_attempt_at = at + _backoff(message.attempts)
                message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            else:
                message.attempts += 1
                message.delivered_at = at
                message.save(update_fields=["attempts", "delivered_at"])
                delivered += 1
    return delivered


def deliver_due(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Retry what is pending and due (the beat task)."""
    from .models import OutboxMessage

    now = now or timezone.now()
    ids = list(
        OutboxMessage.objects.filter(delivered_at__isnull=True, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return deliver(ids, now=now)
