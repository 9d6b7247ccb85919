"""Edges that hold for every page."""

import re
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

from .errors import ERRORS, DomainError, NotFoundError, PermissionDeniedError

_JSON_NUL = re.compile(rb"(?<!\\)\\u0000", re.IGNORECASE)


def body_limit(path: str) -> int:
    """The largest request body this path accepts: REQUEST_BODY_MAX_BYTES, or a larger limit
    for the prefixes in REQUEST_BODY_MAX_BYTES_BY_PREFIX (the editors' admin, which uploads videos)."""
    for prefix, limit in getattr(settings, "REQUEST_BODY_MAX_BYTES_BY_PREFIX", {}).items():
        if path.startswith(prefix):
            return limit
    return settings.REQUEST_BODY_MAX_BYTES


def _has_nul(request) -> bool:
    if "\x00" in request.path or "\x00" in unquote_plus(request.META.get("QUERY_STRING", "")):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        return b"\x00" in request.body or b"%00" in request.body
    if content_type == "application/json" or content_type.endswith("+json"):
        return b"\x00" in request.body or bool(_JSON_NUL.search(request.body))
    if content_type == "multipart/form-data":
        # Files may hold any byte; the fields and the names (of fields and files) may not.
        fields = [(key, value) for key, values in request.POST.lists() for value in values]
        names = [upload.name or "" for uploads in request.FILES.lists() for upload in uploads[1]]
        return any("\x00" in key or "\x00" in str(value) for key, value in fields) or any(
            "\x00" in name for name in names + list(request.FILES.keys())
        )
    return False


class RequestGuardMiddleware:
    """Bad input is refused once, here, before any view: a body larger than the path's limit (by its
    Content-Length, before a byte of it is read: 413), and a NUL character anywhere a value can
    carry one (the path, the query string, form fields, JSON strings: 400), which PostgreSQL
    refuses to store or compare and which no honest client sends; and a multipart body that cannot
    be read (400). Pages get the refusal page, the API its {code, message}."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self.refuse(request, ERRORS.error("bad_request"))
        limit = body_limit(request.path)
        if length > limit:
            return self.refuse(request, ERRORS.error("request_too_large", size=max(1, limit // (1024 * 1024))))
        try:
            nul = _has_nul(request)
        except MultiPartParserError:
            # A multipart body that cannot be read (no boundary, a broken part): the user's error
            # in their language and in the API's shape, not Django's bare English 400 page.
            return self.refuse(request, ERRORS.error("bad_request"))
        if nul:
            return self.refuse(request, ERRORS.error("request_nul_byte"))
        return self.get_response(request)

    @staticmethod
    def refuse(request, error: DomainError):
        if request.path.startswith("/api/"):
            return JsonResponse({"code": error.code, "message": error.message}, status=error.status)
        return render(request, "frontend/refused.html", {"message": error.message, "code": error.code}, status=error.status)


class DomainErrorMiddleware:
    """A domain error that reaches a page unhandled is the user's error, never a 500: not found and
    forbidden become Django's 404 and 403, any other refusal a page that says why. (The API turns
    them into {code, message} itself.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFoundError):
            return response_for_exception(request, Http404(exception.message))
        if isinstance(exception, PermissionDeniedError):
            return response_for_exception(request, PermissionDenied(exception.message))
        if isinstance(exception, DomainError):
            return render(
                request,
                "frontend/refused.html",
                {"message": exception.message, "code": exception.code},
                status=exception.status,
            )
        return None
