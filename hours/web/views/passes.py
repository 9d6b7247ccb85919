"""Pages of pass lists: the city's and the province's list, a list's passers, the province's
confirmation or return, and issuing certificates from a confirmed list (the report on the page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.errors import DomainError, NotFoundError

from ... import policies
from ...models import PassListStatus
from ...selectors import passes as selectors
from ...services import certificates as certificate_services
from ...services import passes as services


def _reviewers_only(user) -> None:
    if not policies.can_manage_certificates(user):
        raise NotFoundError.default()


def _list_readers_only(user) -> None:
    """Reviewers, and institution staff, who see their institution's lists and issue from them
    where the scheme says the institution issues."""
    if not policies.can_see_pass_lists(user):
        raise NotFoundError.default()


def _by_institution(pass_list) -> bool:
    return certificate_services.issued_by_institution(pass_list.credential, pass_list.authority, timezone.localdate())


def _may_issue(user, pass_list) -> bool:
    if pass_list.status != PassListStatus.CONFIRMED:
        return False
    if _by_institution(pass_list):
        return policies.can_issue_as_institution(user, pass_list)
    return policies.can_issue_for(user, pass_list.authority)


@login_required
def pass_list_index(request):
    _list_readers_only(request.user)
    status = request.GET.get("status", "")
    status = status if status in PassListStatus.values else ""
    return render(
        request, "hours/passes/list.html",
        {"lists": selectors.pass_lists_for(request.user, status=status), "status": status, "statuses": PassListStatus.choices},
    )


def _detail(request, pass_list, *, report=None):
    return render(
        request,
        "hours/passes/detail.html",
        {
            "pass_list": pass_list,
            "rows": selectors.pass_rows(pass_list),
            "may_confirm": pass_list.status == PassListStatus.SUBMITTED and policies.can_confirm_pass_list(request.user, pass_list),
            "may_issue": _may_issue(request.user, pass_list),
            "by_institution": _by_institution(pass_list),
            "report": report,
            "today": timezone.localdate(),
        },
    )


@login_required
def pass_list_detail(request, pk: int):
    _list_readers_only(request.user)
    return _detail(request, selectors.pass_list_get(request.user, pk))


@login_required
@require_POST
def pass_list_decide(request, pk: int):
    _reviewers_only(request.user)
    pass_list = selectors.pass_list_get(request.user, pk)
    confirm = request.POST.get("decision") == "confirm"
    try:
        services.pass_list_transition(
            pass_list=pass_list, to=PassListStatus.CONFIRMED if confirm else PassListStatus.RETURNED,
            actor=request.user, reason=request.POST.get("reason", ""),
        )
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("The pass list was confirmed.") if confirm else _("The pass list was returned to the city authority."))
    return redirect("hours:pass_list", pk=pass_list.pk)


@login_required
@require_POST
def pass_list_issue(request, pk: int):
    """Issue certificates to a confirmed list's passers; the report, per person, is this page."""
    _list_readers_only(request.user)
    pass_list = selectors.pass_list_get(request.user, pk)
    # The institution's staff issue as the institution; everyone else as the authority, whose
    # service refuses a credential the institution issues with that reason.
    as_institution = policies.can_issue_as_institution(request.user, pass_list) and (
        _by_institution(pass_list) or not policies.can_issue_for(request.user, pass_list.authority)
    )
    issue = (
        certificate_services.certificates_issue_by_institution
        if as_institution
        else certificate_services.certificates_issue_from_pass_list
    )
    try:
        report = issue(actor=request.user, pass_list=pass_list, issued_on=timezone.localdate())
    except DomainError as failure:
        messages.error(request, failure.message)
        return redirect("hours:pass_list", pk=pass_list.pk)
    return _detail(request, selectors.pass_list_get(request.user, pk), report=report)
