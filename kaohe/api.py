"""The JSON API under /api/: session authentication with CSRF, and every error as
{"code": ..., "message": ...} with a 4xx status. Each app's router joins it in kaohe/urls.py."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import SessionAuth

from kernel.errors import DomainError


class CsrfSessionAuth(SessionAuth):
    """Django's session, with Django's CSRF check on every unsafe method."""

    def _get_key(self, request):
        try:
            return super()._get_key(request)
        except HttpError:
            raise DomainError(
                code="csrf_failed",
                message=_("The security token is missing or wrong; reload the page and try again."),
                status=403,
            )


api = NinjaAPI(
    title="Kaohe API",
    version="1",
    description="考核 Kaohe: people, organisations, learning, exams. Errors are {code, message}.",
    auth=CsrfSessionAuth(),
    urls_namespace="api",
)


def _error(request, code: str, message: str, status: int, **extra):
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(DomainError)
def _domain_error(request, error: DomainError):
    extra = {"field": error.field} if getattr(error, "field", None) else {}
    extra.update(error.details)
    return _error(request, error.code, error.message, error.status, **extra)


@api.exception_handler(Http404)
def _not_found(request, error):
    return _error(request, "not_found", _("Not found, or you may not see it."), 404)


@api.exception_handler(AuthenticationError)
def _not_authenticated(request, error):
    return _error(request, "not_authenticated", _("Log in first."), 401)


@api.exception_handler(HttpError)
def _http_error(request, error: HttpError):
    codes = {401: "not_authenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 429: "throttled"}
    return _error(request, codes.get(error.status_code, "bad_request"), str(error), error.status_code)


@api.exception_handler(ValidationError)
def _invalid(request, error: ValidationError):
    fields = [".".join(str(part) for part in item.get("loc", ())) for item in error.errors]
    return _error(
        request,
        "invalid_request",
        _("The request is not valid: %(fields)s") % {"fields": ", ".join(fields) or "body"},
        422,
        errors=[{"loc": item.get("loc"), "msg": item.get("msg")} for item in error.errors],
    )


