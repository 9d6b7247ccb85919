"""The hours dashboard: how many of the certificates an actor oversees have reached the required
hours, by credential, with the list behind each figure and an XLSX export."""

import io

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from kernel.errors import NotFoundError
from lms.models import Credential

from ... import policies
from ...models import Certificate
from ...selectors import dashboard
from ...selectors.ledger import standings_of


def _labels() -> dict[str, str]:
    # Evaluated per request, in the request's language.
    return {
        "met": _("Met"),
        "on_track": _("On track"),
        "short": _("Short"),
        "void": _("Void by the rules"),
        "no_rule": _("No rule"),
    }


def _overseen(request):
    if not policies.can_see_dashboard(request.user):
        raise NotFoundError.default()  # learners see their own on /my/hours/
    return dashboard.certificates_counted(request.user)


def _filters(request):
    credential = Credential.objects.filter(code=request.GET.get("credential", "")).first()
    status = request.GET.get("status", "")
    return credential, status if status in dashboard.STATUSES else ""


def _rows(request, as_of):
    certificates = _overseen(request)
    credential, status = _filters(request)
    if credential:
        certificates = certificates.filter(credential=credential)
    standings = dict(dashboard.standing_rows(certificates, as_of=as_of, status=status))
    ordered = Certificate.objects.filter(pk__in=standings).select_related(
        "holder", "credential", "authority__region"
    ).order_by("credential__sort_order", "holder__real_name", "pk")
    return ordered, standings, credential, status


@login_required
def overview(request):
    as_of = timezone.localdate()
    labels = _labels()
    table = [
        (item.credential, item.total, [(status, labels[status], item.counts[status]) for status in dashboard.STATUSES])
        for item in dashboard.figures(_overseen(request), as_of=as_of)
    ]
    headers = [labels[status] for status in dashboard.STATUSES]
    # The charts draw the same counts as the table and the export.
    by_credential = [(credential.name, [count for _status, _label, count in cells]) for credential, _total, cells in table]
    by_region = [
        (region, [counts[status] for status in dashboard.STATUSES])
        for region, counts in dashboard.figures_by_region(_overseen(request), as_of=as_of)
    ]
    context = {
        "table": table, "headers": headers, "as_of": as_of, "by_credential": by_credential, "by_region": by_region,
        "total": sum(total for _credential, total, _cells in table),
        "met": sum(cells[0][2] for _credential, _total, cells in table if cells),
    }
    return render(request, "hours/dashboard/overview.html", context)


@login_required
def certificate_list(request):
    as_of = timezone.localdate()
    ordered, standings, credential, status = _rows(request, as_of)
    page = Paginator(ordered, 50).get_page(request.GET.get("page"))
    labels = _labels()
    explained = standings_of(list(page), as_of=as_of)
    rows = [(c, standings[c.pk], labels[standings[c.pk]], explained[c.pk].explanation) for c in page]
    context = {
        "page": page, "rows": rows, "credential": credential, "status": status,
        "status_label": labels.get(status, ""), "as_of": as_of,
    }
    return render(request, "hours/dashboard/list.html", context)


def _explained(certificates, as_of, chunk: int = 2000):
    """(certificate, standing) in chunks: one ledger query per chunk of certificates."""
    batch = []
    for certificate in certificates.iterator(chunk_size=chunk):
        batch.append(certificate)
        if len(batch) == chunk:
            explained = standings_of(batch, as_of=as_of)
            yield from ((c, explained[c.pk]) for c in batch)
            batch = []
    explained = standings_of(batch, as_of=as_of)
    yield from ((c, explained[c.pk]) for c in batch)


@login_required
def export(request):
    as_of = timezone.localdate()
    ordered, standings, _credential, _status = _rows(request, as_of)
    labels = _labels()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Credit hours"))
    sheet.append([_("Name"), _("ID number"), _("Credential"), _("Certificate number"), _("Issue date"), _("Expiry date"), _("Status"), _("Explanation")])
    for certificate, standing in _explained(ordered, as_of):
        sheet.append([
            certificate.holder.real_name,
            certificate.holder.masked_id_number,
            certificate.credential.name,
            certificate.number,
            certificate.issued_on,
            certificate.expires_on or _("No end of validity"),
            labels[standings[certificate.pk]],
            standing.explanation,
        ])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="hours-{as_of:%Y%m%d}.xlsx"'
    return response


@login_required
def first_certificate(request):
    """People studying toward a first certificate, per credential. A page of its own: its anti-join
    over the year's ledger costs about as much as the whole overview (docs/performance.md)."""
    _overseen(request)
    as_of = timezone.localdate()
    return render(request, "hours/dashboard/first_certificate.html", {
        "as_of": as_of, "first_exam": dashboard.first_exam_hours(request.user, as_of=as_of),
    })
