"""The people API: the acting user, people, organisations, employment and the personal archive
(个人档案: the documents of a person, for the person and those who review them; anyone else gets
a 404)."""

import datetime

from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from kernel.api import ERROR_RESPONSES
from kernel.errors import NotFoundError

from .policies import (
    can_see_archive,
    employment_requests_visible,
    employments_visible,
    organisations_visible,
    people_visible,
    roles_of,
)
from .selectors.archive import document_get, documents_for
from .selectors.employment_requests import request_for_action
from .selectors.organisations import employment_get, organisation_get
from .selectors.people import person_get
from .services import employment as employment_services
from .services.employment import employee_add as employee_add_service
from .services.employment import employment_end as employment_end_service


class MeOut(Schema):
    id: int
    username: str
    real_name: str | None
    masked_id_number: str | None
    masked_mobile: str | None
    roles: list[str]
    is_learner: bool


class PersonOut(Schema):
    id: int
    real_name: str
    masked_id_number: str
    masked_mobile: str
    sex: str
    birth_date: datetime.date
    education: str
    professional_title: str


class OrganisationOut(Schema):
    id: int
    kind: str
    name: str
    credit_code: str | None
    region: str

    @staticmethod
    def resolve_region(organisation) -> str:
        return organisation.region.name


class EmploymentOut(Schema):
    id: int
    person_id: int
    person_name: str
    enterprise_id: int
    enterprise_name: str
    position: str
    start_date: datetime.date
    end_date: datetime.date | None

    @staticmethod
    def resolve_person_name(employment) -> str:
        return employment.person.real_name

    @staticmethod
    def resolve_enterprise_name(employment) -> str:
        return employment.enterprise.name


class EmployeeIn(Schema):
    real_name: str
    id_number: str
    start_date: datetime.date
    position: str = ""


class EmploymentRequestOut(Schema):
    """An invitation (人员变更申请): no employment exists until the person accepts and, for a person
    employed elsewhere, an authority approves."""

    id: int
    person_id: int
    person_name: str
    enterprise_id: int
    enterprise_name: str
    position: str
    start_date: datetime.date
    status: str
    previous_enterprise_id: int | None
    employment_id: int | None
    reason: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_person_name(request) -> str:
        return request.person.real_name

    @staticmethod
    def resolve_enterprise_name(request) -> str:
        return request.enterprise.name

    @staticmethod
    def resolve_previous_enterprise_id(request) -> int | None:
        return request.previous_employment.enterprise_id if request.previous_employment_id else None


class EmploymentRequestRejectIn(Schema):
    reason: str = ""


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime.datetime
    url: str

    @staticmethod
    def resolve_kind_label(document) -> str:
        return str(document.get_kind_display())

    @staticmethod
    def resolve_url(document) -> str:
        return reverse("api:archive_document", args=[document.pk])


class EmploymentEndIn(Schema):
    end_date: datetime.date


router = Router(tags=["people"])


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, summary=_("The signed-in user"))
def me(request):
    person = getattr(request.user, "person", None)
    roles = roles_of(request.user)
    return {
        "id": request.user.pk,
        "username": request.user.get_username(),
        "real_name": person.real_name if person else None,
        "masked_id_number": person.masked_id_number if person else None,
        "masked_mobile": person.masked_mobile if person else None,
        "roles": roles.names,
        "is_learner": roles.is_learner,
    }


@router.get("/people", response=list[PersonOut], summary=_("People"))
@paginate(LimitOffsetPagination)
def people(request, q: str = ""):
    queryset = people_visible(request.user)
    if q:
        queryset = queryset.filter(real_name__icontains=q.strip())
    return queryset


@router.get("/people/{int:person_id}", response={200: PersonOut, **ERROR_RESPONSES}, summary=_("A person"))
def person(request, person_id: int):
    return person_get(request.user, person_id)


@router.get("/organisations", response=list[OrganisationOut], summary=_("Organisations"))
@paginate(LimitOffsetPagination)
def organisations(request, kind: str = ""):
    queryset = organisations_visible(request.user)
    return queryset.filter(kind=kind) if kind else queryset


@router.get("/organisations/{int:organisation_id}", response={200: OrganisationOut, **ERROR_RESPONSES}, summary=_("An organisation"))
def organisation(request, organisation_id: int):
    return organisation_get(request.user, organisation_id)


@router.get("/employments", response=list[EmploymentOut], summary=_("Employments"))
@paginate(LimitOffsetPagination)
def employments(request, current: bool | None = None):
    queryset = employments_visible(request.user)
    if current is not None:
        queryset = queryset.filter(end_date__isnull=current)
    return queryset


@router.post("/organisations/{int:organisation_id}/employees", response={201: EmploymentRequestOut, **ERROR_RESPONSES}, summary=_("Invite an employee"))
def employee_add(request, organisation_id: int, payload: EmployeeIn):
    """Creates an invitation, never an employment: the person accepts it (and an authority approves
    a change from another enterprise)."""
    enterprise = organisation_get(request.user, organisation_id)
    invitation = employee_add_service(actor=request.user, enterprise=enterprise, **payload.dict())
    return Status(201, invitation)


@router.get("/employment-requests", response=list[EmploymentRequestOut], summary=_("Invitations and personnel change requests"))
@paginate(LimitOffsetPagination)
def employment_requests(request, status: str = ""):
    queryset = employment_requests_visible(request.user)
    return queryset.filter(status=status) if status else queryset


_ACTIONS = {
    "accept": employment_services.employment_request_accept,
    "decline": employment_services.employment_request_decline,
    "cancel": employment_services.employment_request_cancel,
    "approve": employment_services.employment_request_approve,
}


@router.post(
    "/employment-requests/{int:request_id}/reject",
    response={200: EmploymentRequestOut, **ERROR_RESPONSES},
    summary=_("Reject a personnel change request, with a reason"),
)
def employment_request_reject(request, request_id: int, payload: EmploymentRequestRejectIn):
    employment_request = request_for_action(request.user, request_id, "reject")
    return employment_services.employment_request_reject(
        actor=request.user, request=employment_request, reason=payload.reason
    )


@router.post(
    "/employment-requests/{int:request_id}/{action}",
    response={200: EmploymentRequestOut, **ERROR_RESPONSES},
    summary=_("Accept, decline, cancel or approve an employment request"),
)
def employment_request_act(request, request_id: int, action: str):
    if action not in _ACTIONS:
        raise NotFoundError.default()
    employment_request = request_for_action(request.user, request_id, action)
    return _ACTIONS[action](actor=request.user, request=employment_request)


@router.post("/employments/{int:employment_id}/end", response={200: EmploymentOut, **ERROR_RESPONSES}, summary=_("End an employment"))
def employment_end(request, employment_id: int, payload: EmploymentEndIn):
    employment = employment_get(request.user, employment_id)
    return employment_end_service(actor=request.user, employment=employment, end_date=payload.end_date)


@router.get("/people/{int:person_id}/archive", response={200: list[DocumentOut], **ERROR_RESPONSES}, summary=_("A person's archive documents"))
def archive(request, person_id: int):
    """The person's current documents, for the person, their employer's administrators and the
    authorities overseeing them; anyone else (another enterprise, another region) gets a 404."""
    person = person_get(request.user, person_id)
    if not can_see_archive(request.user, person.pk):
        raise NotFoundError.default()
    return documents_for(request.user, person).order_by("kind", "-uploaded_at")


@router.get("/archive/documents/{int:document_id}", url_name="archive_document", summary=_("An archive document's file"))
def archive_document(request, document_id: int):
    document = document_get(request.user, document_id)
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Cache-Control"] = "private, no-store"
    return response
