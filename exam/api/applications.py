"""API of applications (报名) and admission tickets, the same moves as the pages
(exam.web.views.applications) through the same services: the candidate applies and withdraws;
the enterprise verifies (multipart, with the 参保证明); the authority approves, rejects, cancels,
approves in bulk and checks social insurance; the institution accepts or rejects (Qinghai).

Every application is read through the actor's scope (exam.selectors.applications): another
enterprise's, region's or candidate's id is a 404 `application_not_found`, and nothing changes."""

import datetime

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from kernel.api import ERROR_RESPONSES
from kernel.errors import NotFoundError
from lms.models import Credential

from .. import policies
from ..models import ApplicationStatus, Sitting
from ..selectors import applications as reads
from ..selectors import plans as plan_reads
from ..services import applications as services

router = Router(tags=["applications"])
S = ApplicationStatus


class ApplicationOut(Schema):
    id: int
    path: str
    status: str
    status_label: str
    candidate_id: int
    candidate_name: str
    masked_id_number: str
    credential_code: str
    credential_name: str
    enterprise_id: int | None
    enterprise_name: str | None
    institution_id: int | None
    institution_name: str | None
    plan_id: int | None
    sitting_id: int | None
    sitting_venue: str | None
    sitting_starts_at: datetime.datetime | None
    seat: int | None
    ticket_number: str | None
    handler_name: str
    reason: str
    submitted_at: datetime.datetime
    decided_at: datetime.datetime | None
    printed_at: datetime.datetime | None
    withdrawable: bool
    ticket_url: str | None

    @staticmethod
    def resolve_status_label(application) -> str:
        return str(application.get_status_display())

    @staticmethod
    def resolve_candidate_name(application) -> str:
        return application.candidate.real_name

    @staticmethod
    def resolve_masked_id_number(application) -> str:
        return application.candidate.masked_id_number

    @staticmethod
    def resolve_credential_code(application) -> str:
        return application.credential.code

    @staticmethod
    def resolve_credential_name(application) -> str:
        return application.credential.name

    @staticmethod
    def resolve_enterprise_name(application) -> str | None:
        return application.enterprise.name if application.enterprise_id else None

    @staticmethod
    def resolve_institution_name(application) -> str | None:
        return application.institution.name if application.institution_id else None

    @staticmethod
    def resolve_sitting_venue(application) -> str | None:
        return application.sitting.venue if application.sitting_id else None

    @staticmethod
    def resolve_sitting_starts_at(application) -> datetime.datetime | None:
        return application.sitting.starts_at if application.sitting_id else None

    @staticmethod
    def resolve_ticket_url(application) -> str | None:
        # The PDF is served by the page (it is what "printed" counts); only a seated application has one.
        return reverse("exam:ticket", args=[application.pk]) if application.status in (S.APPROVED, S.PRINTED) else None


class ApplyIn(Schema):
    """One of: `sitting_id` (a published sitting, Jilin), `institution_id` with `credential_id`
    (through a training institution, Qinghai), `credential_id` alone (through the employer, Guangdong)."""

    credential_id: int | None = None
    sitting_id: int | None = None
    institution_id: int | None = None


class DecideIn(Schema):
    approve: bool
    reason: str = ""


class ReasonIn(Schema):
    reason: str = ""


class BulkIn(Schema):
    ids: list[int]


class RefusalOut(Schema):
    id: int
    code: str
    message: str


class BulkOut(Schema):
    approved: list[int]
    refused: list[RefusalOut]


class InstitutionDecideIn(Schema):
    accept: bool
    reason: str = ""


class InsuranceIn(Schema):
    passed: bool
    reason: str = ""


class VerifyIn(Schema):
    handler_name: str = ""
    handler_mobile: str = ""
    sitting_id: int | None = None
    # The day the candidate passed the enterprise's annual safety training, unless on record (A, B, C).
    safety_trained_on: datetime.date | None = None


class SittingOut(Schema):
    id: int
    venue: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int | None
    credential_code: str
    applications_close_at: datetime.datetime | None

    @staticmethod
    def resolve_credential_code(sitting) -> str:
        return sitting.exam.credential.code


def _get(request, application_id: int):
    return reads.application_get(request.user, application_id)


def _fresh(request, application_id: int):
    # The services return the locked row without its relations; the answer is read as the list reads it.
    return reads.applications_for(request.user).get(pk=application_id)


@router.get("/exam/applications", response=list[ApplicationOut], summary=_("Applications"))
@paginate(LimitOffsetPagination)
def application_list(
    request, status: str = "", enterprise_id: int | None = None, credential_id: int | None = None, sitting_id: int | None = None
):
    """The applications the user may see (a candidate their own; an enterprise its employees'; an
    institution those made to it; an authority its regions'), newest first."""
    return reads.applications_for(
        request.user, status=status if status in S.values else "", enterprise_id=enterprise_id,
        credential_id=credential_id, sitting_id=sitting_id,
    ).select_related("institution")


@router.get("/exam/applications/{int:application_id}", response={200: ApplicationOut, **ERROR_RESPONSES}, summary=_("An application"))
def application_detail(request, application_id: int):
    return _fresh(request, _get(request, application_id).pk)


@router.get("/exam/sittings/open", response=list[SittingOut], summary=_("Sittings open for applications"))
def sittings_open(request):
    return reads.open_sittings().select_related("exam__credential")


@router.post("/exam/applications", response={201: ApplicationOut, **ERROR_RESPONSES}, summary=_("Apply for an exam"))
def application_apply(request, payload: ApplyIn):
    credential = Credential.objects.filter(pk=payload.credential_id).first() if payload.credential_id else None
    if payload.institution_id is not None:
        institution = plan_reads.institutions().filter(pk=payload.institution_id).first()
        if institution is None:
            raise NotFoundError.default()
        application = services.application_apply(actor=request.user, credential=credential, institution=institution)
    elif payload.sitting_id is not None:
        sitting = reads.open_sittings().filter(pk=payload.sitting_id).first()
        if sitting is None:
            raise NotFoundError.default()
        application = services.application_apply(actor=request.user, credential=None, sitting=sitting)
    else:
        application = services.application_apply(actor=request.user, credential=credential)
    return Status(201, _fresh(request, application.pk))


@router.post("/exam/applications/{int:application_id}/withdraw", response={200: ApplicationOut, **ERROR_RESPONSES}, summary=_("Withdraw (退考)"))
def application_withdraw(request, application_id: int):
    services.application_withdraw(actor=request.user, application=_get(request, application_id))
    return _fresh(request, application_id)


@router.post("/exam/applications/{int:application_id}/verify", response={200: ApplicationOut, **ERROR_RESPONSES}, summary=_("Verify and submit (the enterprise)"))
def application_verify(request, application_id: int, payload: Form[VerifyIn], insurance_proof: File[UploadedFile] = None):
    """multipart/form-data: the handler's name and mobile, the sitting period, the 参保证明 (PDF or
    image) when the platform has no record of insurance for this or last month, and for A, B and C
    the day the candidate passed the enterprise's annual safety training unless it is on record."""
    application = _get(request, application_id)
    sitting = (
        Sitting.objects.filter(pk=payload.sitting_id).select_related("authority__region", "exam").first()
        if payload.sitting_id else None
    )
    services.application_verify(
        actor=request.user, application=application, handler_name=payload.handler_name,
        handler_mobile=payload.handler_mobile, sitting=sitting,
        insurance_proof=insurance_proof.read() if insurance_proof else None,
        safety_trained_on=payload.safety_trained_on,
    )
    return _fresh(request, application_id)


@router.post("/exam/applications/{int:application_id}/decide", response={200: ApplicationOut, **ERROR_RESPONSES}, summary=_("Approve or reject (the authority)"))
def application_decide(request, application_id: int, payload: DecideIn):
    services.application_decide(
        actor=request.user, application=_get(request, application_id), approve=payload.approve, reason=payload.reason
    )
    return _fresh(request, application_id)


@router.post("/exam/applications/{int:application_id}/cancel", response={200: ApplicationOut, **ERROR_RESPONSES}, summary=_("Cancel (the authority)"))
def application_cancel(request, application_id: int, payload: ReasonIn):
    services.application_cancel(actor=request.user, application=_get(request, application_id), reason=payload.reason)
    return _fresh(request, application_id)


@router.post("/exam/applications/approve", response={200: BulkOut, **ERROR_RESPONSES}, summary=_("Approve many applications"))
def applications_approve(request, payload: BulkIn):
    """Each id the user cannot see is refused as application_not_found, never approved."""
    report = services.applications_approve(actor=request.user, ids=payload.ids)
    return {
        "approved": report.approved,
        "refused": [{"id": pk, "code": code, "message": str(message)} for pk, code, message in report.refused],
    }


@router.post("/exam/applications/{int:application_id}/institution", response={200: ApplicationOut, **ERROR_RESPONSES}, summary=_("Accept or reject (the training institution)"))
def application_institution_decide(request, application_id: int, payload: InstitutionDecideIn):
    services.application_institution_decide(
        actor=request.user, application=_get(request, application_id), accept=payload.accept, reason=payload.reason
    )
    return _fresh(request, application_id)


@router.post("/exam/applications/{int:application_id}/insurance", response={200: ApplicationOut, **ERROR_RESPONSES}, summary=_("Social-insurance check (社保核查)"))
def application_insurance_check(request, application_id: int, payload: InsuranceIn):
    if not policies.can_review_applications(request.user):
        raise NotFoundError.default()
    services.application_insurance_check(
        actor=request.user, application=_get(request, application_id), passed=payload.passed, reason=payload.reason
    )
    return _fresh(request, application_id)
