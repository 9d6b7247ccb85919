"""Pages of certificates: the holder's list and PDF, extension requests, issue in batches and the
public verification page that the QR code opens (no login)."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kernel.errors import DomainError, NotFoundError
from kernel.masking import mask_name
from kernel.tables import max_file_bytes
from lms.selectors.people import person_of

from ... import policies
from ...errors import ERRORS
from ...models import CertificateStatus
from ...rules import pass_list
from ...selectors import certificates as certificate_selectors
from ...selectors import ledger
from ...selectors import legacy as legacy_selectors
from ...selectors import passes as pass_selectors
from ...services import certificates as certificate_services
from ..certificate_pdf import certificate_pdf as render_certificate_pdf
from ..statement_pdf import statement_pdf as render_statement_pdf

PAGE_SIZE = 50


def _authority_only(user) -> None:
    if not policies.can_manage_certificates(user):
        raise NotFoundError.default()


def _verify_url(request, certificate) -> str:
    path = reverse("hours:certificate_verify", args=[certificate_selectors.certificate_token(certificate)])
    if settings.KAOHE_PUBLIC_URL:
        return settings.KAOHE_PUBLIC_URL + path
    return request.build_absolute_uri(path)


@login_required
def my_certificates(request):
    person = person_of(request.user)
    today = timezone.localdate()
    rows = [
        {
            "certificate": certificate,
            "status": certificate_selectors.status_on(certificate, today),
            "standing": ledger.certificate_standing(certificate, as_of=today),
            "pending": certificate.pending_requests[0] if certificate.pending_requests else None,
        }
        for certificate in certificate_selectors.certificates_of(person)
    ]
    context = {
        "rows": rows,
        "passes": pass_selectors.passes_of(person),
        "holdings": legacy_selectors.own_holding_rows(request.user, as_of=today),
    }
    return render(request, "hours/certificates/mine.html", context)


@login_required
@require_POST
def extension_apply(request, pk: int):
    person = person_of(request.user)
    certificate = certificate_selectors.certificate_get(request.user, pk)
    if certificate.holder_id != person.pk:
        raise NotFoundError.default()
    try:
        certificate_services.extension_apply(holder=person, certificate=certificate)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your extension request has been sent to the issuing authority."))
    return redirect("hours:my_certificates")


@login_required
def certificate_download(request, pk: int):
    certificate = certificate_selectors.certificate_get(request.user, pk)
    status = certificate_selectors.status_on(certificate, timezone.localdate())
    data = render_certificate_pdf(certificate, verify_url=_verify_url(request, certificate), status=status)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def certificate_statement(request, pk: int):
    """The hours statement (学时证明): seen by whoever may see the certificate PDF, else 404."""
    certificate = certificate_selectors.certificate_get(request.user, pk)
    data = render_statement_pdf(ledger.certificate_statement(certificate, as_of=timezone.localdate()))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="hours-statement-{certificate.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
def certificate_verify(request, token: str):
    """Public: anyone holding the link (the QR code) sees the status and a masked holder."""
    certificate = certificate_selectors.certificate_by_token(token)
    if certificate is None:
        response = render(request, "hours/certificates/verify_invalid.html", status=404)
    else:
        status = certificate_selectors.status_on(certificate, timezone.localdate())
        context = {
            "certificate": certificate,
            "status": status,
            "status_label": CertificateStatus(status).label,
            "is_valid": status == CertificateStatus.VALID,
            "holder_name": mask_name(certificate.holder.real_name),
            "holder_id_number": certificate.holder.masked_id_number,
        }
        response = render(request, "hours/certificates/verify.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


LOOKUPS_PER_WINDOW = 20
LOOKUP_WINDOW_SECONDS = 600


def _lookup_allowed(request) -> bool:
    """At most LOOKUPS_PER_WINDOW lookups per address in LOOKUP_WINDOW_SECONDS."""
    from django.core.cache import cache

    key = f"hours:lookup:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, LOOKUP_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, LOOKUP_WINDOW_SECONDS)
        count = 1
    return count <= LOOKUPS_PER_WINDOW


@never_cache
def certificate_lookup(request):
    """Public: a certificate by its number and the holder's name, as the provincial query pages offer."""
    context = {"number": request.GET.get("number", "")[:32], "name": request.GET.get("name", "")[:50], "searched": False}
    status = 200
    if context["number"] or context["name"]:
        if not _lookup_allowed(request):
            context["error"] = _("Too many lookups from this address: try again in a few minutes.")
            status = 429
        else:
            context["searched"] = True
            certificate = certificate_selectors.certificate_lookup(context["number"], context["name"])
            if certificate is not None:
                shown = certificate_selectors.status_on(certificate, timezone.localdate())
                context.update(
                    certificate=certificate, status=shown, status_label=CertificateStatus(shown).label,
                    is_valid=shown == CertificateStatus.VALID, holder_name=mask_name(certificate.holder.real_name),
                    holder_id_number=certificate.holder.masked_id_number,
                )
    response = render(request, "hours/certificates/lookup.html", context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# Authority pages --------------------------------------------------------------------------------


@login_required
def certificate_list(request):
    _authority_only(request.user)
    certificates = certificate_selectors.certificates_managed(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        certificates = certificates.filter(Q(number=query.upper()) | Q(holder__id_number=query.upper()))
    page = Paginator(certificates.order_by("-issued_on", "number"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "hours/certificates/list.html", {"page": page, "query": query})


@login_required
@require_POST
def certificate_revoke(request, pk: int):
    _authority_only(request.user)
    certificate = certificate_selectors.certificates_managed(request.user).filter(pk=pk).first()
    if certificate is None:
        raise NotFoundError.default()
    try:
        certificate_services.certificate_revoke(
            actor=request.user, certificate=certificate, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Certificate %(number)s has been revoked.") % {"number": certificate.number})
    return redirect("hours:certificate_list")


@login_required
def certificates_issue(request):
    _authority_only(request.user)
    authorities = certificate_selectors.issuing_authorities(request.user)
    credentials = certificate_selectors.credentials()
    report = error = None
    values = {"issued_on": timezone.localdate().isoformat(), "authority": "", "credential": "", "people": ""}
    if request.method == "POST":
        values.update({key: request.POST.get(key, "") for key in values})
        authority = authorities.filter(pk=values["authority"]).first() if values["authority"].isdigit() else None
        credential = credentials.filter(pk=values["credential"]).first() if values["credential"].isdigit() else None
        try:
            issued_on = datetime.date.fromisoformat(values["issued_on"])
        except ValueError:
            issued_on = None
        upload = request.FILES.get("file")
        try:
            if authority is None:
                raise ERRORS.error("authority_required")
            if credential is None:
                raise ERRORS.error("credential_required")
            if issued_on is None:
                raise ERRORS.error("issue_date_invalid")
            rows = (
                pass_list.parse_file(upload.name, upload.read(max_file_bytes() + 1))
                if upload
                else pass_list.parse_text(values["people"])
            )
            report = certificate_services.certificates_issue_from_list(
                actor=request.user, authority=authority, credential=credential, rows=rows, issued_on=issued_on
            )
        except DomainError as failure:
            error = failure.message
    if len(authorities) == 1 and not values["authority"]:
        values["authority"] = str(authorities[0].pk)
    context = {
        "authorities": authorities,
        "credentials": credentials,
        "values": values,
        "report": report,
        "error": error,
    }
    return render(request, "hours/certificates/issue.html", context)


@login_required
def extension_list(request):
    _authority_only(request.user)
    pending = certificate_selectors.extension_requests_for(request.user)
    return render(request, "hours/certificates/extensions.html", {"requests": pending})


@login_required
@require_POST
def extension_decide(request, pk: int):
    _authority_only(request.user)
    extension = certificate_selectors.extension_request_get(request.user, pk)
    approve = request.POST.get("decision") == "approve"
    try:
        certificate_services.extension_decide(
            actor=request.user, request=extension, approve=approve, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        number = extension.certificate.number
        messages.success(
            request,
            _("The extension of %(number)s has been approved.") % {"number": number}
            if approve
            else _("The extension of %(number)s has been rejected.") % {"number": number},
        )
    return redirect("hours:extension_list")


# The enterprise's certificates (证书管理) ---------------------------------------------------------


@login_required
def enterprise_certificates(request, enterprise_id: int):
    """An enterprise administrator's list of its employees' certificates; filters, export."""
    enterprise = certificate_selectors.enterprise_get(request.user, enterprise_id)
    show = request.GET.get("show", "")
    show = show if show in ("expiring", "short") else ""
    today = timezone.localdate()
    rows = certificate_selectors.enterprise_certificate_rows(request.user, enterprise, show=show, as_of=today)
    if request.GET.get("format") == "xlsx":
        return _enterprise_export(enterprise, rows, today)
    return render(request, "hours/certificates/enterprise.html", {"enterprise": enterprise, "rows": rows, "show": show})


def _enterprise_export(enterprise, rows, today):
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Certificates"))
    sheet.append([_("Name"), _("ID number"), _("Credential"), _("Certificate number"), _("Expiry date"), _("Status"), _("Explanation")])
    for row in rows:
        certificate = row["certificate"]
        sheet.append([
            certificate.holder.real_name, certificate.holder.masked_id_number, certificate.credential.name,
            certificate.number, certificate.expires_on or _("No end of validity"), str(CertificateStatus(row["status"]).label),
            row["standing"].explanation if row["standing"] else "",
        ])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="certificates-{enterprise.pk}-{today:%Y%m%d}.xlsx"'
    return response


@login_required
@require_POST
def enterprise_extension_apply(request, enterprise_id: int, pk: int):
    """The enterprise applies for an extension on an employee's behalf (延期申请)."""
    enterprise = certificate_selectors.enterprise_get(request.user, enterprise_id)
    certificate = policies.enterprise_certificates(request.user, enterprise).filter(pk=pk).first()
    if certificate is None:
        raise NotFoundError.default()
    try:
        certificate_services.extension_apply_for(actor=request.user, certificate=certificate)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The extension of %(number)s was requested for %(name)s.") % {"number": certificate.number, "name": certificate.holder.real_name}
        )
    return redirect("hours:enterprise_certificates", enterprise_id=enterprise.pk)
