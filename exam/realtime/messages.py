"""The codes the exam room and the sitting watchers send in their `error` frames: the protocol's
own and those of the services the room calls. docs/exam-protocol.md lists every one, and
tests/kaohe/test_errors.py checks both against exam/errors.py."""

from ..errors import ERRORS

ROOM_CODES = frozenset(
    {
        # the connection (exam.realtime.consumers)
        "not_authenticated",
        "attempt_not_found",
        "sitting_not_found",
        "rate_limited",
        "read_only",
        # a frame (exam.realtime.protocol)
        "binary_not_accepted",
        "message_too_large",
        "not_json",
        "type_unknown",
        "field_invalid",
        "clock_not_accepted",
        # the services behind start, answer, event and submit
        "attempt_move_illegal",
        "sitting_not_open",
        "attempt_closed",
        "attempt_expired",
        "question_not_on_paper",
        "option_invalid",
        "answer_invalid",
        "event_unknown",
    }
)


def error_message(code: str) -> str:
    """The code's words in the active language."""
    return ERRORS.message(code)
