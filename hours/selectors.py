"""Reads of the learning record, scoped to the acting user."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from cms.models import CoursePage, LessonPage
from lms.models import Person, User
from lms.selectors import administered_enterprises

from .models import Enrolment, LessonProgress


@dataclass(frozen=True)
class CourseProgress:
    enrolment: Enrolment
    lessons: int
    completed: int

    @property
    def percent(self) -> int:
        return int(100 * self.completed / self.lessons) if self.lessons else 0


def person_of(user: User) -> Person:
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        raise Http404
    return person


def my_courses(person: Person) -> list[CourseProgress]:
    enrolments = list(
        Enrolment.objects.filter(person=person)
        .select_related("course", "course__institution")
        .annotate(completed=Count("progress", filter=Q(progress__completed_at__isnull=False)))
    )
    lesson_counts: dict[int, int] = {}
    for enrolment in enrolments:
        lesson_counts[enrolment.course_id] = LessonPage.objects.child_of(enrolment.course).live().count()
    return [
        CourseProgress(enrolment=e, lessons=lesson_counts[e.course_id], completed=e.completed) for e in enrolments
    ]


def enrolment_of(person: Person, course: CoursePage) -> Enrolment | None:
    return Enrolment.objects.filter(person=person, course=course).first()


def lesson_progress(person: Person, course: CoursePage) -> dict[int, LessonProgress]:
    return {
        progress.lesson_id: progress
        for progress in LessonProgress.objects.filter(enrolment__person=person, enrolment__course=course)
    }


def studyable_lesson(person: Person, lesson_id: int) -> LessonPage:
    """A live lesson of a course the person is enrolled in, or 404."""
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None or not Enrolment.objects.filter(person=person, course_id=lesson.get_parent().pk).exists():
        raise Http404
    return lesson


def assignable_employees(actor: User, enterprise_id: int) -> QuerySet[Person]:
    enterprise = administered_enterprises(actor).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise Http404
    return Person.objects.filter(employments__enterprise=enterprise, employments__end_date__isnull=True).order_by(
        "real_name"
    )
