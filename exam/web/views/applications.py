"""Pages of applications (报名) and admission: the candidate applies, withdraws and prints the
ticket; the enterprise verifies and submits; the authority reviews (one by one or in bulk); a
proctor checks tickets in at the door. Every page shows only what the acting user may see."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.audit import trail_of
from kernel.errors import DomainError, NotFoundError
from kernel.images import served_image
from lms.models import Credential, IdPhotoStatus
from lms.selectors.archive import documents_for
from lms.selectors.people import person_of
from lms.selectors.safety_training import holds as training_holds
from lms.selectors.safety_training import latest_training

from ... import policies
from ...models import AWAITING_REVIEW, WITHDRAWABLE, ApplicationPath, ApplicationStatus, Sitting
from ...rules import admission
from ...selectors import applications as reads
from ...selectors import plans as plan_reads
from ...services import applications as services
from ..ticket_pdf import ticket_pdf

S = ApplicationStatus
PAGE_SIZE = 50


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value) -> datetime.date | None:
    """An <input type=date> value; an unreadable one is the far past, which the service refuses."""
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return datetime.date.min


# The candidate ----------------------------------------------------------------------------------


@login_required
def my_applications(request):
    person = person_of(request.user)
    if request.method == "POST":
        try:
            if institution_id := _int(request.POST.get("institution")):
                institution = plan_reads.institutions().filter(pk=institution_id).first()
                if institution is None:
                    raise NotFoundError.default()
                credential = Credential.objects.filter(pk=_int(request.POST.get("credential"))).first()
                application = services.application_apply(actor=request.user, credential=credential, institution=institution)
            elif sitting_id := _int(request.POST.get("sitting")):
                sitting = reads.open_sittings().filter(pk=sitting_id).first()
                if sitting is None:
                    raise NotFoundError.default()
                application = services.application_apply(actor=request.user, credential=None, sitting=sitting)
            else:
                credential = Credential.objects.filter(pk=_int(request.POST.get("credential"))).first()
                application = services.application_apply(actor=request.user, credential=credential)
        except DomainError as failure:
            messages.error(request, failure.message)
            return redirect("exam:my_applications")
        messages.success(request, _("Your application has been submitted."))
        return redirect("exam:application", pk=application.pk)
    return render(
        request,
        "exam/applications/mine.html",
        {
            "applications": reads.my_applications(person),
            "credentials": reads.credentials(),
            "sittings": reads.open_sittings(),
            "institutions": plan_reads.institutions(),
            "employer_id": reads.current_employer_id(person),
            "photo_status": person.id_photo_status,
        },
    )


@login_required
@require_POST
def withdraw(request, pk: int):
    application = reads.application_get(request.user, pk)
    try:
        services.application_withdraw(actor=request.user, application=application)
        messages.success(request, _("You have withdrawn from the exam; your seat is freed."))
    except DomainError as failure:
        messages.error(request, failure.message)
    return redirect("exam:application", pk=pk)


@login_required
def ticket(request, pk: int):
    application = reads.application_get(request.user, pk)
    try:
        application = services.ticket_print(actor=request.user, application=application)
    except DomainError as failure:
        messages.error(request, failure.message)
        return redirect("exam:application", pk=pk)
    application = reads.application_get(request.user, pk)
    url = request.build_absolute_uri(reverse("exam:checkin")) + "?" + urlencode({"token": reads.ticket_token(application)})
    response = HttpResponse(ticket_pdf(application, checkin_url=url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ticket-{application.ticket_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# Every party: the application's page ------------------------------------------------------------


@login_required
def application_detail(request, pk: int):
    application = reads.application_get(request.user, pk)
    own = getattr(getattr(request.user, "person", None), "pk", None) == application.candidate_id
    can_verify = application.status == S.SUBMITTED and policies.can_verify_application(request.user, application)
    can_review = policies.can_review_application(request.user, application)
    qinghai = application.path == ApplicationPath.INSTITUTION
    documents = documents_for(request.user, application.candidate)
    sittings = (
        reads.sittings_for_enterprise(application.enterprise, application.credential_id) if can_verify else []
    )
    training = latest_training(application.candidate, application.enterprise) if application.enterprise_id else None
    return render(
        request,
        "exam/applications/detail.html",
        {
            "application": application,
            "own": own,
            "can_verify": can_verify,
            "can_review": can_review and application.status in AWAITING_REVIEW and not qinghai,
            "can_cancel": can_review and application.status in WITHDRAWABLE,
            "can_accept": qinghai and application.status == S.SUBMITTED
            and policies.can_accept_application(request.user, application),
            "can_check_insurance": qinghai and can_review and application.status == S.INSTITUTION_ACCEPTED,
            "printed": application.status == S.PRINTED,
            "documents": documents,
            "sittings": sittings,
            "training": training,
            "training_holds": training_holds(training),
            "training_asked": admission.training_applies(application.credential.family),
            "trail": trail_of(application).select_related("actor"),
            "photo_approved": application.candidate.id_photo_status == IdPhotoStatus.APPROVED,
        },
    )


@login_required
@require_POST
def verify(request, pk: int):
    application = reads.application_get(request.user, pk)
    sitting = Sitting.objects.filter(pk=_int(request.POST.get("sitting"))).select_related("authority__region", "exam").first()
    upload = request.FILES.get("insurance_proof")
    try:
        services.application_verify(
            actor=request.user, application=application, handler_name=request.POST.get("handler_name", ""),
            handler_mobile=request.POST.get("handler_mobile", ""), sitting=sitting,
            insurance_proof=upload.read() if upload else None,
            safety_trained_on=_date(request.POST.get("safety_trained_on")),
        )
        messages.success(request, _("The application has been verified and submitted to the authority."))
    except DomainError as failure:
        messages.error(request, failure.message)
    return redirect("exam:application", pk=pk)


@login_required
@require_POST
def decide(request, pk: int):
    application = reads.application_get(request.user, pk)
    approve = request.POST.get("decision") == "approve"
    try:
        if request.POST.get("decision") == "cancel":
            services.application_cancel(actor=request.user, application=application, reason=request.POST.get("reason", ""))
            messages.success(request, _("The application has been cancelled."))
        else:
            services.application_decide(
                actor=request.user, application=application, approve=approve, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The application has been approved.") if approve else _("The application has been rejected."))
    except DomainError as failure:
        messages.error(request, failure.message)
    return redirect("exam:application", pk=pk)


@login_required
def proof(request, pk: int):
    application = reads.application_get(request.user, pk)
    if not application.insurance_proof or not (
        policies.can_verify_application(request.user, application) or policies.can_review_application(request.user, application)
    ):
        raise NotFoundError.default()
    response = FileResponse(application.insurance_proof.open("rb"), content_type=application.insurance_proof_type)
    response["Cache-Control"] = "private, no-store"
    return response


# The enterprise's and the authority's list ------------------------------------------------------


@login_required
def application_list(request):
    if not (policies.can_review_applications(request.user) or policies.can_verify_applications(request.user)):
        raise NotFoundError.default()
    filters = {
        "status": request.GET.get("status", "") if request.GET.get("status", "") in S.values else "",
        "enterprise_id": _int(request.GET.get("enterprise")),
        "credential_id": _int(request.GET.get("credential")),
        "sitting_id": _int(request.GET.get("sitting")),
    }
    page = Paginator(reads.applications_for(request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = reads.status_counts(request.user)
    return render(
        request,
        "exam/applications/list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": S.choices,
            "credentials": reads.credentials(),
            "counts": [(value, label, counts.get(value, 0)) for value, label in S.choices],
            "reviewer": policies.can_review_applications(request.user),
        },
    )


@login_required
@require_POST
def bulk_approve(request):
    ids = [pk for pk in (_int(value) for value in request.POST.getlist("ids")) if pk is not None]
    try:
        report = services.applications_approve(actor=request.user, ids=ids)
    except DomainError as failure:
        messages.error(request, failure.message)
        return redirect("exam:applications")
    messages.success(request, _("%(count)d applications approved.") % {"count": len(report.approved)})
    for pk, _code, message in report.refused[:20]:
        messages.error(request, f"#{pk}: {message}")
    return redirect(request.POST.get("next") or reverse("exam:applications"))


# Check-in at the venue door ---------------------------------------------------------------------


@login_required
def checkin(request):
    token, number = request.GET.get("token", ""), request.GET.get("number", "")
    found, error = None, ""
    if token or number:
        try:
            found = reads.ticket_lookup(request.user, token=token, number=number)
        except DomainError as failure:
            error = failure.message
    return render(request, "exam/applications/checkin.html", {"found": found, "error": error, "number": number})


@served_image
@login_required
def checkin_photo(request, pk: int):
    """The approved ID photo of a ticket holder, for the proctors of the ticket's sitting only."""
    application = reads.ticket_lookup_by_id(request.user, pk)
    person = application.candidate
    if not person.id_photo or person.id_photo_status != IdPhotoStatus.APPROVED:
        raise NotFoundError.default()
    response = FileResponse(person.id_photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


