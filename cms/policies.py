"""Who may see the catalogue: everyone sees what is published and public; editing is Wagtail's
page permissions on each institution's own catalogue (cms.services.workspaces sets them up)."""

from django.db.models import Q, QuerySet

from kernel import hooks

from .models import CataloguePage, CoursePage, LessonPage


def courses_visible() -> QuerySet[CoursePage]:
    return CoursePage.objects.live().public()


def lessons_visible() -> QuerySet[LessonPage]:
    return LessonPage.objects.live().public()


def catalogues_visible() -> QuerySet[CataloguePage]:
    return CataloguePage.objects.live().public()


def lesson_courses_of_document(document) -> list[int]:
    """The courses whose lessons use this document (as the video or an attachment)."""
    lessons = LessonPage.objects.filter(Q(video=document) | Q(attachments__document=document)).distinct()
    return sorted({lesson.get_parent().pk for lesson in lessons})


def can_fetch_document(actor, document) -> bool:
    """Lesson media (a lesson's video or attachment) is for the learners enrolled in one of its
    courses (the learning app answers through the slot "cms.course_access") and for staff: the
    editors who may change the document in its collection (the institution's staff) and
    superusers. Any other document is for people who are logged in."""
    if not getattr(actor, "is_authenticated", False):
        return False
    courses = lesson_courses_of_document(document)
    if not courses:
        return True
    from wagtail.documents import get_document_model
    from wagtail.permissions import policy_registry

    documents = policy_registry.get_by_type(get_document_model())
    if actor.is_superuser or documents.user_has_permission_for_instance(actor, "change", document):
        return True
    return any(hooks.collect("cms.course_access", user=actor, course_ids=courses))
