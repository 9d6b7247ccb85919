"""The admission ticket (准考证) as a PDF, drawn like the certificates (kernel.pdf: fpdf2, the embedded CJK font):
photo, name, masked ID number, exam kind, sitting, venue, seat, ticket number and a QR code that
opens the proctors' check-in page with the ticket's signed token. Always in the platform's language."""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kernel.pdf import FONT, MARGIN, PAGE_WIDTH, a4_document, draw_photo, draw_qr

from ..models import Application


def ticket_pdf(application: Application, *, checkin_url: str) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        return _render(application, checkin_url)


def _render(application: Application, checkin_url: str) -> bytes:
    person, sitting = application.candidate, application.sitting
    pdf = a4_document(title=f"{_('Admission ticket')} {application.ticket_number}")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_line_width(0.6)
    pdf.rect(10, 10, PAGE_WIDTH - 20, 150)
    pdf.set_font(FONT, size=24)
    pdf.set_xy(MARGIN, 20)
    pdf.cell(PAGE_WIDTH - 2 * MARGIN, 12, _("Admission ticket"), align="C")
    pdf.set_font(FONT, size=12)
    pdf.set_xy(MARGIN, 34)
    pdf.cell(PAGE_WIDTH - 2 * MARGIN, 8, sitting.authority.name, align="C")

    draw_photo(pdf, person.id_photo, x=150, y=48, w=35, h=45, document=f"ticket {application.ticket_number}")

    local = timezone.localtime(sitting.starts_at)
    end = timezone.localtime(sitting.ends_at)
    rows = [
        (_("Ticket number"), application.ticket_number or ""),
        (_("Name"), person.real_name),
        (_("ID number"), person.masked_id_number),
        (_("Exam kind"), application.credential.name),
        (_("Sitting"), f"{local:%Y-%m-%d %H:%M} – {end:%H:%M}"),
        (_("Venue"), sitting.venue or "—"),
        (_("Seat"), str(application.seat or "")),
    ]
    y = 50
    for label, value in rows:
        pdf.set_xy(MARGIN + 5, y)
        pdf.set_font(FONT, size=11)
        pdf.cell(30, 9, label)
        pdf.set_font(FONT, size=12)
        pdf.multi_cell(95, 9, value)
        y = max(y + 11, pdf.get_y() + 2)
    draw_qr(pdf, checkin_url, x=150, y=105, size=40)
    pdf.set_font(FONT, size=9)
    pdf.set_xy(MARGIN + 5, 140)
    pdf.multi_cell(
        125, 5, _("Bring this ticket and your ID card. The proctor scans the code at the door and compares your photo.")
    )
    return bytes(pdf.output())
