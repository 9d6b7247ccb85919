"""Live pushes over the channel layer: the groups of the exam room and of a sitting's watchers.

Services call these on commit (never before), so a pushed state is always a stored one. A push
that cannot be delivered (no channel layer, Redis down) is logged and dropped: the pages resync
from the database on their next message or tick, and no exam waits on a push.

Several pushes of one commit go in one hop (`send_many`). Called from a thread of the ASGI server
(a service under `database_sync_to_async`), they run on the server's event loop and its channel
layer's connections. Called from a process with no event loop of its own (a Celery worker, a
command, a bench) they go through one long-lived loop thread with one channel layer, so a push does
not open a new event loop and a new Redis connection each time.
"""

import asyncio
import logging
import threading

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

log = logging.getLogger(__name__)
PUSH_TIMEOUT_SECONDS = 5


def attempt_group(attempt_id) -> str:
    return f"exam.attempt.{attempt_id}"


def sitting_group(sitting_id) -> str:
    return f"exam.sitting.{sitting_id}"


def attempt_message(attempt_id, message: dict) -> tuple[str, dict]:
    return attempt_group(attempt_id), {"type": "room.push", "message": message}


def sitting_message(sitting_id, attempt_id: int | None) -> tuple[str, dict]:
    """One attempt of the sitting changed (None: several did, the watchers read the whole table)."""
    return sitting_group(sitting_id), {"type": "sitting.changed", "attempt_id": attempt_id}


class _Pusher:
    """One event loop in a daemon thread, and the channel layer made on it, for the life of the process."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="exam-pushes", daemon=True)
        self.thread.start()
        self.layer = asyncio.run_coroutine_threadsafe(self._layer(), self.loop).result()

    async def _layer(self):
        from channels.layers import channel_layers

        return channel_layers.make_backend("default")

    def send(self, messages) -> None:
        async def all_of():
            for group, message in messages:
                await self.layer.group_send(group, message)

        # Not waited for: the caller's commit is done, and a push that fails is only logged.
        future = asyncio.run_coroutine_threadsafe(asyncio.wait_for(all_of(), PUSH_TIMEOUT_SECONDS), self.loop)
        future.add_done_callback(_log_failure)


def _log_failure(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("push failed", exc_info=future.exception())


_pusher: _Pusher | None = None
_pusher_lock = threading.Lock()


def _in_server_thread() -> bool:
    """True in a thread that asgiref runs for an event loop (the ASGI server, a test's loop)."""
    return getattr(SyncToAsync.threadlocal, "main_event_loop", None) is not None


def send_many(messages: list[tuple[str, dict]]) -> None:
    global _pusher
    if not messages:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if _in_server_thread() or isinstance(layer, InMemoryChannelLayer):
            # The in-memory layer lives in this process's loop; the server's layer is already long-lived.
            async def all_of():
                for group, message in messages:
                    await layer.group_send(group, message)

            async_to_sync(all_of)()
            return
        with _pusher_lock:
            if _pusher is None:
                _pusher = _Pusher()
        _pusher.send(messages)
    except Exception:  # a push is a convenience; the database holds the truth
        log.warning("push to %s failed", [group for group, _message in messages], exc_info=True)


def to_attempt(attempt_id, message: dict) -> None:
    """To every room connection of the attempt (a candidate may have several devices open)."""
    send_many([attempt_message(attempt_id, message)])


def to_sitting(sitting_id, attempt_id) -> None:
    """Tell the sitting's watchers (proctor dashboard, results pages) that one attempt changed;
    each re-reads it through its own scoped selector."""
    send_many([sitting_message(sitting_id, attempt_id)])
