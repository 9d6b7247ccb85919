"""Reasons people give for a change (a rejection, a revocation, an adjustment): one limit, one
refusal, and the platform's language for reasons the platform writes itself."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from .errors import FieldError

REASON_MAX = 300


def reason_clean(text, *, required: bool = True, minimum: int = 1, field: str = "reason") -> str:
    """A reason as given, stripped; refused (never cut) when missing, too short or too long."""
    value = str(text or "").strip()
    if required and len(value) < minimum:
        if minimum > 1:
            raise FieldError(
                field=field, code="reason_required",
                message=_("Give the reason (at least %(count)d characters).") % {"count": minimum},
            )
        raise FieldError(field=field, code="reason_required", message=_("Give a reason for this change."))
    if len(value) > REASON_MAX:
        raise FieldError(
            field=field, code="reason_too_long",
            message=_("The reason has at most %(count)d characters.") % {"count": REASON_MAX},
        )
    return value


def reason_of_platform(text) -> str:
    """A reason the platform writes (e.g. "time ran out"), kept in the platform's language (Chinese)
    whoever's request caused it."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text).strip()[:REASON_MAX]
