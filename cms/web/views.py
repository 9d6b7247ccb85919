"""The public course catalogue: anyone may look, no login needed. Documents (lesson media) are
served only to whom cms.policies allows."""

from django.core.paginator import Paginator
from django.http import Http404
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from wagtail import hooks as wagtail_hooks
from wagtail.documents import get_document_model

from kernel.ranged import ranged_file_response
from lms.models import Credential

from ..models import KnowledgeCategory
from ..selectors import catalogue as selectors


def course_list(request):
    filters = {
        "credential": request.GET.get("credential", ""),
        "category": request.GET.get("category", ""),
        "institution": request.GET.get("institution", ""),
        "query": request.GET.get("q", "").strip()[:100],
    }
    institution = int(filters["institution"]) if filters["institution"].isdigit() else None
    courses = selectors.courses_browse(
        credential=filters["credential"],
        category=filters["category"] if filters["category"] in KnowledgeCategory.values else "",
        institution=institution,
        query=filters["query"],
    )
    page = Paginator(courses, 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "credentials": Credential.objects.all(),
        "categories": KnowledgeCategory.choices,
        "catalogues": selectors.catalogues(),
    }
    return render(request, "cms/course_list.html", context)


def document_serve(request, document_id: int, document_filename: str):
    """A Wagtail document at Wagtail's own address (/documents/<id>/<filename>), after every
    `before_serve_document` hook (cms.wagtail_hooks.document_access, Wagtail's collection
    restrictions), streamed with HTTP Range so that a long lesson video seeks."""
    document = get_object_or_404(get_document_model(), id=document_id)
    if document.filename != document_filename:
        raise Http404
    for hook in wagtail_hooks.get_hooks("before_serve_document"):
        result = hook(document, request)
        if isinstance(result, HttpResponseBase):
            return result
    file = document.file
    response = ranged_file_response(
        request,
        open_file=lambda: file.open("rb"),
        size=file.size,
        content_type=document.content_type,
        filename=document.filename,
        attachment=document.content_disposition != "inline" and not document.content_type.startswith("video/"),
    )
    response["Content-Security-Policy"] = "default-src 'none'"  # as Wagtail's own view: nothing in it runs
    return response
