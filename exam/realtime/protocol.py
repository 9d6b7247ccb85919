"""The exam room's WebSocket protocol: what a client may send, checked before anything is touched.

Pure functions, no database: `parse` turns one text frame into a `Message` or raises
`ProtocolError` with a stable code. docs/exam-protocol.md describes every message; keep the two
together.
"""

import json
import time
from dataclasses import dataclass, field

MAX_MESSAGE_BYTES = 4096
# A token bucket per connection: a burst of BURST messages, then RATE a second. A candidate
# clicking through a paper sends a few a second at most.
RATE = 5.0
BURST = 20
MAX_OPTIONS = 10
CLIENT_TYPES = {"join", "start", "answer", "heartbeat", "event", "submit"}
ROOM_EVENTS = {"focus_lost", "page_hidden", "fullscreen_left"}
# The server's clock alone times the exam: a message carrying one of these is refused.
CLOCK_FIELDS = {"time", "now", "timestamp", "ts", "at", "answered_at", "client_time", "deadline", "remaining_seconds", "server_time"}
SEQ_MAX = 2**31


class ProtocolError(Exception):
    def __init__(self, code: str, seq: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.seq = seq


@dataclass(frozen=True)
class Message:
    type: str
    seq: int | None = None
    question: int | None = None
    options: list[str] = field(default_factory=list)
    event: str = ""


def _seq(content: dict) -> int | None:
    seq = content.get("seq")
    if seq is None:
        return None
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq < SEQ_MAX:
        raise ProtocolError("field_invalid")
    return seq


def parse(text: str | None, binary: bytes | None = None) -> Message:
    """One client frame. Raises ProtocolError: binary_not_accepted, message_too_large, not_json,
    type_unknown, field_invalid, clock_not_accepted."""
    if binary is not None or text is None:
        raise ProtocolError("binary_not_accepted")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_MESSAGE_BYTES:
        raise ProtocolError("message_too_large")
    try:
        content = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("not_json")
    if not isinstance(content, dict):
        raise ProtocolError("not_json")
    seq = _seq(content)
    kind = content.get("type")
    if not isinstance(kind, str) or kind not in CLIENT_TYPES:
        raise ProtocolError("type_unknown", seq)
    if CLOCK_FIELDS & set(content):
        raise ProtocolError("clock_not_accepted", seq)
    if kind == "answer":
        question, options = content.get("question"), content.get("options")
        if isinstance(question, bool) or not isinstance(question, int) or not 0 < question < SEQ_MAX:
            raise ProtocolError("field_invalid", seq)
        if (
            not isinstance(options, list)
            or len(options) > MAX_OPTIONS
            or not all(isinstance(option, str) and 0 < len(option) <= 16 for option in options)
        ):
            raise ProtocolError("field_invalid", seq)
        return Message(type=kind, seq=seq, question=question, options=list(options))
    if kind == "event":
        event = content.get("event")
        if event not in ROOM_EVENTS:
            raise ProtocolError("field_invalid", seq)
        return Message(type=kind, seq=seq, event=event)
    return Message(type=kind, seq=seq)


class TokenBucket:
    def __init__(self, rate: float = RATE, burst: int = BURST, clock=time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = float(burst)
        self.stamp = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False
