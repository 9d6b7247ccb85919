"""Reads of the published catalogue. Everything public is live pages only."""

from django.db.models import QuerySet

from lms.models import Role
from lms.policies import member_ids

from ..models import CataloguePage, CoursePage, LessonPage
from ..policies import catalogues_visible, courses_visible, lessons_visible
from ..rules.search import cjk_query


def courses_browse(
    *, credential: str = "", category: str = "", institution: int | None = None, query: str = ""
) -> QuerySet[CoursePage]:
    courses = courses_visible().select_related("institution").prefetch_related("credentials")
    if credential:
        courses = courses.filter(credentials__code=credential)
    if category:
        courses = courses.filter(category=category)
    if institution:
        courses = courses.filter(institution_id=institution)
    if query.strip():
        terms = cjk_query(query)
        matches = courses_visible().search(terms, operator="and") if terms else []
        courses = courses.filter(pk__in=[match.pk for match in matches])
    return courses.distinct().order_by("institution__name", "path")


def catalogue_courses(catalogue: CataloguePage) -> QuerySet[CoursePage]:
    return courses_visible().child_of(catalogue).prefetch_related("credentials")


def course_lessons(course: CoursePage) -> QuerySet[LessonPage]:
    return lessons_visible().child_of(course).order_by("path")


def catalogues() -> QuerySet[CataloguePage]:
    return catalogues_visible().select_related("institution").order_by("institution__name")


def workspace_courses(actor) -> QuerySet[CoursePage]:
    """The courses of the catalogues the actor's institutions edit (live or draft), newest change first."""
    institutions = member_ids(actor, Role.INSTITUTION_STAFF)
    return CoursePage.objects.filter(institution_id__in=institutions).order_by("-latest_revision_created_at", "-pk")


def workspace_catalogue_ids(actor) -> list[int]:
    return list(CataloguePage.objects.filter(institution_id__in=member_ids(actor, Role.INSTITUTION_STAFF)).values_list("pk", flat=True))
