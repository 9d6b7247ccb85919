"""Live pushes over the channel layer: the groups of the exam room and of a sitting's watchers.

Services call these on commit (never before), so a pushed state is always a stored one. A push
that cannot be delivered (no channel layer, Redis down) is logged and dropped: the pages resync
from the database on their next message or tick, and no exam waits on a push.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def attempt_group(attempt_id) -> str:
    return f"exam.attempt.{attempt_id}"


def sitting_group(sitting_id) -> str:
    return f"exam.sitting.{sitting_id}"


def _send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # a push is a convenience; the database holds the truth
        log.warning("push to %s failed", group, exc_info=True)


def to_attempt(attempt_id, message: dict) -> None:
    """To every room connection of the attempt (a candidate may have several devices open)."""
    _send(attempt_group(attempt_id), {"type": "room.push", "message": message})


def to_sitting(sitting_id, attempt_id) -> None:
    """Tell the sitting's watchers (proctor dashboard, results pages) that one attempt changed;
    each re-reads it through its own scoped selector."""
    _send(sitting_group(sitting_id), {"type": "sitting.changed", "attempt_id": attempt_id})
