"""The admission ticket (准考证) as a PDF, drawn like the certificates (fpdf2, the embedded CJK font):
photo, name, masked ID number, exam kind, sitting, venue, seat, ticket number and a QR code that
opens the proctors' check-in page with the ticket's signed token. Always in the platform's language."""

import io
import logging

import segno
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from ..models import Application

logger = logging.getLogger(__name__)

FONT = "cjk"
PAGE_WIDTH = 210
MARGIN = 15


def _photo(application: Application) -> bytes | None:
    photo = application.candidate.id_photo
    if not photo:
        return None
    try:
        with photo.open("rb") as handle:
            return handle.read()
    except OSError:
        logger.warning("ticket %s: the candidate's ID photo is missing from storage", application.ticket_number)
        return None


def ticket_pdf(application: Application, *, checkin_url: str) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        return _render(application, checkin_url)


def _render(application: Application, checkin_url: str) -> bytes:
    person, sitting = application.candidate, application.sitting
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(f"{_('Admission ticket')} {application.ticket_number}")
    pdf.set_creator("Kaohe")
    pdf.set_lang("zh-CN")
    pdf.add_font(FONT, fname=str(settings.CERTIFICATE_FONT), collection_font_number=settings.CERTIFICATE_FONT_INDEX)
    pdf.add_page()
    pdf.set_line_width(0.6)
    pdf.rect(10, 10, PAGE_WIDTH - 20, 150)
    pdf.set_font(FONT, size=24)
    pdf.set_xy(MARGIN, 20)
    pdf.cell(PAGE_WIDTH - 2 * MARGIN, 12, _("Admission ticket"), align="C")
    pdf.set_font(FONT, size=12)
    pdf.set_xy(MARGIN, 34)
    pdf.cell(PAGE_WIDTH - 2 * MARGIN, 8, sitting.authority.name, align="C")

    photo_x, photo_y, photo_w, photo_h = 150, 48, 35, 45
    data = _photo(application)
    if data:
        try:
            pdf.image(io.BytesIO(data), x=photo_x, y=photo_y, w=photo_w, h=photo_h, keep_aspect_ratio=True)
        except Exception:
            logger.warning("ticket %s: the photo could not be drawn", application.ticket_number)
    pdf.rect(photo_x, photo_y, photo_w, photo_h)

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
    buffer = io.BytesIO()
    segno.make(checkin_url, error="m").save(buffer, kind="png", scale=8, border=4)  # the standard quiet zone (hours/web/certificate_pdf.py)
    buffer.seek(0)
    pdf.image(buffer, x=150, y=105, w=40, h=40)
    pdf.set_font(FONT, size=9)
    pdf.set_xy(MARGIN + 5, 140)
    pdf.multi_cell(
        125, 5, _("Bring this ticket and your ID card. The proctor scans the code at the door and compares your photo.")
    )
    return bytes(pdf.output())
