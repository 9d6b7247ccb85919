"""Pages for people and organisations. Each view parses, authorises through a selector, calls one
service and renders."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.errors import DomainError
from kernel.images import upload_bytes

from . import selectors, services
from .forms import EmployeeAddForm, EmploymentEndForm, RegistrationForm
from .roles import roles_of

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
            person = services.person_register(
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
            login(request, person.user, backend="lms.auth_backends.IdentifierBackend")
            messages.success(request, _("Welcome, %(name)s. Your account is ready.") % {"name": person.real_name})
            return redirect("lms:home")
    return render(request, "lms/register.html", {"form": form})


@login_required
def home(request):
    roles = roles_of(request.user)
    person = getattr(request.user, "person", None)
    context = {
        "person": person,
        "figures": selectors.dashboard_figures(request.user),
        "memberships": selectors.memberships_of(request.user),
        "current_employment": selectors.current_employment_of(request.user) if person else None,
        "role_names": roles.names,
    }
    return render(request, "lms/home.html", context)


@login_required
def people_list(request):
    people = selectors.people_for(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        people = people.filter(Q(real_name__icontains=query) | Q(id_number=query.upper()) | Q(mobile=query))
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lms/people_list.html", {"page": page, "query": query})


@login_required
def person_detail(request, pk: int):
    person = selectors.person_get(request.user, pk)
    employments = selectors.employments_for(request.user).filter(person=person)
    return render(request, "lms/person_detail.html", {"subject": person, "employments": employments})


@login_required
def person_id_photo(request, pk: int):
    person = selectors.person_get(request.user, pk)
    if not person.id_photo:
        raise Http404
    response = FileResponse(person.id_photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def organisation_list(request):
    organisations = selectors.organisations_for(request.user)
    kind = request.GET.get("kind", "")
    if kind:
        organisations = organisations.filter(kind=kind)
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lms/organisation_list.html", {"page": page, "kind": kind})


@login_required
def organisation_detail(request, pk: int):
    organisation = selectors.organisation_get(request.user, pk)
    can_manage = selectors.administered_enterprises(request.user).filter(pk=organisation.pk).exists()
    employments = selectors.employments_for(request.user).filter(enterprise=organisation)
    context = {
        "organisation": organisation,
        "can_manage": can_manage,
        "current": [employment for employment in employments if employment.is_current],
        "former": [employment for employment in employments if not employment.is_current],
        "add_form": EmployeeAddForm() if can_manage else None,
        "end_form": EmploymentEndForm() if can_manage else None,
    }
    return render(request, "lms/organisation_detail.html", context)


@login_required
def employee_add(request, pk: int):
    enterprise = selectors.organisation_get(request.user, pk)
    if not selectors.administered_enterprises(request.user).filter(pk=enterprise.pk).exists():
        raise Http404
    form = EmployeeAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            employment = services.employee_add(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(
                request, _("%(name)s has been added as an employee.") % {"name": employment.person.real_name}
            )
            return redirect("lms:organisation_detail", pk=enterprise.pk)
    return render(request, "lms/employee_add.html", {"form": form, "organisation": enterprise})


@login_required
@require_POST
def employment_end(request, pk: int):
    employment = selectors.employment_get(request.user, pk)
    if not selectors.administered_enterprises(request.user).filter(pk=employment.enterprise_id).exists():
        raise Http404
    form = EmploymentEndForm(request.POST)
    if form.is_valid():
        try:
            services.employment_end(actor=request.user, employment=employment, end_date=form.cleaned_data["end_date"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The employment of %(name)s has ended.") % {"name": employment.person.real_name})
    else:
        messages.error(request, _("Enter a valid end date."))
    return redirect("lms:organisation_detail", pk=employment.enterprise_id)
