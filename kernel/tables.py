"""Reading an uploaded table (an XLSX workbook, or a CSV in UTF-8 or GB18030, comma or tab
separated) into its columns and rows: the offline training batches of `hours` and the question
bank imports of `exam` read their files through this one module.

The first non-blank line is the header; its cells are matched to canonical columns by alias
(ignoring case, spaces and underscores) and unknown headers are ignored. Blank lines are skipped
and every row keeps its line in the file, for the caller's row-by-row report. Whatever breaks the
parser on an untrusted file is reported as `file_unreadable`.

A workbook is a zip of XML: a small file can inflate a thousandfold (an "XLSX bomb": 1.2 MB that
inflated to 1.2 GB took 44 s and 3 GB of memory). Before anything is parsed, the zip's directory
is checked: the members' declared uncompressed sizes together (UPLOAD_TABLE_MAX_UNPACKED_BYTES)
and each member's compression ratio (UPLOAD_TABLE_MAX_RATIO); zipfile never inflates a member
past its declared size (a member that lies fails its CRC and is unreadable), so the declared sizes
bound the work. Then the sheet's declared dimension, and while streaming (openpyxl's read-only
mode) every cell parsed, are held to a cell cap (UPLOAD_TABLE_MAX_CELLS, and never more than the
caller's rows allow).
"""

import csv
import datetime
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings

from .errors import ERRORS, DomainError

log = logging.getLogger(__name__)

MAX_COLUMNS = 30


def max_file_bytes() -> int:
    """The one limit on an uploaded table's size (settings.UPLOAD_TABLE_MAX_BYTES), read at each use."""
    return settings.UPLOAD_TABLE_MAX_BYTES


def max_unpacked_bytes() -> int:
    return settings.UPLOAD_TABLE_MAX_UNPACKED_BYTES


def max_cells(max_rows: int) -> int:
    """The cells a sheet may hold: the rows the caller allows (twice over, for blank lines), each
    of at most MAX_COLUMNS cells, and never more than UPLOAD_TABLE_MAX_CELLS."""
    return min(settings.UPLOAD_TABLE_MAX_CELLS, (max_rows * 2 + 2) * MAX_COLUMNS)


def _check_zip(data: bytes) -> None:
    """Refuse a workbook whose zip directory promises more than may be inflated, before any of it is."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ERRORS.error("file_unreadable")
    limit = max_unpacked_bytes()
    ratio = settings.UPLOAD_TABLE_MAX_RATIO
    if sum(member.file_size for member in members) > limit:
        raise ERRORS.error("file_unpacked_too_large", size=max(1, limit // (1024 * 1024)))
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > ratio * max(1, member.compress_size):
            raise ERRORS.error("file_unpacked_too_large", size=max(1, limit // (1024 * 1024)))


def header_key(value) -> str:
    return re.sub(r"[\s_]+", "", str(value or "")).lower()


def cell_text(value) -> str:
    """A cell as text: numbers without a spurious '.0', dates as ISO (a midnight time as the
    date alone), booleans as 对/错."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "对" if value else "错"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class Table:
    columns: dict[str, int]  # canonical column -> index
    rows: list[tuple[int, list]]  # (line in the file, cell values as the parser gave them)

    def cell(self, values: list, column: str):
        """The cell of a column in one row as the parser gave it (a number or a date from a
        workbook); None when the column or the cell is absent."""
        index = self.columns.get(column)
        return values[index] if index is not None and index < len(values) else None

    def text(self, values: list, column: str) -> str:
        """The same cell as text ("" when absent)."""
        return cell_text(self.cell(values, column))


def _dimension_cells(sheet) -> int:
    """The cells the sheet's <dimension> declares (0 when it declares none)."""
    try:
        ref = sheet.calculate_dimension(force=False)
    except Exception:  # no or an unreadable dimension: the streamed count decides
        return 0
    from openpyxl.utils.cell import range_boundaries

    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except Exception:
        return 0
    if None in (min_col, min_row, max_col, max_row):
        return 0
    return (max_row - min_row + 1) * (max_col - min_col + 1)


def _xlsx_rows(data: bytes, cell_cap: int):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        if _dimension_cells(sheet) > cell_cap:
            raise ERRORS.error("too_many_cells", count=cell_cap)
        # Read-only mode would trust the dimension and hide the cells past it (still parsed): forget
        # it, so every parsed cell is counted.
        sheet.reset_dimensions()
        cells = 0
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells += len(values)
            if cells > cell_cap:
                raise ERRORS.error("too_many_cells", count=cell_cap)
            yield line, list(values[:MAX_COLUMNS])
    finally:
        workbook.close()


def _csv_rows(data: bytes, cell_cap: int):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("neither UTF-8 nor GB18030")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    for line, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
        yield line, values[:MAX_COLUMNS]


def _too_many(max_rows: int) -> DomainError:
    return ERRORS.error("too_many_rows", count=max_rows)


def read_rows(*, file_name: str, data: bytes, max_rows: int, max_bytes: int | None = None) -> list[tuple[int, list]]:
    """The non-blank rows of an uploaded table, each with its line in the file. Raises DomainError
    file_empty, file_too_large (413), file_unpacked_too_large (413), file_type_unsupported,
    file_unreadable, too_many_rows or too_many_cells."""
    max_bytes = max_bytes or max_file_bytes()
    if not data:
        raise ERRORS.error("file_empty")
    if len(data) > max_bytes:
        raise ERRORS.error("file_too_large", size=max(1, max_bytes // (1024 * 1024)))
    suffix = PurePath(file_name or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm") or (data[:4] == b"PK\x03\x04" and suffix not in (".csv", ".txt")):
        _check_zip(data)
        reader = _xlsx_rows
    elif suffix in (".csv", ".txt", ""):
        reader = _csv_rows
    else:
        raise ERRORS.error("file_type_unsupported")
    rows: list[tuple[int, list]] = []
    try:
        for line, values in reader(data, max_cells(max_rows)):
            if line > max_rows * 2 + 1:  # blank lines are skipped, but not without end
                raise _too_many(max_rows)
            if not any(cell_text(value) for value in values):
                continue
            rows.append((line, values))
            if len(rows) > max_rows + 1:  # the rows and a header
                raise _too_many(max_rows)
    except DomainError:
        raise
    except Exception:  # an untrusted file may break the parser in any way; all of them mean "unreadable"
        log.info("uploaded table %r could not be read", file_name, exc_info=True)
        raise ERRORS.error("file_unreadable")
    if not rows:
        raise ERRORS.error("file_empty")
    return rows


def read_table(
    *, file_name: str, data: bytes, aliases: dict[str, tuple[str, ...]], max_rows: int, max_bytes: int | None = None
) -> Table:
    """The first non-blank row is the header, matched to canonical columns by alias. Raises what
    read_rows raises; missing columns and a table without rows are the caller's to judge."""
    rows = read_rows(file_name=file_name, data=data, max_rows=max_rows, max_bytes=max_bytes)
    (_header_line, header), body = rows[0], rows[1:]
    if len(body) > max_rows:
        raise _too_many(max_rows)
    lookup = {header_key(alias): column for column, names in aliases.items() for alias in names}
    columns: dict[str, int] = {}
    for index, value in enumerate(header):
        column = lookup.get(header_key(value))
        if column and column not in columns:
            columns[column] = index
    return Table(columns=columns, rows=body)
