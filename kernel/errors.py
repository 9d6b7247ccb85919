"""The one base class for domain errors: a stable code for programs, a translated message for people.

Every refusal's code and message sit in one table per app, `<app>/errors.py`
(`ERRORS = Catalogue("<app>", {...})`), and a raise site names only the code:
`raise ERRORS.error("attempt_closed")`. The kernel's own codes are at the end of this module.
tests/kaohe/test_errors.py checks that every code raised is catalogued and documented in docs/errors.md
(`python manage.py errors_doc` writes it).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400

    def __init__(self, *, code: str, message: str, status: int | None = None, details: dict | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        # Extra facts a client can act on, e.g. the position a player must return to.
        self.details = details or {}
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message


class PermissionDeniedError(DomainError):
    status = 403


class NotFoundError(DomainError):
    """What the actor may not see is not found: ids of other tenants reveal nothing."""

    status = 404

    @classmethod
    def default(cls) -> "NotFoundError":
        return ERRORS.error("not_found")


class ConflictError(DomainError):
    status = 409


class FieldError(DomainError):
    """A domain error that belongs to one input field, so a form can show it beside that field."""

    def __init__(
        self, *, field: str, code: str, message: str, status: int | None = None, details: dict | None = None
    ) -> None:
        super().__init__(code=code, message=message, status=status, details=details)
        self.field = field


# The catalogues ---------------------------------------------------------------------------------

# The class a status maps to, so that `except NotFoundError` and the middleware keep working.
# Any other status (401, 413, 422, 429...) is a plain DomainError carrying it.
_CLASS_OF_STATUS: dict[int, type[DomainError]] = {
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
}


@dataclass(frozen=True)
class Refusal:
    """One code's message (lazily translated; may hold %(name)s placeholders) and HTTP status."""

    message: Promise
    status: int = 400


class Catalogue:
    """One app's refusals: every code it raises or reports, with its message and status."""

    def __init__(self, app: str, refusals: dict[str, Refusal]) -> None:
        if app in _CATALOGUES:
            raise ValueError(f"{app} already has a catalogue of errors")
        self.app = app
        self.refusals = dict(refusals)
        _CATALOGUES[app] = self

    def __contains__(self, code: str) -> bool:
        return code in self.refusals

    def __repr__(self) -> str:
        return f"Catalogue({self.app!r}, {len(self.refusals)} codes)"

    def refusal(self, code: str) -> Refusal:
        try:
            return self.refusals[code]
        except KeyError:
            raise LookupError(f"{code!r} is not in {self.app}/errors.py") from None

    def message(self, code: str, **params) -> str:
        """The code's message in the active language, its placeholders filled from `params`."""
        text = str(self.refusal(code).message)
        # A message with placeholders is always formatted, so a missing parameter fails loudly.
        return text % params if params or "%(" in text else text

    def error(
        self, code: str, *, field: str | None = None, details: dict | None = None, message: str | None = None, **params
    ) -> DomainError:
        """The exception to raise for `code`: the class its status maps to, or a FieldError when the
        refusal belongs to one input field. `message` replaces the catalogue's only where the words
        are composed elsewhere (Django's password validators, the face engine's advice, a list of
        shortfalls); the catalogue's message then says what the code means."""
        refusal = self.refusal(code)
        text = str(message) if message is not None else self.message(code, **params)
        if field is not None:
            return FieldError(field=field, code=code, message=text, status=refusal.status, details=details)
        cls = _CLASS_OF_STATUS.get(refusal.status, DomainError)
        return cls(code=code, message=text, status=refusal.status, details=details)

    def row(self, code: str, *, message: str | None = None, **params) -> dict:
        """A row-level problem of an import report: {"code", "message"}, stored as it is."""
        return {"code": code, "message": str(message) if message is not None else self.message(code, **params)}

    def validation_error(self, code: str, **params) -> ValidationError:
        """The same refusal for Django's validators and forms."""
        return ValidationError(self.message(code, **params), code=code)


_CATALOGUES: dict[str, Catalogue] = {}


def catalogues() -> dict[str, Catalogue]:
    """Every app's catalogue, by app label (each installed app's `errors` module is imported)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("errors")
    return dict(_CATALOGUES)


def catalogued(code: str) -> bool:
    return any(code in catalogue for catalogue in catalogues().values())


# The kernel's own codes: uploads, reasons, identifiers, and the API's edges ------------------------

ERRORS = Catalogue(
    "kernel",
    {
        # kernel.tables: an uploaded table (XLSX or CSV)
        "file_empty": Refusal(_("The file is empty.")),
        "file_too_large": Refusal(_("The file is larger than %(size)d MB; split it into several files."), 413),
        "file_unpacked_too_large": Refusal(
            _("The workbook expands to more than %(size)d MB when opened; split it into several files."), 413
        ),
        "too_many_cells": Refusal(_("The sheet has more than %(count)d cells; keep only the template's columns and rows.")),
        "file_type_unsupported": Refusal(_("Only Excel workbooks (.xlsx) and CSV files can be uploaded.")),
        "file_unreadable": Refusal(
            _("This file cannot be read. Upload an Excel workbook (.xlsx) or a CSV file saved from the template.")
        ),
        "too_many_rows": Refusal(_("A file has at most %(count)d rows; split it into several files.")),
        # kernel.images: an uploaded photo
        "image_empty": Refusal(_("The file is empty.")),
        "image_too_large": Refusal(_("The image is larger than %(mb)d MB.")),
        "image_too_many_pixels": Refusal(_("The image has too many pixels.")),
        "image_unsupported": Refusal(_("Only JPEG, PNG and WebP images are accepted.")),
        "image_corrupt": Refusal(_("The file is not a readable image (it may be damaged or cut short).")),
        # kernel.reasons: the reason given for a change
        "reason_required": Refusal(_("Give a reason for this change.")),
        "reason_too_short": Refusal(_("Give the reason (at least %(count)d characters).")),
        "reason_too_long": Refusal(_("The reason has at most %(count)d characters.")),
        # kernel.validators: Chinese identifiers
        "id_number_format": Refusal(_("An ID number has 18 characters: 17 digits and a digit or X.")),
        "id_number_region": Refusal(_("The region code of this ID number does not exist.")),
        "id_number_birth_date": Refusal(_("The birth date in this ID number is not possible.")),
        "id_number_check": Refusal(_("The check character of this ID number is wrong; please check every digit.")),
        "credit_code_format": Refusal(
            _("A unified social credit code has 18 characters: digits and capital letters except I, O, Z, S and V.")
        ),
        "credit_code_check": Refusal(_("The check character of this unified social credit code is wrong.")),
        "mobile_format": Refusal(_("Enter a mainland mobile number: 11 digits starting with 1.")),
        # Every app's selectors, and the API (kaohe.api)
        "not_found": Refusal(_("Not found, or you may not see it."), 404),
        "not_authenticated": Refusal(_("Log in first."), 401),
        "forbidden": Refusal(_("You may not do this."), 403),
        "csrf_failed": Refusal(_("The security token is missing or wrong; reload the page and try again."), 403),
        "method_not_allowed": Refusal(_("This method is not allowed here."), 405),
        "throttled": Refusal(_("Too many requests: wait a moment and try again."), 429),
        "bad_request": Refusal(_("The request cannot be read."), 400),
        # kernel.middleware.RequestGuardMiddleware: every request, before any view
        "request_nul_byte": Refusal(
            _("The request contains a NUL character (\\0), which no text may hold; remove it and try again."), 400
        ),
        "request_too_large": Refusal(_("The request is larger than %(size)d MB."), 413),
        "invalid_request": Refusal(_("The request is not valid: %(fields)s"), 422),
    },
)
