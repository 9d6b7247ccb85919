"""The public course catalogue: anyone may look, no login needed."""

from django.core.paginator import Paginator
from django.shortcuts import render

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
