"""Wagtail's hooks: documents (lesson videos and attachments) are served only to whom
cms.policies.can_fetch_document allows. The serving itself, with HTTP Range, is
cms.web.views.document_serve (Wagtail's view sends whole files and its hooks cannot return a
streaming response)."""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseForbidden
from wagtail import hooks

from . import policies


@hooks.register("before_serve_document")
def document_access(document, request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not policies.can_fetch_document(request.user, document):
        return HttpResponseForbidden()
    return None
