"""Pages of old certificates (原持证人员信息备案, 换证): the enterprise's list and form, the reviewer's
queue with confirm and reject, and the holder's 更新 on 我的证书 (hours.web.views.certificates)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.errors import DomainError, NotFoundError
from lms.models import Person

from ... import policies
from ...selectors import certificates as certificate_selectors
from ...selectors import legacy as legacy_selectors
from ...services import certificates as certificate_services
from ...services import legacy as legacy_services
from ..forms import LegacyDecisionForm, LegacyHoldingForm


@login_required
def enterprise_legacy(request, enterprise_id: int):
    """The enterprise's old certificates and the form that registers one for a current employee."""
    enterprise = certificate_selectors.enterprise_get(request.user, enterprise_id)
    employees = legacy_selectors.employees_of(enterprise)
    form = LegacyHoldingForm(request.POST or None, employees=employees)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            # Someone the enterprise does not employ now is not found (404), as another tenant's id.
            person = Person.objects.filter(pk=data["person"]).first()
            if person is None:
                raise NotFoundError.default()
            try:
                holding = legacy_services.legacy_holding_register(
                    actor=request.user, enterprise=enterprise, person=person, credential=data["credential"],
                    number=data["number"], issued_on=data["issued_on"], expires_on=data["expires_on"],
                    issuer_name=data["issuer_name"],
                )
            except DomainError as error:
                if error.status == 404:
                    raise
                field = getattr(error, "field", None)
                form.add_error(field if field in form.fields else None, error.message)
                status = error.status
            else:
                if holding.register_certificate_id:
                    messages.success(request, _("Certificate %(number)s matches the platform's register and is confirmed.") % {"number": holding.number})
                else:
                    messages.success(request, _("Certificate %(number)s has been registered and waits for the authority's confirmation.") % {"number": holding.number})
                return redirect("hours:enterprise_legacy", enterprise_id=enterprise.pk)
        else:
            status = 400
    context = {"enterprise": enterprise, "form": form, "holdings": legacy_selectors.enterprise_holdings(request.user, enterprise)}
    return render(request, "hours/legacy/enterprise.html", context, status=status)


@login_required
def legacy_review(request):
    """A reviewer's queue: the old certificates of their regions waiting for confirmation, and the
    latest decided."""
    if not policies.can_manage_certificates(request.user):
        raise NotFoundError.default()
    waiting = legacy_selectors.holdings_to_review(request.user)
    decided = legacy_selectors.holdings_to_review(request.user, status=None).exclude(status="submitted").order_by("-decided_at", "-pk")[:20]
    return render(request, "hours/legacy/review.html", {"waiting": waiting, "decided": decided})


@login_required
@require_POST
def legacy_decide(request, pk: int):
    holding = legacy_selectors.holding_to_review_get(request.user, pk)
    form = LegacyDecisionForm(request.POST)
    confirm = form.is_valid() and form.cleaned_data["decision"] == "confirm"
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else request.POST.get("reason", "")
    try:
        legacy_services.legacy_holding_decide(actor=request.user, holding=holding, confirm=confirm, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Old certificate %(number)s has been confirmed.") % {"number": holding.number}
            if confirm
            else _("Old certificate %(number)s has been rejected.") % {"number": holding.number},
        )
    return redirect("hours:legacy_review")


@login_required
@require_POST
def legacy_exchange(request, pk: int):
    """更新: the holder exchanges one confirmed old certificate for an electronic certificate."""
    holding = legacy_selectors.own_holding_get(request.user, pk)
    try:
        certificate = certificate_services.legacy_holding_exchange(actor=request.user, holding=holding)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Your old certificate %(old)s has been exchanged for electronic certificate %(number)s.")
            % {"old": holding.number, "number": certificate.number},
        )
    return redirect("hours:my_certificates")
