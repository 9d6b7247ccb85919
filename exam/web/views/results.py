"""The scores page of a sitting: every candidate's parts and outcome; an examiner enters practical
or venue scores (or 缺考), the authority uploads them as a table, locks them and compiles the pass
list for the province's confirmation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.errors import DomainError
from kernel.tables import max_file_bytes
from lms.models import Person

from ... import policies
from ...models import ScoreSheetStatus, TheoryMode
from ...selectors import results as selectors
from ...selectors import room as room_selectors
from ...services import results as services


def _page(request, sitting, *, report=None):
    exam = sitting.exam
    return render(
        request,
        "exam/room/scores.html",
        {
            "sitting": sitting,
            "exam": exam,
            "rows": selectors.candidate_results(sitting),
            "sheet_status": selectors.score_sheet_status(sitting),
            "locked": selectors.score_sheet_status(sitting) == ScoreSheetStatus.LOCKED,
            "venue_theory": exam.theory_mode == TheoryMode.VENUE,
            "scored_here": exam.theory_mode == TheoryMode.VENUE or exam.has_practical,
            "may_enter": policies.can_proctor(request.user, sitting),
            "may_manage": policies.can_manage_sitting(request.user, sitting),
            "report": report,
        },
    )


@login_required
def scores(request, sitting_id: int):
    return _page(request, room_selectors.sitting_watched_get(request.user, sitting_id))


@login_required
@require_POST
def score_enter(request, sitting_id: int):
    sitting = room_selectors.sitting_proctored_get(request.user, sitting_id)
    person = Person.objects.filter(pk=request.POST.get("person") or 0, exam_sittings=sitting).first() if str(request.POST.get("person", "")).isdigit() else None
    try:
        if person is None:
            raise services.ERRORS.error("candidate_unknown")
        services.part_score_enter(
            actor=request.user, sitting=sitting, person=person, part=request.POST.get("part", ""),
            value=request.POST.get("value", ""),
        )
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("The score of %(name)s was saved.") % {"name": person.real_name})
    return redirect("exam:scores", sitting_id=sitting.pk)


@login_required
@require_POST
def scores_upload(request, sitting_id: int):
    sitting = room_selectors.sitting_watched_get(request.user, sitting_id)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise services.ERRORS.error("score_columns_missing")
        report = services.scores_upload(
            actor=request.user, sitting=sitting, file_name=upload.name, data=upload.read(max_file_bytes() + 1)
        )
    except DomainError as failure:
        messages.error(request, failure.message)
        return redirect("exam:scores", sitting_id=sitting.pk)
    return _page(request, sitting, report=report)


@login_required
@require_POST
def scores_lock(request, sitting_id: int):
    sitting = room_selectors.sitting_watched_get(request.user, sitting_id)
    try:
        services.score_sheet_transition(sitting=sitting, to=ScoreSheetStatus.LOCKED, actor=request.user)
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("The scores are locked: they are final."))
    return redirect("exam:scores", sitting_id=sitting.pk)


@login_required
@require_POST
def pass_list_compile(request, sitting_id: int):
    sitting = room_selectors.sitting_watched_get(request.user, sitting_id)
    try:
        pass_list = services.pass_list_compile(actor=request.user, sitting=sitting)
    except DomainError as failure:
        messages.error(request, failure.message)
        return redirect("exam:scores", sitting_id=sitting.pk)
    messages.success(request, _("The pass list was sent to the province for confirmation."))
    return redirect(reverse("hours:pass_list", args=[pass_list.pk]))
