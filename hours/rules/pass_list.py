"""Reading a pass list (the people who passed, to be issued certificates): pasted lines, or a CSV
or Excel file read by kernel.tables; one person a row: ID number, then optionally the name. A header
row is skipped."""

import re
from dataclasses import dataclass

from kernel.tables import cell_text, read_rows

from ..errors import ERRORS

MAX_ROWS = 5000
_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
_SEPARATORS = re.compile(r"[,，;；\t ]+")


@dataclass(frozen=True)
class PassRow:
    id_number: str
    name: str = ""


def _rows(cells_per_row) -> list[PassRow]:
    rows: list[PassRow] = []
    for cells in cells_per_row:
        values = [cell_text(cell) for cell in cells if cell_text(cell)]
        if not values:
            continue
        if not _ID_LIKE.match(values[0]):
            if not rows and len(values) <= 3 and not any(ch.isdigit() for ch in values[0]):
                continue  # a header row
        rows.append(PassRow(id_number=values[0].upper(), name=values[1] if len(values) > 1 else ""))
        if len(rows) > MAX_ROWS:
            raise ERRORS.error("pass_list_too_long", count=MAX_ROWS)
    return rows


def parse_text(text: str) -> list[PassRow]:
    return _rows(_SEPARATORS.split(line.strip()) for line in (text or "").splitlines())


def parse_file(name: str, data: bytes) -> list[PassRow]:
    return _rows(values for _line, values in read_rows(file_name=name, data=data, max_rows=MAX_ROWS))
