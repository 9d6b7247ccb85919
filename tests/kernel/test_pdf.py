"""kernel.pdf: a photo that is missing or unreadable leaves its box empty and never stops the
document; the QR code, with its quiet zone, reads back as the text it carries."""

import io
import logging

from pypdf import PdfReader

from kernel.pdf import a4_document, draw_photo, draw_qr
from tests.hours.test_certificates import read_qr

PHOTO_BOX = {"x": 150, "y": 48, "w": 35, "h": 45}


class Stored:
    """A stand-in for a FieldFile: what draw_photo uses of one (truth, and open)."""

    def __init__(self, data: bytes | None) -> None:
        self.data = data

    def __bool__(self) -> bool:
        return True

    def open(self, mode: str):
        if self.data is None:
            raise FileNotFoundError("gone from storage")
        return io.BytesIO(self.data)


def _page():
    pdf = a4_document(title="测试")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    return pdf


def test_a_photo_is_drawn_in_its_box(testdata):
    pdf = _page()
    assert draw_photo(pdf, Stored((testdata / "faces" / "obama_1.jpg").read_bytes()), **PHOTO_BOX, document="test 1")
    assert len(PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0].images) == 1


def test_no_photo_a_missing_one_or_unreadable_bytes_leave_the_box_empty(caplog):
    pdf = _page()
    with caplog.at_level(logging.WARNING, logger="kernel.pdf"):
        assert not draw_photo(pdf, None, **PHOTO_BOX, document="test 1")
        assert not draw_photo(pdf, Stored(None), **PHOTO_BOX, document="test 2")
        assert not draw_photo(pdf, Stored(b"not an image"), **PHOTO_BOX, document="test 3")
    assert [record.getMessage() for record in caplog.records] == [
        "test 2: the ID photo is missing from storage",
        "test 3: the ID photo could not be drawn",
    ]
    assert len(PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0].images) == 0


def test_the_qr_code_reads_back():
    pdf = _page()
    url = "https://kaohe.example.cn/exam/checkin/eyJ0aWNrZXQiOiIxMjM0NTYifQ:1tXyZa:abc/"
    draw_qr(pdf, url, x=150, y=105, size=40)
    assert read_qr(bytes(pdf.output())) == url
