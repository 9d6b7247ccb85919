"""The JSON API under /api/: session authentication with CSRF, and every error as
{"code": ..., "message": ...} with a 4xx status. Each app's router joins it in kaohe/urls.py."""

from django.http import Http404
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import SessionAuth

from kernel.errors import ERRORS as KERNEL_ERRORS
from kernel.errors import DomainError


class CsrfSessionAuth(SessionAuth):
    """Django's session, with Django's CSRF check on every unsafe method."""

    def _get_key(self, request):
        try:
            return super()._get_key(request)
        except HttpError:
            raise KERNEL_ERRORS.error("csrf_failed")


api = NinjaAPI(
    title="Kaohe API",
    version="1",
    description="考核 Kaohe: people, organisations, learning, exams. Errors are {code, message}.",
    auth=CsrfSessionAuth(),
    urls_namespace="api",
    # Served from /static/ninja/ (ninja is an installed app); no online validator badge either.
    docs=Swagger(settings={"validatorUrl": None}),
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
    return _domain_error(request, KERNEL_ERRORS.error("not_found"))


@api.exception_handler(AuthenticationError)
def _not_authenticated(request, error):
    return _domain_error(request, KERNEL_ERRORS.error("not_authenticated"))


# django-ninja's own refusals (an unreadable body, a throttle...), in the kernel's words and language.
HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "throttled",
}


@api.exception_handler(HttpError)
def _http_error(request, error: HttpError):
    code = HTTP_ERROR_CODES.get(error.status_code, HTTP_ERROR_CODES[400])
    return _error(request, code, KERNEL_ERRORS.message(code), error.status_code)


@api.exception_handler(ValidationError)
def _invalid(request, error: ValidationError):
    fields = [".".join(str(part) for part in item.get("loc", ())) for item in error.errors]
    refusal = KERNEL_ERRORS.error("invalid_request", fields=", ".join(fields) or "body")
    return _error(
        request,
        refusal.code,
        refusal.message,
        refusal.status,
        errors=[{"loc": item.get("loc"), "msg": item.get("msg")} for item in error.errors],
    )


