"""The electronic certificate (电子证书) as a PDF, drawn with fpdf2 in an embedded CJK font (only the
glyphs used are embedded), with the holder's photo and a QR code to the public verification page.

The document is the platform's official record, so it is always written in the platform's
language (Simplified Chinese), whatever language the person downloading it reads the site in.
"""

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from kernel.pdf import FONT, MARGIN, PAGE_WIDTH, a4_document, draw_photo, draw_qr

from ..models import Certificate, CertificateStatus
from ..services.seal import seal_pdf


def _date(day) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def certificate_pdf(certificate: Certificate, *, verify_url: str, status: str | None = None) -> bytes:
    """The sealed PDF bytes of one certificate. `verify_url` is the absolute address the QR code
    opens; `status` the status to print (defaults to the stored one)."""
    with translation.override(settings.LANGUAGE_CODE):
        return seal_certificate_document(
            certificate, _render(certificate, verify_url, status or certificate.status), reason=_("Electronic certificate seal")
        )


def seal_certificate_document(certificate: Certificate, data: bytes, *, reason: str) -> bytes:
    """A document of `certificate` sealed in the name of its issuer, the authority or, where the
    scheme says so, the training institution (加盖培训机构公章, notice 003): the signer's name and
    location a PDF reader shows are the issuer's, and the key is the issuer's own where the
    deployment configures one (CERTIFICATE_SEAL_ORGANISATION_KEYS), else the platform's."""
    issuer = certificate.issuer
    return seal_pdf(
        data, signer_name=issuer.name, reason=reason, location=issuer.region.name, organisation=issuer,
    )


def valid_until(certificate: Certificate) -> str:
    """The end of validity as printed, or 长期有效 for a certificate with none."""
    return _date(certificate.expires_on) if certificate.expires_on else _("No end of validity")


def issuer_label(certificate: Certificate) -> str:
    return _("Issuing training institution") if certificate.institution_id else _("Issuing authority")


def certificate_particulars(certificate: Certificate, status: str) -> list[tuple[str, str]]:
    """The labelled lines the certificate prints: who, what, when, by whom, its status, and for a
    certificate exchanged from an old one (原持证换发) the old certificate it replaces."""
    holder = certificate.holder
    rows = [
        (_("Name"), holder.real_name),
        (_("ID number"), holder.masked_id_number),
        (_("Credential"), certificate.credential.name),
        (_("Certificate number"), certificate.number),
        (_("Issue date"), _date(certificate.issued_on)),
        (_("Valid until"), valid_until(certificate)),
        (issuer_label(certificate), certificate.issuer.name),
        (_("Status"), str(CertificateStatus(status).label)),
    ]
    if certificate.legacy_holding_id:
        rows.append(
            (_("Basis of issue"), _("Exchanged from old certificate %(number)s") % {"number": certificate.legacy_holding.number})
        )
    return rows


def _render(certificate: Certificate, verify_url: str, status: str) -> bytes:
    pdf = a4_document(title=f"{_('Electronic certificate')} {certificate.number}", author=certificate.issuer.name)
    pdf.set_auto_page_break(False)
    pdf.add_page()

    # Frame.
    pdf.set_draw_color(150, 30, 30)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, PAGE_WIDTH - 16, 281)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, PAGE_WIDTH - 22, 275)

    # Title and credential.
    pdf.set_text_color(150, 30, 30)
    pdf.set_font(FONT, size=30)
    pdf.set_xy(MARGIN, 28)
    pdf.cell(PAGE_WIDTH - 2 * MARGIN, 14, _("Electronic certificate"), align="C")
    pdf.set_text_color(20, 20, 20)
    pdf.set_font(FONT, size=15)
    pdf.set_xy(MARGIN, 46)
    pdf.cell(PAGE_WIDTH - 2 * MARGIN, 9, certificate.credential.name, align="C")

    # Photo (or an empty box where it belongs), top right.
    photo_x, photo_y, photo_w, photo_h = 148, 66, 36, 46
    pdf.set_draw_color(120, 120, 120)
    placed = draw_photo(
        pdf, certificate.holder.id_photo, x=photo_x, y=photo_y, w=photo_w, h=photo_h,
        document=f"certificate {certificate.number}",
    )
    if not placed:
        pdf.set_font(FONT, size=10)
        pdf.set_text_color(120, 120, 120)
        pdf.set_xy(photo_x, photo_y + photo_h / 2 - 3)
        pdf.cell(photo_w, 6, _("No photo on file"), align="C")
        pdf.set_text_color(20, 20, 20)

    # The particulars.
    rows = certificate_particulars(certificate, status)
    label_x, label_w = MARGIN + 5, 36
    value_w = photo_x - 3 - (label_x + label_w)
    y = 68
    for label, value in rows:
        pdf.set_xy(label_x, y)
        pdf.set_font(FONT, size=11)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(label_w, 9, label)
        pdf.set_font(FONT, size=12)
        pdf.set_text_color(20, 20, 20)
        pdf.multi_cell(value_w, 9, value)
        y = max(y + 12, pdf.get_y() + 3)

    # QR code to the public verification page, bottom right, with the address under it.
    qr_size = 42
    qr_x, qr_y = PAGE_WIDTH - MARGIN - 5 - qr_size, 190
    draw_qr(pdf, verify_url, x=qr_x, y=qr_y, size=qr_size)
    pdf.set_font(FONT, size=10)
    pdf.set_xy(qr_x - 10, qr_y + qr_size + 1)
    pdf.cell(qr_size + 20, 6, _("Scan to verify this certificate"), align="C")

    pdf.set_font(FONT, size=10)
    pdf.set_text_color(90, 90, 90)
    pdf.set_xy(MARGIN + 5, 202)
    pdf.multi_cell(
        110,
        6,
        _(
            "This electronic certificate is issued by %(authority)s. Scan the QR code, or open the "
            "address below, to check its current status."
        )
        % {"authority": certificate.issuer.name},
    )
    pdf.set_font(FONT, size=7)
    pdf.set_xy(MARGIN + 5, pdf.get_y() + 2)
    pdf.multi_cell(110, 4, verify_url)
    return bytes(pdf.output())
