"""Pages of the learning record: enrol, my courses, the study player, enterprise assignment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.models import CoursePage
from cms.selectors.catalogue import courses_browse
from kernel.browser import url_template
from kernel.errors import DomainError
from lms.selectors.organisations import organisation_get
from lms.selectors.people import person_of
from proctor.selectors.profiles import face_profile

from ... import services
from ...errors import ERRORS
from ...selectors import ledger
from ...selectors import study as selectors


@login_required
@require_POST
def enrol(request, course_id: int):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    person = getattr(request.user, "person", None)
    if person is None:
        messages.error(request, _("Only registered learners can enrol."))
        return redirect(course.url)
    enrolment, created = services.enrol(person=person, course=course)
    messages.success(
        request, _("You are enrolled in this course.") if created else _("You were already enrolled in this course.")
    )
    if enrolment.credential_id is None and course.credentials.exists():
        # Several credentials and none held: the learner says which one the study is for. (A
        # course that serves no credential has nothing to choose.)
        return redirect("hours:course_credential", course_id=course.pk)
    return redirect("hours:my_courses")


@login_required
def course_credential(request, course_id: int):
    """Which of the course's credentials the learner's study is for (学时计入的证书)."""
    person = person_of(request.user)
    enrolment = selectors.own_enrolment_get(person, course_id)
    choices = selectors.credential_choices(person, enrolment)
    error = None
    if request.method == "POST":
        chosen = next((c for c in choices if str(c.credential.pk) == request.POST.get("credential", "")), None)
        try:
            if chosen is None:
                raise ERRORS.error("credential_choice_required")
            services.enrolment_credential_choose(person=person, enrolment=enrolment, credential=chosen.credential)
        except DomainError as failure:
            error = failure.message
        else:
            messages.success(
                request,
                _("Your study of %(course)s now counts toward %(credential)s.")
                % {"course": enrolment.course.title, "credential": chosen.credential.name},
            )
            return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/hours/") else "hours:my_courses")
    return render(
        request,
        "hours/course_credential.html",
        {"enrolment": enrolment, "choices": choices, "error": error, "next": request.GET.get("next", "")},
    )


@login_required
@require_POST
def hours_reassign(request, entry_id: int):
    """The learner moves hours credited to a credential they do not hold to one they hold (once)."""
    person = person_of(request.user)
    credential = selectors.credential_or_none(request.POST.get("credential", ""))
    try:
        if credential is None:
            raise ERRORS.error("credential_required")
        entry = services.hours_entry_reassign(person=person, entry_id=entry_id, credential=credential)
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(
            request,
            _("%(hours)s hours now count toward %(credential)s.") % {"hours": entry.hours, "credential": credential.name},
        )
    return redirect("hours:my_hours")


@login_required
def my_courses(request):
    person = person_of(request.user)
    items = selectors.my_courses(person)
    following = selectors.next_lessons([item.enrolment for item in items])
    courses = [(item, following[item.enrolment.pk]) for item in items]
    return render(request, "hours/my_courses.html", {"courses": courses})


@login_required
def study(request, lesson_id: int):
    person = person_of(request.user)
    lesson = selectors.studyable_lesson(person, lesson_id)
    course = lesson.get_parent().specific
    progress = selectors.lesson_progress(person, course)
    lessons = [(item, progress.get(item.pk)) for item in course.get_children().live().specific()]
    enrolment = selectors.own_enrolment_get(person, course.pk)
    context = {
        "lesson": lesson,
        "course": course,
        "studying_for": selectors.studying_for(person, enrolment),
        "choices": selectors.credential_choices(person, enrolment),
        "lessons": lessons,
        "progress": progress.get(lesson.pk),
        "face_ready": face_profile(person).ready,
        "config": _player_config(lesson),
    }
    return render(request, "hours/study.html", context)


def _player_config(lesson) -> dict:
    """What the player needs: its lesson, the study API (the session's URLs are templates, filled
    in once the player has opened one) and its words."""
    return {
        "lesson": lesson.pk,
        "urls": {
            "sessions": reverse("api:session_open"),
            "heartbeat": url_template("api:heartbeat", session_id="session"),
            "snapshot": url_template("api:study_snapshot", session_id="session"),
            "close": url_template("api:session_close", session_id="session"),
            "snapshot_decision": url_template("api:snapshot_get", snapshot_id="snapshot"),
        },
        "words": {
            "superseded": _("You are studying in another window or device; this one has been paused."),
            "seek": _("You cannot skip ahead of what you have watched."),
            "error": _("The connection to the server failed; study time is not being recorded."),
            "complete": _("Lesson complete."),
            "no_camera": _(
                "No camera is available, or permission was refused: you can watch this lesson, but it earns no credit hours."
            ),
            "look": _("Paused for an identity check: look at the camera. Playback resumes when you are verified."),
            "verified": _("Identity verified."),
            "hold": _("Taking a snapshot for the identity check: look at the camera."),
            "turn_left": _("Now turn your head slowly to your left."),
            "turn_right": _("Now turn your head slowly to your right."),
        },
    }


@login_required
def my_hours(request):
    person = person_of(request.user)
    lessons = selectors.my_hours(person)
    context = {
        "lessons": lessons,
        "reassignable": selectors.reassignable_entries(person),
        "ledger": ledger.ledger_of(person),
        "totals": selectors.hours_totals(lessons),
        "certificates": ledger.my_certificate_hours(person),
        "face_ready": face_profile(person).ready,
    }
    return render(request, "hours/my_hours.html", context)


@login_required
def assign(request, enterprise_id: int):
    enterprise = organisation_get(request.user, enterprise_id)
    employees = selectors.assignable_employees(request.user, enterprise.pk)
    courses = courses_browse()
    error = None
    if request.method == "POST":
        chosen = request.POST.getlist("person")
        course = courses.filter(pk=request.POST.get("course") or 0).first()
        people = list(employees.filter(pk__in=[value for value in chosen if value.isdigit()]))
        if course is None:
            error = _("Choose a course.")
        elif len(people) != len(chosen):
            error = ERRORS.message("not_an_employee")
        else:
            try:
                enrolments = services.course_assign(actor=request.user, enterprise=enterprise, course=course, people=people)
            except DomainError as failure:
                error = failure.message
            else:
                messages.success(
                    request,
                    _("%(course)s was assigned to %(count)d employees.") % {"course": course.title, "count": len(enrolments)},
                )
                return redirect("lms:organisation_detail", pk=enterprise.pk)
    return render(
        request, "hours/assign.html", {"enterprise": enterprise, "employees": employees, "courses": courses, "error": error}
    )
