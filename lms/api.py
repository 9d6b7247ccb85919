"""The JSON API under /api/: session authentication with CSRF, and every error as
{"code": ..., "message": ...} with a 4xx status. Other apps add their routers in lms/urls.py."""

import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import SessionAuth

from . import selectors, services
from .errors import DomainError
from .roles import roles_of


class CsrfSessionAuth(SessionAuth):
    """Django's session, with Django's CSRF check on every unsafe method."""

    def _get_key(self, request):
        try:
            return super()._get_key(request)
        except HttpError:
            raise DomainError(
                code="csrf_failed",
                message=_("The security token is missing or wrong; reload the page and try again."),
                status=403,
            )


api = NinjaAPI(
    title="Kaohe API",
    version="1",
    description="考核 Kaohe: people, organisations, learning, exams. Errors are {code, message}.",
    auth=CsrfSessionAuth(),
    urls_namespace="api",
)


class ErrorOut(Schema):
    code: str
    message: str


def _error(request, code: str, message: str, status: int, **extra):
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(DomainError)
def _domain_error(request, error: DomainError):
    extra = {"field": error.field} if getattr(error, "field", None) else {}
    extra.update(error.details)
    return _error(request, error.code, error.message, error.status, **extra)


@api.exception_handler(Http404)
def _not_found(request, error):
    return _error(request, "not_found", _("Not found, or you may not see it."), 404)


@api.exception_handler(AuthenticationError)
def _not_authenticated(request, error):
    return _error(request, "not_authenticated", _("Log in first."), 401)


@api.exception_handler(HttpError)
def _http_error(request, error: HttpError):
    codes = {401: "not_authenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 429: "throttled"}
    return _error(request, codes.get(error.status_code, "bad_request"), str(error), error.status_code)


@api.exception_handler(ValidationError)
def _invalid(request, error: ValidationError):
    fields = [".".join(str(part) for part in item.get("loc", ())) for item in error.errors]
    return _error(
        request,
        "invalid_request",
        _("The request is not valid: %(fields)s") % {"fields": ", ".join(fields) or "body"},
        422,
        errors=[{"loc": item.get("loc"), "msg": item.get("msg")} for item in error.errors],
    )


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
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}


@router.get("/me", response={200: MeOut, **ERRORS})
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


@router.get("/people", response=list[PersonOut])
@paginate(LimitOffsetPagination)
def people(request, q: str = ""):
    queryset = selectors.people_for(request.user)
    if q:
        queryset = queryset.filter(real_name__icontains=q.strip())
    return queryset


@router.get("/people/{int:person_id}", response={200: PersonOut, **ERRORS})
def person(request, person_id: int):
    return selectors.person_get(request.user, person_id)


@router.get("/organisations", response=list[OrganisationOut])
@paginate(LimitOffsetPagination)
def organisations(request, kind: str = ""):
    queryset = selectors.organisations_for(request.user)
    return queryset.filter(kind=kind) if kind else queryset


@router.get("/organisations/{int:organisation_id}", response={200: OrganisationOut, **ERRORS})
def organisation(request, organisation_id: int):
    return selectors.organisation_get(request.user, organisation_id)


@router.get("/employments", response=list[EmploymentOut])
@paginate(LimitOffsetPagination)
def employments(request, current: bool | None = None):
    queryset = selectors.employments_for(request.user)
    if current is not None:
        queryset = queryset.filter(end_date__isnull=current)
    return queryset


@router.post("/organisations/{int:organisation_id}/employees", response={201: EmploymentOut, **ERRORS})
def employee_add(request, organisation_id: int, payload: EmployeeIn):
    enterprise = selectors.organisation_get(request.user, organisation_id)
    employment = services.employee_add(actor=request.user, enterprise=enterprise, **payload.dict())
    return Status(201, employment)


@router.post("/employments/{int:employment_id}/end", response={200: EmploymentOut, **ERRORS})
def employment_end(request, employment_id: int, payload: EmploymentEndIn):
    employment = selectors.employment_get(request.user, employment_id)
    return services.employment_end(actor=request.user, employment=employment, end_date=payload.end_date)


api.add_router("/", router)
