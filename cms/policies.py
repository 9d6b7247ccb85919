"""Who may see the catalogue: everyone sees what is published and public; editing is Wagtail's
page permissions on each institution's own catalogue (cms.services.workspaces sets them up)."""

from django.db.models import QuerySet

from .models import CataloguePage, CoursePage, LessonPage


def courses_visible() -> QuerySet[CoursePage]:
    return CoursePage.objects.live().public()


def lessons_visible() -> QuerySet[LessonPage]:
    return LessonPage.objects.live().public()


def catalogues_visible() -> QuerySet[CataloguePage]:
    return CataloguePage.objects.live().public()
