"""Reading an uploaded table (XLSX, or CSV in UTF-8 or GB18030) into a header map and rows.

The same approach as `hours.services.offline` (headers matched by alias, blank lines skipped, the
line in the file kept for the report, any parser failure reported as `file_unreadable`), compact
and without that module's private helpers, which belong to `hours`.
"""

import csv
import datetime
import io
import logging
import re
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.translation import gettext as _

from lms.errors import DomainError

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_COLUMNS = 30


def header_key(value) -> str:
    return re.sub(r"[\s_]+", "", str(value or "")).lower()


def cell_text(value) -> str:
    """A cell as text: numbers without a spurious '.0', dates as ISO, booleans as 对/错."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "对" if value else "错"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class Table:
    columns: dict[str, int]  # canonical column -> index
    rows: list[tuple[int, list[str]]]  # (line in the file, cell texts)

    def cell(self, values: list[str], column: str) -> str:
        index = self.columns.get(column)
        return values[index] if index is not None and index < len(values) else ""


def _xlsx(data: bytes):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for line, values in enumerate(workbook.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True), 1):
            yield line, [cell_text(value) for value in values]
    finally:
        workbook.close()


def _csv(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("neither UTF-8 nor GB18030")
    for line, values in enumerate(csv.reader(io.StringIO(text, newline="")), 1):
        yield line, [cell_text(value) for value in values[:MAX_COLUMNS]]


def read_table(*, file_name: str, data: bytes, aliases: dict[str, tuple[str, ...]], max_rows: int) -> Table:
    """The first non-blank line is the header; unknown headers are ignored. Raises DomainError
    file_empty, file_too_large, file_type_unsupported, file_unreadable or too_many_rows."""
    if not data:
        raise DomainError(code="file_empty", message=_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(
            code="file_too_large",
            message=_("The file is larger than %(size)d MB; split it into several files.")
            % {"size": MAX_FILE_BYTES // (1024 * 1024)},
            status=413,
        )
    suffix = PurePath(file_name or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm") or (data[:4] == b"PK\x03\x04" and suffix not in (".csv", ".txt")):
        reader = _xlsx
    elif suffix in (".csv", ".txt", ""):
        reader = _csv
    else:
        raise DomainError(
            code="file_type_unsupported", message=_("Only Excel workbooks (.xlsx) and CSV files can be uploaded.")
        )
    lookup = {header_key(alias): column for column, names in aliases.items() for alias in names}
    columns: dict[str, int] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for line, values in reader(data):
            if not any(values):
                continue
            if columns is None:
                columns = {}
                for index, value in enumerate(values):
                    column = lookup.get(header_key(value))
                    if column and column not in columns:
                        columns[column] = index
                continue
            rows.append((line, values))
            if len(rows) > max_rows:
                raise DomainError(
                    code="too_many_rows",
                    message=_("A file has at most %(count)d rows; split it into several files.") % {"count": max_rows},
                )
    except DomainError:
        raise
    except Exception:  # an untrusted file may break the parser in any way; all of them mean "unreadable"
        log.info("uploaded table %r could not be read", file_name, exc_info=True)
        raise DomainError(
            code="file_unreadable",
            message=_("This file cannot be read. Upload an Excel workbook (.xlsx) or a CSV file saved from the template."),
        )
    if columns is None:
        raise DomainError(code="file_empty", message=_("The file is empty."))
    return Table(columns=columns, rows=rows)
