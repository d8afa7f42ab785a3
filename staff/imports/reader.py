"""Spreadsheet bytes → the header row and the data rows, numbered as the user sees them.

Real files come from the personnel database via Excel or LibreOffice: a merged title ("DANH SÁCH
CÁN BỘ…") and blank lines above the header, trailing empty rows, codes stored as numbers or
numbers stored as text, names in NFD. The reader finds the header by its columns, keeps each
row's spreadsheet number (1-based, the header counted) for error messages, and hands cells on
as plain values: text NFC-normalised and trimmed, whole numbers as their digits, Excel dates as
``datetime.date``. Formula cells are NOT evaluated: read-only openpyxl with ``data_only=False``
yields the formula's text, which then fails validation like any other bad text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from staff.imports import columns as cols
from staff.lib.text import bilingual
from staff.lib.uploads import UnsafeFile

HEADER_SEARCH_ROWS = 30
MAX_ROWS = 200_000


class FileError(ValueError):
    """The file as a whole cannot be imported; ``str()`` is the message (vi — en)."""


@dataclass
class Table:
    headers: list[str]  # canonical headers, in file order
    rows: list[tuple[int, list[object]]] = field(default_factory=list)  # (sheet row, values)
    header_row: int = 1
    sheet: str = ""


def clean_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).replace("\u00a0", " ").strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    return value


def _is_blank(values: list[object]) -> bool:
    return all(v == "" or v is None for v in values)


def _table_from_rows(rows, layout: tuple[cols.Column, ...], sheet: str = "") -> Table | None:
    """Find the header among the first rows, then collect the data rows under it."""
    it = iter(rows)
    found: dict[int, cols.Column] = {}
    header_row = 0
    for number, raw in enumerate(it, 1):
        if number > HEADER_SEARCH_ROWS:
            return None
        found = cols.match_headers(list(raw or ()), layout)
        if layout[0].header in {c.header for c in found.values()} and len(found) >= 2:
            header_row = number
            break
    else:
        return None
    positions = sorted(found)
    table = Table(headers=[found[i].header for i in positions], header_row=header_row, sheet=sheet)
    for number, raw in enumerate(it, header_row + 1):
        raw = raw or ()
        values = [clean_cell(raw[i]) if i < len(raw) else "" for i in positions]
        if _is_blank(values):
            continue
        table.rows.append((number, values))
        if len(table.rows) > MAX_ROWS:
            raise FileError(
                bilingual(
                    _("Tệp có quá %(n)d dòng.") % {"n": MAX_ROWS},
                    f"The file has more than {MAX_ROWS} rows.",
                )
            )
    return table


def _no_header(layout: tuple[cols.Column, ...]) -> FileError:
    return FileError(
        bilingual(
            _("Không tìm thấy dòng tiêu đề (cần ít nhất cột “%(col)s”).")
            % {"col": layout[0].header},
            f"No header row found (the column “{layout[0].header}” is needed).",
        )
    )


def read_xlsx(data: bytes, layout: tuple[cols.Column, ...]) -> Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except UnsafeFile:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
        # defusedxml's EntitiesForbidden/DTDForbidden are ValueErrors too.
        raise FileError(
            bilingual(
                _("Không đọc được tệp .xlsx (tệp hỏng hoặc không đúng định dạng)."),
                "The .xlsx file cannot be read (damaged or not a workbook).",
            )
        ) from exc
    try:
        for ws in wb.worksheets:
            if getattr(ws, "sheet_state", "visible") != "visible":
                continue
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()  # LibreOffice writes wrong <dimension> tags
            table = _table_from_rows(ws.iter_rows(values_only=True), layout, ws.title)
            if table is not None:
                return table
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
        raise FileError(
            bilingual(
                _("Không đọc được tệp .xlsx (tệp hỏng hoặc không đúng định dạng)."),
                "The .xlsx file cannot be read (damaged or not a workbook).",
            )
        ) from exc
    finally:
        wb.close()
    raise _no_header(layout)


def _delimiter(text: str) -> str:
    head = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    sample = "\n".join(head)
    counts = {d: sample.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_csv(data: bytes, layout: tuple[cols.Column, ...]) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(
            bilingual(_("Tệp .csv phải mã hóa UTF-8."), "The .csv file must be encoded in UTF-8.")
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        table = _table_from_rows(reader, layout)
    except csv.Error as exc:
        raise FileError(
            bilingual(_("Tệp .csv bị lỗi."), f"The .csv file is malformed: {exc}")
        ) from exc
    if table is None:
        raise _no_header(layout)
    return table


def read_table(data: bytes, kind: str, layout: tuple[cols.Column, ...]) -> Table:
    table = read_xlsx(data, layout) if kind == "xlsx" else read_csv(data, layout)
    missing = cols.missing_required(
        {i: c for i, c in enumerate([c for c in layout if c.header in table.headers])}, layout
    )
    if missing:
        names = ", ".join(f"“{c.header}”" for c in missing)
        raise FileError(
            bilingual(
                _("Thiếu cột bắt buộc: %(cols)s.") % {"cols": names},
                f"Required columns missing: {names}.",
            )
        )
    return table
