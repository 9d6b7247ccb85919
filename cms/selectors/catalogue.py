"""Reads of the published catalogue. Everything public is live pages only."""

from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from lms.models import Role
from lms.policies import member_ids

from ..models import CataloguePage, CoursePage, LessonPage
from ..policies import catalogues_visible, courses_visible, lessons_visible
from ..rules.credit import hours_for_minutes
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


@dataclass(frozen=True)
class CreditMismatch:
    """A live course whose declared 学时 is not what its live lessons can award."""

    course: CoursePage
    declared: Decimal
    lessons: Decimal  # the sum over its lessons of their 学时, each capped by its length


def credit_mismatches(courses) -> list[CreditMismatch]:
    """The courses among `courses` (live ones) whose 学时 differ from their lessons' (one query for
    the lessons)."""
    courses = [course for course in courses if course.live]
    if not courses:
        return []
    lessons = LessonPage.objects.live().filter(reduce(or_, (Q(path__startswith=course.path, depth=course.depth + 1) for course in courses)))
    awarded: dict[str, Decimal] = {}
    for path, hours, minutes in lessons.values_list("path", "credit_hours", "minutes"):
        course_path = path[: -LessonPage.steplen]
        awarded[course_path] = awarded.get(course_path, Decimal("0")) + min(hours, hours_for_minutes(minutes))
    found = []
    for course in courses:
        total = awarded.get(course.path, Decimal("0"))
        if total != course.credit_hours:
            found.append(CreditMismatch(course, course.credit_hours, total))
    return found
