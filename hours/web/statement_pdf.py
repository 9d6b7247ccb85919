"""The continuing-education statement (学时证明) of one certificate as a PDF: the hours that counted
toward it, entry by entry, and the totals against what the rules require per year of validity,
sealed like the certificate itself.

Like the certificate, it is an official record, so it is always written in the platform's language
(Simplified Chinese), whatever language the person downloading it reads the site in.
"""

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from fpdf.fonts import FontFace

from cms.models import KnowledgeCategory
from kernel.pdf import FONT, MARGIN, PAGE_WIDTH, a4_document

from ..models import HoursSource
from ..rules.eligibility import ZERO
from ..selectors.ledger import CertificateStatement
from .certificate_pdf import issuer_label, seal_certificate_document, valid_until


def _n(value) -> str:
    return f"{value.normalize():f}"


def _date(day) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def statement_pdf(statement: CertificateStatement) -> bytes:
    """The sealed PDF bytes of one certificate's hours statement."""
    with translation.override(settings.LANGUAGE_CODE):
        return seal_certificate_document(
            statement.certificate, _render(statement), reason=_("Continuing-education statement seal")
        )


def _render(statement: CertificateStatement) -> bytes:
    certificate, standing = statement.certificate, statement.standing
    holder = certificate.holder
    pdf = a4_document(title=f"{_('Continuing-education statement')} {certificate.number}", author=certificate.issuer.name)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()
    width = PAGE_WIDTH - 2 * MARGIN

    pdf.set_font(FONT, size=22)
    pdf.set_text_color(150, 30, 30)
    pdf.cell(width, 14, _("Continuing-education statement"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(20, 20, 20)
    pdf.ln(4)

    pdf.set_font(FONT, size=11)
    particulars = [
        (_("Name"), holder.real_name),
        (_("ID number"), holder.masked_id_number),
        (_("Credential"), certificate.credential.name),
        (_("Certificate number"), certificate.number),
        (_("Validity"), f"{_date(certificate.issued_on)} – {valid_until(certificate)}"),
        (issuer_label(certificate), certificate.issuer.name),
        (_("Hours counted up to"), _date(statement.as_of)),
    ]
    for label, value in particulars:
        pdf.set_text_color(90, 90, 90)
        pdf.cell(36, 7, label)
        pdf.set_text_color(20, 20, 20)
        pdf.multi_cell(width - 36, 7, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    # The entries that counted.
    pdf.set_font(FONT, size=13)
    pdf.cell(width, 9, _("Hours that counted"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    heading = FontFace(emphasis=None, fill_color=(235, 235, 235))
    if statement.lines:
        with pdf.table(col_widths=(26, 86, 40, 28), headings_style=heading, text_align=("LEFT", "LEFT", "LEFT", "RIGHT")) as table:
            table.row([_("Date"), _("Course or source"), _("Category"), _("Hours")])
            for line in statement.lines:
                source = line.source or str(HoursSource(line.source_kind).label)
                table.row([line.earned_on.isoformat(), source, str(KnowledgeCategory(line.category).label), _n(line.hours)])
    else:
        pdf.multi_cell(width, 7, _("No hours have counted toward this certificate yet."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    # The totals per year of validity, as the rules count them.
    pdf.set_font(FONT, size=13)
    pdf.cell(width, 9, _("Totals against the requirement"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    if standing.rule is None:
        pdf.multi_cell(width, 7, standing.explanation, new_x="LMARGIN", new_y="NEXT")
    else:
        with pdf.table(col_widths=(30, 37, 37, 38, 38), headings_style=heading, text_align="CENTER") as table:
            table.row([_("Year"), _("Hours"), _("Required"), _("Professional hours"), _("Professional required")])
            for year in standing.years:
                table.row([
                    str(year.year), _n(year.total), _n(year.required), _n(year.professional), _n(year.required_professional)
                ])
            table.row([
                _("Validity period"), _n(standing.period_total), _n(standing.period_required or ZERO), "", ""
            ])
        pdf.ln(3)
        pdf.multi_cell(width, 6, standing.explanation, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(
        width,
        6,
        _(
            "This statement is issued by %(authority)s from the platform's hours ledger and carries its "
            "electronic seal: open it in a PDF reader to check the signature."
        )
        % {"authority": certificate.issuer.name},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
