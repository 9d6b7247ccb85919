"""The people API: the acting user, people, organisations and employment."""

import datetime

from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from kernel.api import ERROR_RESPONSES

from .policies import (
    employments_visible,
    organisations_visible,
    people_visible,
    roles_of,
)
from .selectors.organisations import employment_get, organisation_get
from .selectors.people import person_get
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


@router.post("/organisations/{int:organisation_id}/employees", response={201: EmploymentOut, **ERROR_RESPONSES}, summary=_("Add an employee"))
def employee_add(request, organisation_id: int, payload: EmployeeIn):
    enterprise = organisation_get(request.user, organisation_id)
    employment = employee_add_service(actor=request.user, enterprise=enterprise, **payload.dict())
    return Status(201, employment)


@router.post("/employments/{int:employment_id}/end", response={200: EmploymentOut, **ERROR_RESPONSES}, summary=_("End an employment"))
def employment_end(request, employment_id: int, payload: EmploymentEndIn):
    employment = employment_get(request.user, employment_id)
    return employment_end_service(actor=request.user, employment=employment, end_date=payload.end_date)

