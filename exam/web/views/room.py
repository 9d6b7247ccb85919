"""Pages of the exam room: the candidate's exams, the room (identity check, then the paper over
WebSocket), the review of a graded attempt; the proctor dashboard and the results of a sitting,
both live over WebSocket; the proctor's actions."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hours.services import certificates as certificate_services
from kernel.browser import url_template
from kernel.errors import DomainError
from lms.selectors.people import person_of
from proctor.selectors.profiles import face_profile

from ...models import AttemptStatus
from ...rules.distribution import score_bands
from ...policies import can_issue_certificates
from ...realtime.consumers import FINAL_CLOSE_CODES
from ...realtime.routing import attempt_socket_path, sitting_socket_path
from ...selectors import results as result_selectors
from ...selectors import room as selectors
from ...services import attempts as attempt_services
from ...services import proctoring
from ...services.proctoring import IDENTITY_TRIES
from ...services import video as video_services

S = AttemptStatus


@login_required
def my_exams(request):
    person = person_of(request.user)
    return render(
        request,
        "exam/room/my_exams.html",
        {"sittings": selectors.candidate_sittings(person), "face_ready": face_profile(person).ready},
    )


@login_required
@require_POST
def enter(request, sitting_id: int):
    """The candidate enters the room: their attempt and their own paper are made now."""
    person = person_of(request.user)
    entry = selectors.candidate_sitting_get(person, sitting_id)
    if entry.attempt is None:
        try:
            attempt = attempt_services.attempt_create(sitting=entry.sitting, candidate=person)
        except DomainError as failure:
            messages.error(request, failure.message)
            return redirect("exam:my_exams")
    else:
        attempt = entry.attempt
    return redirect("exam:room", attempt_id=attempt.pk)


@login_required
def room(request, attempt_id: int):
    person = person_of(request.user)
    attempt = selectors.own_attempt_get(person, attempt_id)
    return render(
        request,
        "exam/room/room.html",
        {
            "attempt": attempt,
            "exam": attempt.sitting.exam,
            "sitting": attempt.sitting,
            "face_ready": face_profile(person).ready,
            "tries": IDENTITY_TRIES,
            "tries_left": max(0, IDENTITY_TRIES - attempt.identity_failures),
            "config": {
                "attempt": attempt.pk,
                "status": attempt.status,
                "referred": bool(attempt.identity_referred_at),
                "socket": _socket(attempt_socket_path(attempt.pk)),
                "urls": {
                    "identity_request": reverse("api:identity_request", kwargs={"attempt_id": attempt.pk}),
                    "identity": reverse("api:identity_check", kwargs={"attempt_id": attempt.pk}),
                    "snapshot": reverse("api:exam_snapshot", kwargs={"attempt_id": attempt.pk}),
                    "video_offer": reverse("api:exam_video_offer", kwargs={"attempt_id": attempt.pk}),
                },
                "ice_servers": video_services.ice_servers(),
                "words": _room_words(),
            },
        },
    )


def _socket(path: str) -> dict:
    """A socket for the page's script: where, and after which closes reconnecting cannot help."""
    return {"path": path, "final_close_codes": list(FINAL_CLOSE_CODES)}


def _room_words() -> dict[str, str]:
    return {
        "single": _("Single choice"),
        "multiple": _("Multiple choice"),
        "true_false": _("True or false"),
        "points": _("points"),
        "saving": _("Saving…"),
        "saved": _("All answers saved"),
        "passed": _("Passed"),
        "failed": _("Not passed"),
        "confirm_submit": _("Submit the paper now? You cannot change your answers afterwards."),
        "turn_left": _("Now turn your head slowly to your left."),
        "turn_right": _("Now turn your head slowly to your right."),
        "unanswered": _("Unanswered questions"),
        "terminated": _("The proctor ended this attempt"),
        "expired": _("This attempt expired"),
        "checking": _("Checking…"),
        "no_camera": _("No camera is available: allow the camera, or ask the proctor."),
        "video_live": _("Live video: on"),
        "video_down": _("Live video is off: the exam goes on with snapshots."),
        "pass_mark": _("Pass mark"),
        "submitted": _("Submitted"),
        "question_number": _("Question %(number)s"),
        "flag": _("Mark for review"),
        "unflag": _("Marked"),
        "submit_ok": _("Submit the paper"),
        "all_answered": _("Every question is answered."),
        "unanswered_list": _("Not yet answered: questions %(numbers)s."),
        "flagged_list": _("Marked for review: questions %(numbers)s."),
        "online": _("Connected"),
        "offline": _("Reconnecting…"),
    }


@login_required
def review(request, attempt_id: int):
    person = person_of(request.user)
    attempt = selectors.own_attempt_get(person, attempt_id)
    questions = selectors.review_of(attempt)
    return render(
        request,
        "exam/room/review.html",
        {
            "attempt": attempt,
            "exam": attempt.sitting.exam,
            "questions": questions,
            "opens_at": selectors.review_opens_at(attempt),
            "result": selectors.result_of(attempt),
        },
        status=200 if questions is not None else 403,
    )


# Proctors and results ---------------------------------------------------------------------------


@login_required
def board(request, sitting_id: int):
    sitting = selectors.sitting_proctored_get(request.user, sitting_id)
    return render(
        request,
        "exam/room/board.html",
        {
            "sitting": sitting,
            "rows": selectors.board_rows(sitting),
            "summary": selectors.results_summary(sitting),
            "config": {
                "view": "board",
                "socket": _socket(sitting_socket_path(sitting.pk, "board")),
                "urls": {
                    # The forms of a row: data-action in the template names its URL here.
                    "actions": {
                        "warn": url_template("exam:warn", attempt_id="attempt"),
                        "terminate": url_template("exam:terminate", attempt_id="attempt"),
                        "confirm-identity": url_template("exam:confirm_identity", attempt_id="attempt"),
                    },
                    "video": url_template("exam:video", attempt_id="attempt"),
                    "video_frame": url_template("exam:video_frame", attempt_id="attempt"),
                    "video_clip": url_template("exam:video_clip", attempt_id="attempt", clip_id="clip"),
                },
                "words": _watch_words(),
            },
        },
    )


@login_required
def results(request, sitting_id: int):
    sitting = selectors.sitting_watched_get(request.user, sitting_id)
    rows = selectors.result_rows(sitting)
    summary = selectors.results_summary(sitting)
    max_score = selectors.sitting_max_score(sitting)
    bands = score_bands([Decimal(row["score"]) for row in rows if row["score"] is not None], max_score) if max_score else []
    return render(
        request,
        "exam/room/results.html",
        {
            "sitting": sitting,
            "rows": rows,
            "summary": summary,
            # The charts: the same numbers as the table and the summary.
            "bands": [(label, count) for label, count, _low in bands],
            "pass_from": next((low for _label, _count, low in bands if low >= sitting.exam.pass_mark), None),
            "config": {
                "view": "results",
                "socket": _socket(sitting_socket_path(sitting.pk, "results")),
                "urls": {},
                "words": _watch_words(),
            },
            "can_issue": can_issue_certificates(request.user, sitting),
        },
    )


def _watch_words() -> dict[str, str]:
    return {
        "live": _("Live: updates appear as they happen."),
        "offline": _("Connection lost: reconnecting…"),
        "passed": _("Passed"),
        "failed": _("Not passed"),
        "video": _("Video"),
        "video_live": _("Watch the video"),
        "video_down": _("Video off: last frames"),
        "clip": _("Clip"),
    }


def _proctor_action(request, attempt_id: int, action) -> object:
    attempt = selectors.attempt_proctored_get(request.user, attempt_id)
    try:
        action(attempt)
    except DomainError as failure:
        messages.error(request, failure.message)
    return redirect("exam:board", sitting_id=attempt.sitting_id)


@login_required
@require_POST
def warn(request, attempt_id: int):
    def action(attempt):
        proctoring.proctor_warn(actor=request.user, attempt=attempt, message=request.POST.get("message", ""))
        messages.success(request, _("The warning was sent."))

    return _proctor_action(request, attempt_id, action)


@login_required
@require_POST
def terminate(request, attempt_id: int):
    def action(attempt):
        proctoring.proctor_terminate(actor=request.user, attempt=attempt, reason=request.POST.get("reason", ""))
        messages.success(request, _("The attempt was ended."))

    return _proctor_action(request, attempt_id, action)


@login_required
@require_POST
def confirm_identity(request, attempt_id: int):
    def action(attempt):
        proctoring.identity_confirm(actor=request.user, attempt=attempt, note=request.POST.get("note", ""))
        messages.success(request, _("The candidate's identity was confirmed."))

    return _proctor_action(request, attempt_id, action)


@login_required
@require_POST
def issue_certificates(request, sitting_id: int):
    """Issue certificates to the sitting's passers (the authority checks each as usual)."""
    sitting = selectors.sitting_proctored_get(request.user, sitting_id)
    passed = [row.person for row in result_selectors.passed_candidates(sitting)]
    if not passed:
        messages.error(request, _("Nobody has passed this sitting yet."))
        return redirect("exam:results", sitting_id=sitting.pk)
    try:
        report = certificate_services.certificates_issue(
            actor=request.user,
            authority=sitting.authority,
            credential=sitting.exam.credential,
            people=passed,
            issued_on=timezone.localdate(),
        )
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        summary = _("%(issued)d certificates issued, %(skipped)d not issued.") % {
            "issued": len(report.issued), "skipped": len(report.skipped)
        }
        if report.skipped:
            # A skip is never a success: the summary and each person's reason, as warnings.
            messages.warning(request, summary)
            for item in report.skipped:
                messages.warning(request, _("%(person)s: not issued. %(reason)s") % {"person": item.label, "reason": item.reason})
        else:
            messages.success(request, summary)
    return redirect("exam:results", sitting_id=sitting.pk)
