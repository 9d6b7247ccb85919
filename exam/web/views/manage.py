"""Management pages of exams: the question bank (list, create, edit with versions, import and its
template), exams with their blueprint, and sittings with their candidates. Each view parses,
authorises, calls one service and renders; the services check permissions again."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.errors import DomainError, NotFoundError
from kernel.tables import max_file_bytes
from lms.models import Person

from ... import policies
from ...models import QuestionKind
from ...policies import can_proctor
from ...selectors import manage as selectors
from ...services import bank as bank_services
from ...services import exams as exam_services
from ...services import sittings as sitting_services
from ..forms import (
    BankImportForm,
    BlueprintFormSet,
    CandidatesAddForm,
    ExamForm,
    QuestionForm,
    SittingForm,
)

PAGE_SIZE = 25
# Refusals of the candidate list that the form explains; any other is a message above the page.
INPUT_ERRORS = {"id_numbers_missing", "too_many_id_numbers"}

TEMPLATE_ROWS = [
    [
        "单选", "法律法规", "《中华人民共和国安全生产法》规定，生产经营单位的主要负责人是本单位安全生产的（ ）。",
        "第一责任人", "直接责任人", "监督责任人", "间接责任人", "", "", "A", "见《安全生产法》第五条。",
    ],
    [
        "多选", "施工现场安全技术", "施工现场临时用电工程应当采用的系统有（ ）。",
        "三级配电系统", "TN-S接零保护系统", "二级漏电保护系统", "TN-C接零保护系统", "", "", "ABC",
        "见《施工现场临时用电安全技术规范》（JGJ 46）。",
    ],
]


def _bank_manager_only(user) -> None:
    if not policies.can_manage_bank(user):
        raise PermissionDenied


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# The question bank --------------------------------------------------------------------------


@login_required
def bank(request):
    _bank_manager_only(request.user)
    credential_id = _int_or_none(request.GET.get("credential"))
    kind = request.GET.get("kind", "")
    kind = kind if kind in QuestionKind.values else ""
    topic = request.GET.get("topic", "").strip()[:100]
    query = request.GET.get("q", "").strip()[:100]
    questions = selectors.questions_for(request.user, credential_id=credential_id, kind=kind, topic=topic, search=query)
    context = {
        "page": Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page")),
        "credentials": selectors.credentials(),
        "kinds": QuestionKind.choices,
        "topics": selectors.bank_topics(request.user, credential_id),
        "credential_id": credential_id,
        "kind": kind,
        "topic": topic,
        "query": query,
    }
    return render(request, "exam/manage/bank.html", context)


@login_required
def question_new(request):
    _bank_manager_only(request.user)
    form = QuestionForm(request.POST or None, initial={"credential": _int_or_none(request.GET.get("credential"))})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            question = bank_services.question_create(
                actor=request.user,
                credential=data["credential"],
                kind=data["kind"],
                stem=data["stem"],
                options=form.options(),
                topic=data["topic"],
                explanation=data["explanation"],
            )
        except DomainError as failure:
            form.add_domain_error(failure)
        else:
            messages.success(request, _("The question was added to the bank."))
            return redirect("exam:question", pk=question.pk)
    return render(request, "exam/manage/question_new.html", {"form": form})


@login_required
def question_detail(request, pk: int):
    _bank_manager_only(request.user)
    question = selectors.question_get(request.user, pk)
    form = QuestionForm(request.POST or None, question=question)
    if request.method == "POST" and form.is_valid():
        before = question.current
        data = form.cleaned_data
        try:
            version = bank_services.question_edit(
                actor=request.user,
                question=question,
                stem=data["stem"],
                options=form.options(),
                explanation=data["explanation"],
                topic=data["topic"],
            )
        except DomainError as failure:
            form.add_domain_error(failure)
        else:
            if version.pk != before.pk:
                messages.success(
                    request,
                    _("Version %(new)d was created; version %(old)d stays as the candidates who drew it saw it.")
                    % {"new": version.number, "old": before.number},
                )
            else:
                messages.success(request, _("The question was saved."))
            return redirect("exam:question", pk=question.pk)
    context = {
        "question": question,
        "versions": selectors.question_versions(question),
        "form": form,
        "current_used": question.current.used_at is not None,
    }
    return render(request, "exam/manage/question_detail.html", context)


@login_required
@require_POST
def question_active(request, pk: int):
    _bank_manager_only(request.user)
    question = selectors.question_get(request.user, pk)
    active = request.POST.get("active") == "1"
    try:
        bank_services.question_set_active(actor=request.user, question=question, active=active)
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(
            request,
            _("The question is drawn for new papers again.") if active else _("The question is no longer drawn for new papers."),
        )
    return redirect("exam:question", pk=question.pk)


@login_required
def bank_import(request):
    _bank_manager_only(request.user)
    form = BankImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        credential = form.cleaned_data["credential"]
        try:
            report = bank_services.questions_import(
                actor=request.user, credential=credential, data=upload.read(max_file_bytes() + 1), file_name=upload.name
            )
        except DomainError as failure:
            form.add_error(None, failure.message)
        else:
            if report.ok:
                messages.success(
                    request,
                    _("%(count)d questions were imported into the bank of %(credential)s.")
                    % {"count": len(report.created), "credential": credential.name},
                )
                return redirect(f"{reverse('exam:bank')}?credential={credential.pk}")
    context = {"form": form, "report": report, "headers": _template_headers()}
    return render(request, "exam/manage/bank_import.html", context)


def _template_headers() -> list[str]:
    return [names[0] for names in bank_services.COLUMNS.values()]


@login_required
def bank_template(request, fmt: str):
    _bank_manager_only(request.user)
    rows = [_template_headers(), *TEMPLATE_ROWS]
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="question-bank.csv"'
        response.write("\ufeff")  # Excel opens a UTF-8 CSV correctly only with the byte-order mark
        csv.writer(response).writerows(rows)
        return response
    if fmt != "xlsx":
        raise NotFoundError.default()
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题库"
    for row in rows:
        sheet.append(row)
    sheet.column_dimensions["C"].width = 60
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="question-bank.xlsx"'
    return response


# Exams --------------------------------------------------------------------------------------


@login_required
def exam_list(request):
    _bank_manager_only(request.user)
    page = Paginator(selectors.exams_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "exam/manage/exam_list.html", {"page": page})


@login_required
def exam_new(request):
    return _exam_page(request, exam=None)


@login_required
def exam_edit(request, pk: int):
    _bank_manager_only(request.user)
    return _exam_page(request, exam=selectors.exam_get(request.user, pk))


def _exam_page(request, *, exam):
    _bank_manager_only(request.user)
    if exam is None:
        initial, rows = {"points_single": 1, "points_multiple": 2, "points_true_false": 1}, []
    else:
        initial = ExamForm.initial_from(exam)
        rows = [{"kind": item.kind, "topic": item.topic, "count": item.count} for item in exam.blueprint.order_by("id")]
    form = ExamForm(request.POST or None, initial=initial)
    formset = BlueprintFormSet(request.POST or None, initial=rows, prefix="blueprint")
    # Both validated, so every error of the rules and of the rows shows at once.
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
        blueprint = [row_form.row for row_form in formset.forms if row_form.row]
        try:
            saved = exam_services.exam_save(actor=request.user, exam=exam, blueprint=blueprint, **form.cleaned_data)
        except DomainError as failure:
            shortfalls = failure.details.get("shortfalls")
            for message in [shortfall["message"] for shortfall in shortfalls] if shortfalls else [failure.message]:
                form.add_error(None, message)
        else:
            messages.success(request, _("The exam %(title)s was saved.") % {"title": saved.title})
            return redirect("exam:exams")
    credential = form.cleaned_data.get("credential") if form.is_bound and hasattr(form, "cleaned_data") else None
    credential_id = credential.pk if credential else (exam.credential_id if exam else None)
    context = {
        "exam": exam,
        "form": form,
        "formset": formset,
        "in_use": exam is not None and selectors.exam_in_use(exam),
        "bank_counts": selectors.bank_counts(credential_id) if credential_id else [],
        "topics": selectors.bank_topics(request.user, credential_id),
    }
    return render(request, "exam/manage/exam_form.html", context)


# Sittings -----------------------------------------------------------------------------------


def _with_phase(sittings, now):
    for sitting in sittings:
        sitting.phase = selectors.sitting_phase(sitting, now)
    return sittings


@login_required
def sitting_list(request):
    if not policies.can_see_sittings(request.user):
        raise PermissionDenied
    page = Paginator(selectors.sittings_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    _with_phase(page.object_list, timezone.now())
    context = {"page": page, "can_schedule": selectors.scheduling_authorities(request.user).exists()}
    return render(request, "exam/manage/sitting_list.html", context)


@login_required
def sitting_new(request):
    authorities = selectors.scheduling_authorities(request.user)
    if not authorities.exists():
        raise PermissionDenied
    form = SittingForm(
        request.POST or None,
        exams=selectors.schedulable_exams(request.user),
        authorities=authorities,
        institutions=selectors.scheduling_institutions(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            sitting = sitting_services.sitting_schedule(actor=request.user, **form.cleaned_data)
        except DomainError as failure:
            shortfalls = failure.details.get("shortfalls")
            for message in [shortfall["message"] for shortfall in shortfalls] if shortfalls else [failure.message]:
                form.add_error(None, message)
        else:
            messages.success(request, _("The sitting was scheduled; now add its candidates."))
            return redirect("exam:sitting", pk=sitting.pk)
    return render(request, "exam/manage/sitting_new.html", {"form": form})


def _sitting_page(request, sitting, *, add_form=None, report=None, status=200):
    _with_phase([sitting], timezone.now())
    can_manage = policies.can_manage_sitting(request.user, sitting)
    context = {
        "sitting": sitting,
        "candidates": selectors.sitting_candidates(sitting),
        "can_manage": can_manage,
        "can_change": can_manage and sitting.phase != "ended",
        "can_proctor": can_proctor(request.user, sitting),
        "add_form": add_form or CandidatesAddForm(),
        "report": report,
    }
    return render(request, "exam/manage/sitting_detail.html", context, status=status)


@login_required
def sitting_detail(request, pk: int):
    return _sitting_page(request, selectors.sitting_get(request.user, pk))


@login_required
@require_POST
def sitting_candidates_add(request, pk: int):
    sitting = selectors.sitting_get(request.user, pk)
    if not policies.can_manage_sitting(request.user, sitting):
        raise PermissionDenied
    form = CandidatesAddForm(request.POST)
    report = None
    if form.is_valid():
        try:
            report = sitting_services.sitting_candidates_add(
                actor=request.user, sitting=sitting, id_numbers=form.cleaned_data["id_numbers"]
            )
        except DomainError as failure:
            if failure.code not in INPUT_ERRORS:
                messages.error(request, failure.message)
                return redirect("exam:sitting", pk=sitting.pk)
            form.add_error(None, failure.message)
        else:
            if report.added:
                messages.success(request, _("%(count)d candidates were added.") % {"count": len(report.added)})
            if not report.skipped:
                return redirect("exam:sitting", pk=sitting.pk)
            form = CandidatesAddForm(initial={"id_numbers": "\n".join(skip.value for skip in report.skipped)})
    return _sitting_page(request, sitting, add_form=form, report=report)


@login_required
@require_POST
def sitting_candidate_remove(request, pk: int, person_id: int):
    sitting = selectors.sitting_get(request.user, pk)
    if not policies.can_manage_sitting(request.user, sitting):
        raise PermissionDenied
    person = Person.objects.filter(pk=person_id, exam_sittings=sitting).first()
    if person is None:
        raise NotFoundError.default()
    try:
        sitting_services.sitting_candidate_remove(actor=request.user, sitting=sitting, person=person)
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("%(name)s is no longer a candidate of this sitting.") % {"name": person.real_name})
    return redirect("exam:sitting", pk=sitting.pk)
