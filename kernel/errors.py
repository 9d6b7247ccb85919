"""The one base class for domain errors: a stable code for programs, a translated message for people."""


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
    def default(cls, code: str = "not_found") -> "NotFoundError":
        from django.utils.translation import gettext as _

        return cls(code=code, message=_("Not found, or you may not see it."))


class ConflictError(DomainError):
    status = 409


class FieldError(DomainError):
    """A domain error that belongs to one input field, so a form can show it beside that field."""

    def __init__(self, *, field: str, code: str, message: str, status: int | None = None) -> None:
        super().__init__(code=code, message=message, status=status)
        self.field = field
