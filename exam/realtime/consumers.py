"""The exam room and the sitting watchers over WebSocket. docs/exam-protocol.md is the contract.

Consumers are edges: they parse a frame (`exam.protocol`), call one service or selector in a
thread, and send what came back. The database is the truth: an answer is acknowledged only once
its transaction has committed, and every push makes the consumer re-read what it reports.
"""

import asyncio
import json
import logging

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import timezone, translation

from kernel import throttle
from kernel.errors import DomainError, NotFoundError
from lms.models import Person
from proctor.services.requests import request_as_json

from ..models import Attempt, AttemptStatus
from ..selectors import room as selectors
from ..services import attempts as attempt_services
from ..services import proctoring
from . import protocol
from . import pushes as live
from .messages import error_message
from .protocol import ProtocolError

log = logging.getLogger(__name__)
S = AttemptStatus
# Close codes (4000-4999 are the application's): see docs/exam-protocol.md.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_FLOODING = 4429
# The closes after which reconnecting cannot help: the pages pass them to their scripts, which then
# stop for good. A flooding client may come back once it behaves.
FINAL_CLOSE_CODES = (CLOSE_UNAUTHENTICATED, CLOSE_NOT_FOUND)
REFUSED_BEFORE_CLOSING = 200  # rate-limited frames in a row before the connection is closed
TICK_SECONDS = 30


def _shared_allows(*, attempt_id: int, user_id: int, kind: str) -> bool:
    """The limits one connection's bucket cannot see, counted in the cache across every connection
    and process: frames per attempt and per user within EXAM_ROOM_SHARED_WINDOW seconds, and room
    events (each one an incident) per attempt within a minute."""
    window = settings.EXAM_ROOM_SHARED_WINDOW
    frames = settings.EXAM_ROOM_SHARED_FRAMES
    counters = [(throttle.key("room-attempt", attempt_id), window), (throttle.key("room-user", user_id), window)]
    if kind == "event":
        counters.append((throttle.key("room-events", attempt_id), 60))
    counts = throttle.hits(counters)  # one round trip
    if counts[0] > frames or counts[1] > frames:
        return False
    return kind != "event" or counts[2] <= settings.EXAM_ROOM_EVENTS_PER_MINUTE


# A cache call off the event loop, and off Channels' one database thread (thread_sensitive=False).
shared_allows = sync_to_async(_shared_allows, thread_sensitive=False)


def _language(scope) -> str:
    """The user's chosen language (Django's language cookie), else the platform's (Chinese)."""
    chosen = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")
    codes = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in codes else settings.LANGUAGE_CODE


class _Base(AsyncJsonWebsocketConsumer):
    """Channels' JSON consumer for sending. Receiving is each consumer's own `receive`, since a
    frame is checked (size, type, shape) before it is decoded."""

    @classmethod
    async def encode_json(cls, content) -> str:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"))

    async def refuse(self, code: str, close_code: int) -> None:
        """Accept only to say why, then close: a browser cannot read a refused handshake."""
        await self.accept()
        await self.error(code)
        await self.close(code=close_code)

    async def error(self, code: str, *, seq: int | None = None, message: str = "") -> None:
        """An `error` frame: the code (one of ROOM_CODES) and its words in the user's language,
        unless a service already said it in its own."""
        with translation.override(self.language):
            text = message or error_message(code)
        reply = {"type": "error", "code": code, "message": text}
        if seq is not None:
            reply["seq"] = seq
        await self.send_json(reply)

    def in_thread(self, function, /, *, hot: bool = False, **kwargs):
        """Run a service or selector in a worker thread, in the user's language. `hot` calls (the
        room's: connect, join, start, answer, submit, the state and the evidence plan) run on a pool of threads, each with its own database
        connection, where the database allows it (PostgreSQL); the others, and every call on
        SQLite (one writer at a time), on Channels' one shared database thread."""
        language = self.language

        def call():
            with translation.override(language):
                return function(**kwargs)

        return database_sync_to_async(call, thread_sensitive=not (hot and parallel_database()))()


def parallel_database() -> bool:
    """Whether the room's hot statements may run on several threads at once (setting
    EXAM_ROOM_PARALLEL_DB; by default on PostgreSQL, never on SQLite)."""
    chosen = getattr(settings, "EXAM_ROOM_PARALLEL_DB", None)
    if chosen is None:
        chosen = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    return bool(chosen)


def _connection_facts(user, attempt_id):
    """What a room connection keeps for its life, in one hop: the person, and their attempt with
    its paper's versions (a paper never changes once drawn)."""
    person = Person.objects.filter(user=user).select_related("user").first()
    attempt = selectors.own_attempt_get(person, attempt_id)
    return person, attempt, attempt.paper.version_ids


class ExamRoomConsumer(_Base):
    """One candidate connection to their attempt: /ws/exam/attempts/<id>/."""

    async def connect(self):
        self.language = _language(self.scope)
        self.attempt_id = None
        self.peers = set()
        self.deadline_task = None
        self.evidence_task = None
        self.bucket = protocol.TokenBucket()
        self.refused_in_a_row = 0
        self.sent_status = None
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse("not_authenticated", CLOSE_UNAUTHENTICATED)
            return
        self.person = None
        try:
            self.person, attempt, self.version_ids = await self.in_thread(
                _connection_facts, user=user, attempt_id=self.scope["url_route"]["kwargs"]["attempt_id"], hot=True
            )
        except NotFoundError:
            await self.refuse("attempt_not_found", CLOSE_NOT_FOUND)
            return
        self.attempt_id = attempt.pk
        # What the answer path needs of the attempt: its id and its candidate (never change).
        self.attempt_ref = Attempt(pk=attempt.pk, candidate_id=attempt.candidate_id, sitting_id=attempt.sitting_id)
        await self.channel_layer.group_add(live.attempt_group(self.attempt_id), self.channel_name)
        # Say hello to the attempt's other connections (other tabs, other devices, other server
        # processes): each answers, and only a connection with a peer echoes its answers.
        await self.channel_layer.group_send(
            live.attempt_group(self.attempt_id), {"type": "room.peer", "event": "hello", "origin": self.channel_name}
        )
        await self.accept()

    async def disconnect(self, code):
        if self.deadline_task:
            self.deadline_task.cancel()
        if self.evidence_task:
            self.evidence_task.cancel()
        if self.attempt_id is not None:
            await self.channel_layer.group_discard(live.attempt_group(self.attempt_id), self.channel_name)
            if self.peers:
                await self.channel_layer.group_send(
                    live.attempt_group(self.attempt_id), {"type": "room.peer", "event": "bye", "origin": self.channel_name}
                )

    async def dispatch(self, message):
        """Channels hops onto its shared database thread (close_old_connections) before every
        message. A client frame or a push touches the database only through `in_thread`, which
        closes old connections in its own thread, so those skip the hop; connect and disconnect
        keep it."""
        if message["type"] == "websocket.receive" or message["type"].startswith("room."):
            handler = getattr(self, get_handler_name(message), None)
            if handler:
                await handler(message)
                return
        await super().dispatch(message)

    # Frames from the client ----------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if not self.bucket.take():
            self.refused_in_a_row += 1
            if self.refused_in_a_row >= REFUSED_BEFORE_CLOSING:
                await self.close(code=CLOSE_FLOODING)
            elif self.refused_in_a_row == 1 or self.refused_in_a_row % 20 == 0:
                await self.error("rate_limited")
            return
        self.refused_in_a_row = 0
        try:
            message = protocol.parse(text_data, bytes_data)
        except ProtocolError as problem:
            await self.error(problem.code, seq=problem.seq)
            return
        if not await shared_allows(attempt_id=self.attempt_id, user_id=self.scope["user"].pk, kind=message.type):
            # Twenty sockets of one candidate may not do twenty times what one may.
            await self.error("rate_limited", seq=message.seq)
            return
        handler = getattr(self, f"on_{message.type}")
        try:
            await handler(message)
        except NotFoundError:
            # Whatever was not found (the attempt, through the selectors' `not_found`), the room
            # says the one code the protocol names for it.
            await self.error("attempt_not_found", seq=message.seq)
        except DomainError as problem:
            await self.error(problem.code, seq=message.seq, message=problem.message)

    async def on_join(self, message):
        # One hop: the state, after closing the attempt first if its time is up.
        await self.send_state(seq=message.seq, closing=True)

    async def on_start(self, message):
        await self.in_thread(attempt_services.attempt_start, attempt=await self.attempt(), candidate=self.person, hot=True)
        await self.send_state(seq=message.seq)

    async def on_answer(self, message):
        answer = await self.in_thread(
            attempt_services.answer_record,
            attempt=self.attempt_ref,
            candidate=self.person,
            version_id=message.question,
            option_ids=message.options,
            version_ids=self.version_ids,
            hot=True,
        )
        # The service's transaction has committed: only now is the answer acknowledged.
        reply = {"type": "ack", "question": answer.version_id, "options": answer.option_ids, "answered_at": answer.answered_at.isoformat()}
        if message.seq is not None:
            reply["seq"] = message.seq
        await self.send_json(reply)
        if not self.peers:
            return  # no other connection to keep in step
        await self.channel_layer.group_send(
            live.attempt_group(self.attempt_id),
            {"type": "room.push", "message": {"kind": "answered", "question": answer.version_id, "options": answer.option_ids}, "origin": self.channel_name},
        )

    async def on_heartbeat(self, message):
        attempt = await self.attempt()
        if attempt.status == S.IN_PROGRESS and selectors.remaining_seconds(attempt) == 0:
            await self.in_thread(attempt_services.attempts_close_overdue, attempt_id=self.attempt_id)
            await self.send_state(seq=message.seq)
            return
        await self.send_json(self.tick(attempt, message.seq))
        if attempt.status == S.IN_PROGRESS:
            await self.plan_evidence()

    async def on_event(self, message):
        await self.in_thread(proctoring.room_event_record, attempt=await self.attempt(), candidate=self.person, kind=message.event)
        reply = {"type": "ack", "event": message.event}
        if message.seq is not None:
            reply["seq"] = message.seq
        await self.send_json(reply)

    async def on_submit(self, message):
        await self.in_thread(attempt_services.attempt_submit, attempt=await self.attempt(), candidate=self.person, hot=True)
        await self.send_state(seq=message.seq)

    # Pushes from the group --------------------------------------------------------------------

    async def room_peer(self, event):
        origin = event["origin"]
        if origin == self.channel_name:
            return
        if event["event"] == "bye":
            self.peers.discard(origin)
            return
        self.peers.add(origin)
        if event["event"] == "hello":
            await self.channel_layer.send(origin, {"type": "room.peer", "event": "here", "origin": self.channel_name})

    async def room_push(self, event):
        push = event["message"]
        if push["kind"] == "answered":
            # Another device of the same candidate answered: keep this one's paper in step.
            if event.get("origin") != self.channel_name:
                await self.send_json({"type": "answered", "question": push["question"], "options": push["options"]})
        elif push["kind"] == "status":
            # This connection may have made the move itself and already said so.
            if push["status"] != self.sent_status:
                await self.send_state()
        elif push["kind"] == "warning":
            await self.send_json({"type": "warning", "message": push["message"], "at": push["at"]})
        elif push["kind"] == "video":
            # The live video's state (exam.services.video): a hint for the candidate, never a wait.
            # With `setting`: a poor link is asked for a lower bandwidth (the page applies it).
            frame = {"type": "video", "status": push["status"], "state": push["state"], "message": push["message"]}
            if push.get("setting"):
                frame["setting"] = push["setting"]
            await self.send_json(frame)
        elif push["kind"] == "snapshot":
            await self.send_json({"type": "snapshot", "decision": push["decision"], "message": push["message"]})
            await self.plan_evidence()

    # What the room is told --------------------------------------------------------------------

    async def attempt(self):
        return await self.in_thread(selectors.own_attempt_get, person=self.person, attempt_id=self.attempt_id, hot=True)

    def tick(self, attempt, seq=None) -> dict:
        reply = {
            "type": "tick",
            "status": attempt.status,
            "server_time": timezone.now().isoformat(),
            "remaining_seconds": selectors.remaining_seconds(attempt),
        }
        if seq is not None:
            reply["seq"] = seq
        return reply

    async def send_state(self, seq: int | None = None, closing: bool = False) -> None:
        """Where the attempt stands, and what goes with it: the paper and the answers recorded
        while it is in progress, the result once graded, the reason once terminated. `closing`
        (a join) first closes an attempt whose time is up."""
        state = await self.in_thread(self._state, closing=closing, hot=True)
        self.sent_status = state["status"]
        if seq is not None:
            state["seq"] = seq
        await self.send_json(state)
        if state["status"] == S.IN_PROGRESS:
            self.watch_deadline(state["remaining_seconds"])
            await self.plan_evidence()
        else:
            for task in (self.deadline_task, self.evidence_task):
                if task:
                    task.cancel()
            self.deadline_task = self.evidence_task = None

    def _state(self, closing: bool = False) -> dict:
        attempt = selectors.own_attempt_get(self.person, self.attempt_id)
        if closing and _overdue(attempt):
            attempt_services.attempts_close_overdue(attempt_id=self.attempt_id)
            attempt = selectors.own_attempt_get(self.person, self.attempt_id)
        sitting, exam = attempt.sitting, attempt.sitting.exam
        state = {
            "type": "state",
            "attempt": attempt.pk,
            "status": attempt.status,
            "server_time": timezone.now().isoformat(),
            "exam": {"title": exam.title, "duration_minutes": exam.duration_minutes, "pass_mark": str(exam.pass_mark)},
            "sitting": {"starts_at": sitting.starts_at.isoformat(), "ends_at": sitting.ends_at.isoformat()},
        }
        if attempt.status == S.IN_PROGRESS:
            state.update(
                deadline=attempt.deadline.isoformat(),
                remaining_seconds=selectors.remaining_seconds(attempt),
                questions=selectors.paper_questions(attempt),
                answers=selectors.answers_of(attempt),
            )
        elif attempt.status == S.GRADED:
            state["result"] = selectors.result_of(attempt)
        elif attempt.status == S.TERMINATED:
            state["reason"] = selectors.termination_reason(attempt)
        return state

    async def plan_evidence(self) -> None:
        """Tell the candidate to take a snapshot when the server's request for one is due (a
        timer on this connection; the request itself is in the database, with its nonce). Sent
        again at the next heartbeat while it stays unanswered; the client answers a request once."""
        if self.evidence_task and not self.evidence_task.done():
            return
        request = await self.in_thread(proctoring.exam_evidence_next, attempt_id=self.attempt_id, hot=True)
        if request is None:
            return
        delay = max(0.0, (request.due_at - timezone.now()).total_seconds())
        message = {"type": "evidence", **request_as_json(request)}

        async def at_due():
            await asyncio.sleep(delay)
            await self.send_json(message)

        self.evidence_task = asyncio.ensure_future(at_due())

    def watch_deadline(self, remaining: float | None) -> None:
        """Close the attempt the moment its time is up, even if the candidate sends nothing. The
        periodic sweep does the same for candidates who are not connected."""
        if remaining is None or (self.deadline_task and not self.deadline_task.done()):
            return

        async def at_deadline():
            await asyncio.sleep(remaining + 0.05)
            await self.in_thread(attempt_services.attempts_close_overdue, attempt_id=self.attempt_id)

        self.deadline_task = asyncio.ensure_future(at_deadline())


def _overdue(attempt) -> bool:
    """Whether attempts_close_overdue would close this attempt now."""
    now = timezone.now()
    if attempt.status == S.IN_PROGRESS:
        return attempt.deadline is not None and attempt.deadline <= now
    return attempt.status in (S.CREATED, S.IDENTITY_VERIFIED) and attempt.sitting.ends_at <= now


class SittingWatchConsumer(_Base):
    """The proctor dashboard and the results pages of one sitting: /ws/exam/sittings/<id>/<view>/
    with view "board" (proctors) or "results" (anyone who sees the results). Server to client only:
    the full table on connect, then one row each time an attempt changes, and the board's time
    left every TICK_SECONDS."""

    async def connect(self):
        self.language = _language(self.scope)
        self.sitting = None
        self.ticker = None
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse("not_authenticated", CLOSE_UNAUTHENTICATED)
            return
        self.view = self.scope["url_route"]["kwargs"]["view"]
        getter = selectors.sitting_proctored_get if self.view == "board" else selectors.sitting_watched_get
        try:
            self.sitting = await database_sync_to_async(getter)(user, self.scope["url_route"]["kwargs"]["sitting_id"])
        except NotFoundError:
            self.sitting = None
            await self.refuse("sitting_not_found", CLOSE_NOT_FOUND)
            return
        await self.channel_layer.group_add(live.sitting_group(self.sitting.pk), self.channel_name)
        await self.accept()
        await self.send_rows(None)
        if self.view == "board":
            self.ticker = asyncio.ensure_future(self.tick())

    async def disconnect(self, code):
        if self.ticker:
            self.ticker.cancel()
        if self.sitting is not None:
            await self.channel_layer.group_discard(live.sitting_group(self.sitting.pk), self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        await self.error("read_only")

    async def sitting_changed(self, event):
        # attempt_id None: several attempts moved at once (the deadline sweep), the whole table.
        await self.send_rows(event["attempt_id"])

    async def send_rows(self, attempt_id) -> None:
        rows = await self.in_thread(self._rows, attempt_id=attempt_id)
        await self.send_json({"type": "rows" if attempt_id is None else "row", **rows})

    def _rows(self, attempt_id=None) -> dict:
        if self.view == "board":
            rows = selectors.board_rows(self.sitting, attempt_id=attempt_id)
        else:
            rows = selectors.result_rows(self.sitting, attempt_id=attempt_id)
        return {"rows": rows, "summary": selectors.results_summary(self.sitting), "server_time": timezone.now().isoformat()}

    async def tick(self):
        while True:
            await asyncio.sleep(TICK_SECONDS)
            await self.send_rows(None)
