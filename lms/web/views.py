"""Pages for people and organisations. Each view parses, asks a selector (which scopes to the
acting user), calls one service and renders."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel import hooks
from kernel.errors import DomainError, NotFoundError
from kernel.images import served_image, upload_bytes
from kernel.throttle import client_address

from .. import policies
from ..models import EmploymentRequestStatus
from ..rules.dates import year_ago
from ..selectors import employment_requests as request_selectors
from ..selectors import home as home_selectors
from ..selectors.safety_training import employees_with_training
from ..selectors.organisations import (
    administered_enterprise_get,
    current_employment_of,
    employment_get,
    employments_list,
    organisation_get,
    organisations_list,
)
from ..selectors.people import people_list as people_selector
from ..selectors.people import person_get, person_of
from ..services import employment as employment_services
from ..services import login as login_service
from ..services.employment import employee_add as employee_add_service
from ..services.employment import employment_end as employment_end_service
from ..services.people import registration_submit
from ..services.safety_training import safety_training_record
from .forms import (
    EmployeeAddForm,
    EmploymentEndForm,
    RegistrationForm,
    UnlockCodeForm,
    UnlockRequestForm,
)

PAGE_SIZE = 25


def form_error(form, error: DomainError) -> None:
    """Show a service's error beside the field it belongs to, or above the form."""
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, error.message)


def register(request):
    if request.user.is_authenticated:
        return redirect("lms:home")
    form = RegistrationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        photo = form.cleaned_data.get("id_photo")
        try:
            registration_submit(
                address=client_address(request),
                real_name=form.cleaned_data["real_name"],
                id_number=form.cleaned_data["id_number"],
                mobile=form.cleaned_data["mobile"],
                education=form.cleaned_data["education"],
                professional_title=form.cleaned_data["professional_title"],
                password=form.cleaned_data["password1"],
                id_photo=upload_bytes(photo) or None,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            # The same answer whether the person was new or already registered (issue 13).
            return redirect("lms:register_done")
    return render(request, "lms/register.html", {"form": form})


def register_done(request):
    return render(request, "lms/register_done.html")


@login_required
def home(request):
    person = getattr(request.user, "person", None)
    context = {
        "person": person,
        "figures": home_selectors.dashboard_figures(request.user),
        "memberships": home_selectors.memberships_of(request.user),
        "current_employment": current_employment_of(request.user) if person else None,
        "role_names": policies.roles_of(request.user).names,
        # The workspace: what the other apps put on the home page, the work waiting (kernel.hooks.Card).
        "home_cards": hooks.collect("lms.home", user=request.user),
        # Notices from the other apps (kernel.hooks.Link): applications, pass lists, new certificates.
        "home_links": hooks.collect("lms.home_notices", user=request.user),
    }
    return render(request, "lms/home.html", context)


@login_required
def people_list(request):
    query = request.GET.get("q", "").strip()
    page = Paginator(people_selector(request.user, query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lms/people_list.html", {"page": page, "query": query})


@login_required
def person_detail(request, pk: int):
    person = person_get(request.user, pk)
    context = {
        "subject": person,
        "employments": employments_list(request.user, person=person.pk),
        "can_see_identity": policies.can_see_identity_evidence(request.user, person.pk),
        "can_unlock_login": bool(person.user.login_locked_at) and policies.can_unlock_login(request.user, person.pk),
        # Actions other apps offer on a person (adjusting hours, for an authority).
        "actions": hooks.collect("lms.person_actions", user=request.user, person=person),
        # The person's record from other apps (hours and certificates, exam results), as cards.
        "panels": hooks.collect("lms.person_panels", user=request.user, person=person),
    }
    return render(request, "lms/person_detail.html", context)


@served_image
@login_required
def person_id_photo(request, pk: int):
    """Identity evidence: the person, the authorities that oversee them and superusers only (an
    employer or an institution that sees the person's name does not see their photo)."""
    person = person_get(request.user, pk)
    if not person.id_photo or not policies.can_see_identity_evidence(request.user, person.pk):
        raise NotFoundError.default()
    response = FileResponse(person.id_photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def organisation_list(request):
    kind = request.GET.get("kind", "")
    page = Paginator(organisations_list(request.user, kind=kind), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lms/organisation_list.html", {"page": page, "kind": kind})


@login_required
def organisation_detail(request, pk: int):
    organisation = organisation_get(request.user, pk)
    can_manage = policies.administered_enterprises(request.user).filter(pk=organisation.pk).exists()
    employments = employments_list(request.user, enterprise=organisation.pk)
    context = {
        "organisation": organisation,
        "can_manage": can_manage,
        "current": [employment for employment in employments if employment.is_current],
        "former": [employment for employment in employments if not employment.is_current],
        "requests_made": list(request_selectors.requests_made_by(request.user, organisation.pk)[:50]) if can_manage else [],
        "requests_leaving": list(request_selectors.requests_leaving(request.user, organisation.pk)[:50]) if can_manage else [],
        "add_form": EmployeeAddForm() if can_manage else None,
        "end_form": EmploymentEndForm() if can_manage else None,
        "actions": hooks.collect("lms.organisation_actions", user=request.user, organisation=organisation),
    }
    return render(request, "lms/organisation_detail.html", context)


@login_required
def safety_training(request, pk: int):
    """企业年度安全生产教育培训: the enterprise's administrators record which current employees passed
    the annual safety training, and on which day (an A, B or C application needs it)."""
    enterprise = policies.administered_enterprises(request.user).filter(pk=pk).first()
    if enterprise is None:
        raise NotFoundError.default()
    if request.method == "POST":
        try:
            passed_on = datetime.date.fromisoformat(request.POST.get("passed_on") or "")
        except ValueError:
            passed_on = None
        try:
            records = safety_training_record(
                actor=request.user, enterprise=enterprise, passed_on=passed_on,
                person_ids=[int(value) for value in request.POST.getlist("people") if value.isdigit()],
            )
            messages.success(request, _("%(count)d training records added.") % {"count": len(records)})
        except DomainError as failure:
            messages.error(request, failure.message)
        return redirect("lms:safety_training", pk=enterprise.pk)
    return render(
        request,
        "lms/safety_training.html",
        {"organisation": enterprise, "employees": employees_with_training(enterprise), "today": timezone.localdate(),
         "year_ago": year_ago(timezone.localdate())},
    )


@login_required
def employee_add(request, pk: int):
    organisation_get(request.user, pk)
    enterprise = administered_enterprise_get(request.user, pk)
    form = EmployeeAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = employee_add_service(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "%(name)s has been invited. The employment starts when they accept; if they work for another "
                    "enterprise, when the authority approves the change."
                )
                % {"name": invitation.person.real_name},
            )
            return redirect("lms:organisation_detail", pk=enterprise.pk)
    return render(request, "lms/employee_add.html", {"form": form, "organisation": enterprise})


@login_required
@require_POST
def employment_end(request, pk: int):
    employment = employment_get(request.user, pk)
    administered_enterprise_get(request.user, employment.enterprise_id)
    form = EmploymentEndForm(request.POST)
    if form.is_valid():
        try:
            employment_end_service(
                actor=request.user, employment=employment, end_date=form.cleaned_data["end_date"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The employment of %(name)s has ended.") % {"name": employment.person.real_name})
    else:
        messages.error(request, _("Enter a valid end date."))
    return redirect("lms:organisation_detail", pk=employment.enterprise_id)


# Invitations and personnel change requests (人员变更申请 / 人员变更审核) --------------------------------


@login_required
def my_invitations(request):
    """The person's invitations from enterprises: accept or decline."""
    person_of(request.user)
    invitations = request_selectors.invitations_of(request.user)
    page = Paginator(invitations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lms/invitations.html", {"page": page})


@login_required
def personnel_changes(request):
    """人员变更审核: an authority reviewer's change requests, those waiting first."""
    if not policies.is_reviewer(request.user):
        raise NotFoundError.default()
    status = request.GET.get("status", "")
    listing = request_selectors.requests_to_review(request.user, status=status)
    page = Paginator(listing, PAGE_SIZE).get_page(request.GET.get("page"))
    statuses = [(value, label) for value, label in EmploymentRequestStatus.choices if value in policies.CONFIRMED_REQUEST_STATUSES]
    return render(request, "lms/personnel_changes.html", {"page": page, "status": status, "statuses": statuses})


_REQUEST_ACTIONS = {
    "accept": (employment_services.employment_request_accept, "lms:my_invitations"),
    "decline": (employment_services.employment_request_decline, "lms:my_invitations"),
    "cancel": (employment_services.employment_request_cancel, None),
    "approve": (employment_services.employment_request_approve, "lms:personnel_changes"),
    "reject": (employment_services.employment_request_reject, "lms:personnel_changes"),
}


@login_required
@require_POST
def employment_request_act(request, pk: int, action: str):
    """One move of a request by the party who makes it; any other id or party is not found."""
    if action not in _REQUEST_ACTIONS:
        raise NotFoundError.default()
    employment_request = request_selectors.request_for_action(request.user, pk, action)
    service, target = _REQUEST_ACTIONS[action]
    arguments = {"reason": request.POST.get("reason", "")} if action == "reject" else {}
    try:
        moved = service(actor=request.user, request=employment_request, **arguments)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _request_done(moved))
    if target is None:
        return redirect("lms:organisation_detail", pk=employment_request.enterprise_id)
    return redirect(target)


def _request_done(employment_request) -> str:
    """What the party is told after a move, by the status it led to."""
    words = {
        EmploymentRequestStatus.ACCEPTED: _("You are now an employee of %(enterprise)s."),
        EmploymentRequestStatus.REVIEW: _(
            "You have confirmed. The change of employer to %(enterprise)s waits for the authority's review."
        ),
        EmploymentRequestStatus.DECLINED: _("You have declined the invitation of %(enterprise)s."),
        EmploymentRequestStatus.CANCELLED: _("The invitation of %(name)s has been cancelled."),
        EmploymentRequestStatus.APPROVED: _("The change of %(name)s to %(enterprise)s is approved: the employment records have changed."),
        EmploymentRequestStatus.REJECTED: _("The change request of %(name)s has been rejected."),
    }
    return words[employment_request.status] % {
        "enterprise": employment_request.enterprise.name, "name": employment_request.person.real_name
    }


@login_required
@require_POST
def login_unlock(request, pk: int):
    """An authority that oversees the person lifts a login locked after wrong passwords."""
    person = person_get(request.user, pk)
    try:
        login_service.login_unlock(actor=request.user, person_id=person.pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The login of %(name)s is unlocked.") % {"name": person.real_name})
    return redirect("lms:person_detail", pk=person.pk)


def login_unlock_self(request):
    """A locked account's holder asks for a code on their registered mobile, then enters it.
    Every visitor is told the same, whoever the number belongs to."""
    address = client_address(request)
    code_form = None
    request_form = UnlockRequestForm(request.POST if request.POST.get("step") == "send" else None)
    if request.method == "POST" and request.POST.get("step") == "send" and request_form.is_valid():
        identifier = request_form.cleaned_data["identifier"]
        try:
            login_service.login_unlock_code_send(identifier=identifier, address=address)
        except DomainError as error:
            form_error(request_form, error)
        else:
            code_form = UnlockCodeForm(initial={"identifier": identifier})
    elif request.method == "POST" and request.POST.get("step") == "code":
        code_form = UnlockCodeForm(request.POST)
        if code_form.is_valid():
            try:
                login_service.login_unlock_with_code(
                    identifier=code_form.cleaned_data["identifier"], code=code_form.cleaned_data["code"], address=address
                )
            except DomainError as error:
                form_error(code_form, error)
            else:
                messages.success(request, _("Your login is unlocked: log in with your password."))
                return redirect("lms:login")
    return render(request, "lms/login_unlock.html", {"request_form": request_form, "code_form": code_form})
# The personal archive (个人档案) and the real-name review ----------------------------------------


@login_required
def archive(request):
    from ..models import DocumentKind, Education, ProfessionalTitle
    from ..selectors.archive import documents_of
    from ..services import archive as archive_services

    person = person_of(request.user)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "document":
                upload = request.FILES.get("file")
                archive_services.archive_document_add(
                    person=person, kind=request.POST.get("kind", ""), data=upload.read() if upload else b""
                )
                messages.success(request, _("The document has been uploaded."))
            else:
                since = request.POST.get("management_since") or None
                try:
                    since = datetime.date.fromisoformat(since) if since else None
                except ValueError:
                    since = datetime.date.max
                archive_services.archive_update(
                    person=person, education=request.POST.get("education", ""),
                    professional_title=request.POST.get("professional_title", ""), management_since=since,
                )
                messages.success(request, _("Your archive has been saved."))
        except DomainError as failure:
            messages.error(request, failure.message)
        return redirect("lms:archive")
    return render(
        request,
        "lms/archive.html",
        {
            "person": person,
            "documents": documents_of(person),
            "kinds": DocumentKind.choices,
            "educations": Education.choices,
            "titles": ProfessionalTitle.choices,
            "locked": archive_services.archive_locked(person),
        },
    )


@login_required
def archive_document(request, pk: int):
    from ..selectors.archive import document_get

    document = document_get(request.user, pk)
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def id_photo_reviews(request):
    from ..services import archive as archive_services

    if not policies.is_reviewer(request.user):
        raise NotFoundError.default()
    if request.method == "POST":
        person = policies.id_photos_to_review(request.user).filter(pk=request.POST.get("person") or 0).first()
        if person is None:
            raise NotFoundError.default()
        try:
            archive_services.id_photo_review(
                actor=request.user, person=person, approve=request.POST.get("decision") == "approve",
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("The ID photo review has been recorded."))
        except DomainError as failure:
            messages.error(request, failure.message)
        return redirect("lms:id_photo_reviews")
    page = Paginator(policies.id_photos_to_review(request.user).order_by("created_at", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "lms/id_photo_reviews.html", {"page": page})
