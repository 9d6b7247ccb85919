"""Reasons people give for a change (a rejection, a revocation, an adjustment): one limit, one
refusal, and the platform's language for reasons the platform writes itself."""

from django.conf import settings
from django.utils import translation

from .errors import ERRORS

REASON_MAX = 300


def reason_clean(text, *, required: bool = True, minimum: int = 1, field: str = "reason") -> str:
    """A reason as given, stripped; refused (never cut) when missing, too short or too long."""
    value = str(text or "").strip()
    if required and not value:
        raise ERRORS.error("reason_required", field=field)
    if required and len(value) < minimum:
        raise ERRORS.error("reason_too_short", field=field, count=minimum)
    if len(value) > REASON_MAX:
        raise ERRORS.error("reason_too_long", field=field, count=REASON_MAX)
    return value


def reason_of_platform(text) -> str:
    """A reason the platform writes (e.g. "time ran out"), kept in the platform's language (Chinese)
    whoever's request caused it."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text).strip()[:REASON_MAX]
