"""Reading a pass list (the people who passed, to be issued certificates): pasted lines, a CSV or an
Excel workbook, one person a row: ID number, then optionally the name. A header row is skipped."""

import csv
import io
import re
import zipfile

from django.utils.translation import gettext as _

from kernel.errors import DomainError

from ..services.certificates import PassRow

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
_SEPARATORS = re.compile(r"[,，;；\t ]+")


def _unreadable() -> DomainError:
    return DomainError(
        code="pass_list_unreadable",
        message=_("The list could not be read: use a CSV or Excel file, one person a row (ID number, name)."),
    )


def _rows(cells_per_row) -> list[PassRow]:
    rows: list[PassRow] = []
    for cells in cells_per_row:
        values = [str(cell).strip() for cell in cells if cell is not None and str(cell).strip()]
        if not values:
            continue
        if not _ID_LIKE.match(values[0]):
            if not rows and len(values) <= 3 and not any(ch.isdigit() for ch in values[0]):
                continue  # a header row
        rows.append(PassRow(id_number=values[0].upper(), name=values[1] if len(values) > 1 else ""))
        if len(rows) > MAX_ROWS:
            raise DomainError(
                code="pass_list_too_long",
                message=_("A list may hold at most %(count)d people.") % {"count": MAX_ROWS},
            )
    return rows


def parse_text(text: str) -> list[PassRow]:
    return _rows(_SEPARATORS.split(line.strip()) for line in (text or "").splitlines())


def parse_file(name: str, data: bytes) -> list[PassRow]:
    if len(data) > MAX_BYTES:
        raise DomainError(code="pass_list_too_large", message=_("The file is too large (at most 2 MB)."))
    if name.lower().endswith(".xlsx"):
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError):
            raise _unreadable()
        try:
            return _rows(workbook.worksheets[0].iter_rows(values_only=True))
        finally:
            workbook.close()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _unreadable()
    try:
        return _rows(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise _unreadable()
