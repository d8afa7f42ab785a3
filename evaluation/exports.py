"""The official results list of an agency for a period:

    Danh sách kết quả đánh giá, xếp loại chất lượng

One list per period, that is per rule set and month (DOMAIN.md §5: công chức and viên chức of
one agency are rated under two rule sets in the same month, each with its own approval and
publication). One .xlsx sheet: a title row, the agency and period, the rule set that rated
them (code, version and name), then the Vietnamese header — STT, Họ và tên, Chức vụ, Đơn vị,
Điểm, Mức xếp loại, Căn cứ xếp loại — and one row per person in Vietnamese order
(``staff.sort_key``). The period is named as the pages name it (``Period.key``,
``ND90-VC:2026-10``, or the bare label for the agency's first rule set of that month).

Only signed results (approved, published, under appeal, closed: ``SIGNED_STATUSES``) are
listed: a draft score is not a result. The document is the province's official form, so it is
always in Vietnamese whatever the reader's language. Text cells go through
``dashboards.exports.neutralise``: a name such as ``=HYPERLINK(…)`` arrives as text, never as
a formula. The list is read from the read replica when one is configured (config/db_router.py):
only signed results are listed, and signing happened well before.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from evaluation.models import SIGNED_STATUSES, Evaluation, Period
from evaluation.selectors.approval import agency_periods
from evaluation.selectors.periods import period_from_param
from scoring.models import RatingLevel
from staff.lib.replica import reads_from_replica
from staff.lib.spreadsheets import neutralise
from staff.models import Agency

OFFICIAL_TITLE = "Danh sách kết quả đánh giá, xếp loại chất lượng"
OFFICIAL_HEADERS = (
    "STT",
    "Họ và tên",
    "Chức vụ",
    "Đơn vị",
    "Điểm",
    "Mức xếp loại",
    "Căn cứ xếp loại",
)
HEADER_ROW = 4  # title, agency and period, the rule set, then the header


def official_periods(agency: Agency) -> list[Period]:
    """The agency's periods a results list can be asked for, newest first, each month once per
    rule set (``agency_periods``: the board's and the dashboard's list)."""
    return agency_periods(agency)


def official_period(*, agency: Agency, value: str) -> Period | None:
    """The period ``value`` names for the agency: ``Period.key`` (``ND90-VC:2026-10``) or a
    bare label — then the agency's first rule set's period of that label. None if none."""
    return period_from_param(official_periods(agency), value)


def official_results(*, agency: Agency, period: Period) -> QuerySet[Evaluation]:
    """The signed evaluations of ``agency`` in ``period`` (one rule set's list)."""
    return (
        Evaluation.objects.filter(agency=agency, period=period, status__in=SIGNED_STATUSES)
        .select_related("staff__position", "unit")
        .order_by("staff__sort_key", "staff__code")
    )


def ruleset_heading(period: Period) -> str:
    """The heading row naming the rule set of the list: code, version and name."""
    ruleset = period.ruleset
    return f"Bộ quy tắc đánh giá: {ruleset.code} phiên bản {ruleset.version} — {ruleset.name}"


def official_rows(evaluations) -> Iterator[list[Any]]:
    """STT, name, position, unit, score, level (Vietnamese name), reasons (Vietnamese)."""
    with translation.override("vi"):
        level_names = {value: str(label) for value, label in RatingLevel.choices}
    for number, e in enumerate(evaluations, start=1):
        reasons = "; ".join(r.get("message", "") for r in (e.reasons or []) if isinstance(r, dict))
        yield [
            number,
            neutralise(e.staff.full_name),
            neutralise(e.staff.position.name if e.staff.position else ""),
            neutralise(e.unit.name if e.unit else ""),
            e.score,
            level_names.get(e.final_level, e.final_level),
            neutralise(reasons),
        ]


@reads_from_replica()
def official_results_xlsx(*, agency: Agency, period: Period) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"KQ {period.ruleset.code} {period.label}"[:31]
    width = len(OFFICIAL_HEADERS)
    sheet.append([OFFICIAL_TITLE.upper()])
    sheet.append([neutralise(f"{agency.name} — Kỳ đánh giá: {period.label}")])
    sheet.append([neutralise(ruleset_heading(period))])
    sheet.append(list(OFFICIAL_HEADERS))
    for row in (1, 2, 3):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        sheet.cell(row=row, column=1).alignment = Alignment(horizontal="center")
        sheet.cell(row=row, column=1).font = Font(bold=row < 3, size=13 if row == 1 else 11)
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
    for row in official_rows(official_results(agency=agency, period=period)):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, whatever it starts with
    for column, width_chars in zip("ABCDEFG", (6, 28, 22, 26, 8, 28, 80), strict=True):
        sheet.column_dimensions[column].width = width_chars
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def official_filename(
    *, agency: Agency, period: Period, periods: list[Period] | None = None
) -> str:
    """``ket-qua-danh-gia-SOA-2026-10.xlsx``; with the rule set's code when the list is not the
    only one of its month (``ket-qua-danh-gia-SOA-ND90-VC-2026-10.xlsx``). ``periods``: the
    agency's (``official_periods``), read when not given."""
    periods = official_periods(agency) if periods is None else periods
    codes = {p.ruleset.code for p in periods if p.label == period.label}
    if codes - {period.ruleset.code}:
        return f"ket-qua-danh-gia-{agency.code}-{period.ruleset.code}-{period.label}.xlsx"
    return f"ket-qua-danh-gia-{agency.code}-{period.label}.xlsx"
