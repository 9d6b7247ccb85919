"""Edges that hold for every page."""

from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import Http404
from django.shortcuts import render

from .errors import DomainError, NotFoundError, PermissionDeniedError


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
