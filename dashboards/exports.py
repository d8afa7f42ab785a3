"""Exports of dashboard tables as .xlsx and .csv with Vietnamese headers.

Every text cell that a spreadsheet would read as a formula (starting with = + - @, a tab or a
carriage return) is neutralised with a leading apostrophe: a staff name such as
``=HYPERLINK(...)`` must arrive as text, never run (formula injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook

from staff.lib.spreadsheets import neutralise


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        value = value.item()
    return neutralise(value)


def rows_for(records: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> Iterable[list[Any]]:
    for record in records:
        yield [_cell(record.get(column)) for column in columns]


def to_csv(
    records: Iterable[Mapping[str, Any]], columns: Sequence[str], headers: Sequence[str]
) -> bytes:
    """UTF-8 with BOM so that Excel opens Vietnamese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in headers])
    writer.writerows(rows_for(records, columns))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(
    records: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    headers: Sequence[str],
    *,
    title: str = "DanhGia",
) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append([neutralise(h) for h in headers])
    for row in rows_for(records, columns):
        # Strings are written as inline text: openpyxl would otherwise store "=…" as a formula.
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
