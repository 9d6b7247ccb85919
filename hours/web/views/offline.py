"""Pages of offline training hours: the batches an institution uploaded and an authority decides,
the row-by-row report of a batch, and an authority's adjustment of a person's hours."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.errors import DomainError
from kernel.tables import max_file_bytes

from ... import policies, services
from ...selectors import offline as selectors
from ...services.offline import template_headers
from ..forms import BatchDecisionForm, BatchUploadForm, HoursAdjustForm

PAGE_SIZE = 25


@login_required
def batch_list(request):
    page = Paginator(selectors.batches_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "hours/offline/batch_list.html", {"page": page, "can_upload": policies.can_upload_batches(request.user)}
    )


@login_required
def batch_upload(request):
    institutions = policies.uploading_institutions(request.user)
    if not institutions.exists():
        raise PermissionDenied
    form = BatchUploadForm(request.POST or None, request.FILES or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.offline_batch_upload(
                actor=request.user,
                institution=form.cleaned_data["institution"],
                file_name=upload.name,
                data=upload.read(max_file_bytes() + 1),
            )
        except DomainError as failure:
            form.add_error(None, failure.message)
        else:
            report = selectors.batch_report(batch)
            messages.success(
                request,
                _("The batch was uploaded: %(good)d valid rows, %(bad)d rows with errors.")
                % {"good": report.good, "bad": report.bad},
            )
            return redirect("hours:offline_batch", pk=batch.pk)
    return render(request, "hours/offline/batch_upload.html", {"form": form, "headers": template_headers()})


@login_required
def batch_template(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="offline-hours.csv"'
    response.write("\ufeff")  # Excel opens a UTF-8 CSV correctly only with the byte-order mark
    csv.writer(response).writerow(template_headers())
    return response


@login_required
def batch_detail(request, pk: int):
    batch = selectors.batch_get(request.user, pk)
    context = {
        "batch": batch,
        "report": selectors.batch_report(batch),
        "can_decide": policies.can_decide_batch(request.user, batch),
        "reject_form": BatchDecisionForm(initial={"decision": "reject"}),
    }
    return render(request, "hours/offline/batch_detail.html", context)


@login_required
@require_POST
def batch_decide(request, pk: int):
    batch = selectors.batch_get(request.user, pk)
    form = BatchDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The decision could not be read; try again."))
        return redirect("hours:offline_batch", pk=batch.pk)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.offline_batch_decide(
            actor=request.user, batch=batch, approve=approve, reason=form.cleaned_data["reason"]
        )
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("The batch was approved.") if approve else _("The batch was rejected."))
    return redirect("hours:offline_batch", pk=batch.pk)


@login_required
def hours_adjust(request, person_id: int):
    person = selectors.adjustable_person(request.user, person_id)
    form = HoursAdjustForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.hours_adjust(actor=request.user, person=person, **form.cleaned_data)
        except DomainError as failure:
            form.add_error(None, failure.message)
        else:
            messages.success(request, _("The adjustment was recorded."))
            return redirect("hours:hours_adjust", person_id=person.pk)
    context = {
        "subject": person,
        "form": form,
        "balances": selectors.hours_balances(person),
        "adjustments": selectors.recent_adjustments(person),
    }
    return render(request, "hours/offline/hours_adjust.html", context)
