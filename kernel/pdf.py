"""What the platform's PDF documents (the certificate, its hours statement, the admission ticket)
draw alike, with fpdf2: an A4 document in the embedded CJK font, a stored photo in its box, and a
QR code. The layouts stay with the documents; only the pieces that must not drift apart live here.
"""

import io
import logging

import segno
from django.conf import settings
from django.db.models.fields.files import FieldFile
from fpdf import FPDF

logger = logging.getLogger(__name__)

FONT = "cjk"
PAGE_WIDTH = 210  # A4, millimetres
MARGIN = 15


def a4_document(*, title: str, author: str | None = None) -> FPDF:
    """A portrait A4 document with its metadata and the CJK font (`settings.CERTIFICATE_FONT`, of
    which fpdf2 embeds only the glyphs used) loaded as `FONT`. No page yet: the caller sets its
    margins and page breaks first, since the first page takes them when it is added."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(title)
    if author is not None:
        pdf.set_author(author)
    pdf.set_creator("Kaohe")
    pdf.set_lang("zh-CN")
    pdf.add_font(FONT, fname=str(settings.CERTIFICATE_FONT), collection_font_number=settings.CERTIFICATE_FONT_INDEX)
    return pdf


def draw_photo(pdf: FPDF, photo: FieldFile | None, *, x: float, y: float, w: float, h: float, document: str) -> bool:
    """The stored photo fitted into the box (x, y, w, h), and the box's frame in the current draw
    colour. False where nothing was drawn in it (no photo, its file missing from storage, or bytes
    fpdf2 cannot read), for the caller to say so: a photo never stops the document, it is only
    logged, under `document` (for example "certificate 440100-…")."""
    data = _stored_bytes(photo, document)
    placed = False
    if data:
        try:
            pdf.image(io.BytesIO(data), x=x, y=y, w=w, h=h, keep_aspect_ratio=True)
            placed = True
        except Exception:  # whatever fpdf2 or Pillow raise on a file they cannot read
            logger.warning("%s: the ID photo could not be drawn", document)
    pdf.rect(x, y, w, h)
    return placed


def _stored_bytes(photo: FieldFile | None, document: str) -> bytes | None:
    if not photo:
        return None
    try:
        with photo.open("rb") as handle:
            return handle.read()
    except OSError:
        logger.warning("%s: the ID photo is missing from storage", document)
        return None


def draw_qr(pdf: FPDF, text: str, *, x: float, y: float, size: float) -> None:
    """`text` as a QR code (error correction M), a `size` mm square at (x, y)."""
    buffer = io.BytesIO()
    # The standard quiet zone of four modules: with less, readers miss some codes (which ones
    # depends on the token's pattern), as OpenCV's did in one test run in a few hundred.
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    pdf.image(buffer, x=x, y=y, w=size, h=size)
