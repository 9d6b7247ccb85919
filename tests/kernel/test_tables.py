"""kernel.tables refuses an XLSX bomb before parsing it, and caps the cells it streams."""

import io
import time
import zipfile

import pytest
from django.test import override_settings
from openpyxl import Workbook

from kernel.errors import DomainError
from kernel.tables import read_rows

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def workbook_of(sheet_xml: bytes) -> bytes:
    """A minimal XLSX around one sheet's XML, compressed as hard as zip can."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def sheet(rows: list[bytes], dimension: str | None = None) -> bytes:
    head = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    if dimension:
        head += b'<dimension ref="' + dimension.encode() + b'"/>'
    return head + b"<sheetData>" + b"".join(rows) + b"</sheetData></worksheet>"


def one_wide_row(cells: int) -> bytes:
    """One row of `cells` numeric cells: the parser must walk every one of them."""
    return b'<row r="1">' + b"<c><v>1</v></c>" * cells + b"</row>"


def refusal(data: bytes, max_rows: int = 5000) -> str:
    with pytest.raises(DomainError) as caught:
        read_rows(file_name="bomb.xlsx", data=data, max_rows=max_rows)
    return caught.value.code


def test_a_bomb_is_refused_from_its_zip_directory_before_parsing():
    # 80 MB of sheet XML in well under the 2 MB upload limit.
    bomb = workbook_of(sheet([one_wide_row(80 * 1024 * 1024 // 15)]))
    assert len(bomb) < 2 * 1024 * 1024
    started = time.perf_counter()
    assert refusal(bomb) == "file_unpacked_too_large"
    assert time.perf_counter() - started < 1.0  # nothing was inflated


@override_settings(UPLOAD_TABLE_MAX_UNPACKED_BYTES=1024 * 1024 * 1024)
def test_a_member_that_inflates_a_hundredfold_is_refused_whatever_the_total_allows():
    bomb = workbook_of(sheet([one_wide_row(4 * 1024 * 1024 // 15)]))  # 4 MB of XML, ~1000x
    assert refusal(bomb) == "file_unpacked_too_large"


@override_settings(UPLOAD_TABLE_MAX_RATIO=10_000)
def test_a_sheet_that_declares_too_many_cells_is_refused_before_its_rows_are_read():
    small = sheet([b'<row r="1"><c><v>1</v></c></row>'], dimension="A1:AD1000000")
    assert refusal(workbook_of(small)) == "too_many_cells"


@override_settings(UPLOAD_TABLE_MAX_RATIO=10_000)
def test_streaming_stops_at_the_cell_cap_when_the_dimension_lies():
    # One row of 200 000 cells under a dimension that claims one cell: within the size caps.
    lying = sheet([one_wide_row(200_000)], dimension="A1")
    assert refusal(workbook_of(lying), max_rows=100) == "too_many_cells"


def test_an_honest_workbook_still_reads():
    workbook = Workbook()
    for index in range(2000):
        workbook.active.append([f"赵{index}", "110101199003077777", index, "2026-01-01"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = read_rows(file_name="ok.xlsx", data=buffer.getvalue(), max_rows=5000)
    assert len(rows) == 2000 and rows[0][1][0] == "赵0"


def test_the_refusals_are_in_chinese():
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        read_rows(file_name="bomb.xlsx", data=workbook_of(sheet([one_wide_row(4_000_000)])), max_rows=10)
    assert "MB" in caught.value.message and any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)
