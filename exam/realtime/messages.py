"""The words for the room's protocol-level error codes (the services' errors carry their own)."""

from django.utils.translation import gettext as _


def error_message(code: str) -> str:
    messages = {
        "not_authenticated": _("Log in to enter the exam room."),
        "attempt_not_found": _("There is no such attempt."),
        "sitting_not_found": _("There is no such sitting."),
        "binary_not_accepted": _("The exam room accepts text messages only."),
        "message_too_large": _("This message is too large."),
        "not_json": _("This message is not valid JSON."),
        "type_unknown": _("This type of message is not known."),
        "field_invalid": _("A field of this message is missing or invalid."),
        "clock_not_accepted": _("The exam is timed by the server's clock: do not send times."),
        "rate_limited": _("Too many messages: slow down."),
        "read_only": _("This page only receives updates."),
    }
    return messages.get(code, _("This message could not be handled."))
