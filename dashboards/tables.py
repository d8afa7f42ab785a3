"""Every downloadable table of the dashboard pages, rebuilt from a small JSON ``spec`` so that
a background export job (``dashboards.tasks.run_export``) can build the same table later.

Specs (access is checked by the page before a spec is made):

- ``{"kind": "agency", "table": "indicators|units|trend|funnel|scores|persons|warnings",
  "agency": code, "period": label}``
- ``{"kind": "ranking", "period": label, "type": code or ""}``
- ``{"kind": "heat", "period": label, "type": code or ""}``
- ``{"kind": "par", "year": 2026}``
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.utils.translation import gettext as _

from dashboards import selectors
from dashboards.agency_ratings import RATING_COLUMNS, with_agency_ratings
from dashboards.charts import stage_names
from dashboards.frames import COLUMNS, indicators
from dashboards.models import ParSubCriterion
from dashboards.par import par_feed
from dashboards.rankings import composite, ranking, weights
from evaluation.models import Period, PeriodKind
from scoring.periods import parse_period
from staff.models import Agency

EXTRA_HEADERS = {
    "rank": "Xếp hạng",
    "composite": "Điểm tổng hợp",
    "movement": "Thay đổi hạng",
    "points": "Điểm đạt",
    "max_points": "Điểm tối đa",
    "index": "Chỉ số (%)",
    "whole_index": "Chỉ số CCHC toàn phần (%)",
    "unit": "Mã đơn vị",
    "unit_name": "Đơn vị",
    "period": "Kỳ",
    "stage": "Bước",
    "done": "Đã hoàn thành",
    "on_time": "Đúng hạn",
    "range": "Khoảng điểm",
    "bin": "Từ điểm",
    "count": "Số người",
    "code": "Mã cán bộ",
    "full_name": "Họ và tên",
    "status": "Trạng thái",
    "self_points": "Tổng điểm tự chấm",
    "manager_points": "Tổng điểm quản lý chấm",
    "score": "Điểm",
    "final_level": "Xếp loại",
    "kind": "Loại cảnh báo",
    "months": "Các tháng",
    **RATING_COLUMNS,
}


def header_for(column: str) -> str:
    if column in EXTRA_HEADERS:
        return EXTRA_HEADERS[column]
    return COLUMNS.get(column, (column,))[0]


@dataclass
class Table:
    name: str
    columns: list[str]
    records: list[dict[str, Any]]
    headers: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.headers:
            self.headers = [header_for(c) for c in self.columns]

    def __len__(self) -> int:
        return len(self.records)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            k: (None if _missing(v) else (v.item() if hasattr(v, "item") else v))
            for k, v in r.items()
        }
        for r in frame.to_dict(orient="records")
    ]


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def par_header(criterion: ParSubCriterion) -> str:
    """A PAR sub-criterion's column header in the export: code, name, maximum and source."""
    maximum = format(criterion.max_points.normalize(), "f").replace(".", ",")
    return (
        f"{criterion.code} {criterion.name} (tối đa {maximum} điểm; căn cứ: "
        f"{criterion.source_text})"
    )


def from_frame(name: str, frame: pd.DataFrame, headers: list[str] | None = None) -> Table:
    return Table(name, list(frame.columns), _records(frame), headers or [])


def agency_table(*, agency: Agency, period: Period, table: str) -> Table:
    stem = f"{agency.code}-{period.label}-{table}"
    if table == "indicators":
        row = selectors.agency_indicators(period=period, agency=agency)
        return Table(stem, list(COLUMNS), [row] if row else [])
    if table == "units":
        return from_frame(stem, selectors.levels_by_unit(period=period, agency=agency))
    if table == "trend":
        return from_frame(stem, selectors.trend_frame(period=period, agency=agency))
    if table == "funnel":
        frame = selectors.funnel_frame(period=period, agency=agency)
        names = stage_names()
        frame["stage"] = [names[s] for s in frame["stage"]]
        return from_frame(stem, frame)
    if table == "scores":
        return from_frame(stem, selectors.score_bins(period=period, agency=agency))
    if table == "persons":
        frame = selectors.person_scores(period=period, agency=agency)
        return from_frame(stem, frame[selectors.PERSON_COLUMNS])
    if table == "warnings":
        rows = [
            {
                "code": w.staff.code,
                "full_name": w.staff.full_name,
                "unit_name": w.staff.unit.name,
                "kind": w.get_kind_display(),
                "months": ", ".join(w.months),
            }
            for w in selectors.warnings_list(period=period, agency=agency)
        ]
        return Table(stem, ["code", "full_name", "unit_name", "kind", "months"], rows)
    raise KeyError(table)


AGENCY_TABLES = ("indicators", "units", "trend", "funnel", "scores", "persons", "warnings")


def heat_frame(*, ruleset_code: str, label: str, agency_type: str | None) -> pd.DataFrame:
    """Agencies × the months of ``label``'s year: the composite of each month (one snapshot
    query per closed month, whatever the number of agencies)."""
    year = parse_period(label).year
    periods = list(
        Period.objects.filter(ruleset__code=ruleset_code, kind=PeriodKind.MONTH, year=year)
        .select_related("ruleset")
        .order_by("index")
    )
    terms = weights()
    frames = []
    for period in periods:
        frame = indicators(period)
        if frame.empty:
            continue
        frames.append(
            frame[["agency", "agency_name", "agency_type"]].assign(
                period=period.label, composite=composite(frame, terms)
            )
        )
    if not frames:
        return pd.DataFrame(columns=["agency", "agency_name", "agency_type"])
    long = pd.concat(frames, ignore_index=True)
    if agency_type:
        long = long[long["agency_type"] == agency_type]
    wide = long.pivot_table(
        index=["agency_type", "agency", "agency_name"],
        columns="period",
        values="composite",
        aggfunc="first",
    )
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def build_table(spec: dict[str, Any]) -> Table:
    kind = spec["kind"]
    ruleset_code = spec.get("ruleset") or selectors.civil_servant_ruleset_code()
    if kind == "agency":
        agency = Agency.objects.get(code=spec["agency"])
        period = Period.objects.select_related("ruleset").get(
            ruleset__code=ruleset_code, kind=PeriodKind.MONTH, label=spec["period"]
        )
        return agency_table(agency=agency, period=period, table=spec["table"])
    if kind == "ranking":
        frame = ranking(
            ruleset_code=ruleset_code, label=spec["period"], agency_type=spec.get("type") or None
        )
        frame = with_agency_ratings(frame, spec["period"])
        return from_frame(f"xep-hang-{spec['period']}", frame)
    if kind == "heat":
        frame = heat_frame(
            ruleset_code=ruleset_code, label=spec["period"], agency_type=spec.get("type") or None
        )
        return from_frame(f"bang-nhiet-{parse_period(spec['period']).year}", frame)
    if kind == "par":
        frame = par_feed(ruleset_code=ruleset_code, year=int(spec["year"]))
        # Each sub-criterion's column says its maximum and where its points come from.
        names = {c.code: par_header(c) for c in ParSubCriterion.objects.all()}
        headers = [names.get(c, header_for(c)) for c in frame.columns]
        return from_frame(f"chi-so-cchc-{spec['year']}", frame, headers)
    raise KeyError(_("Không có bảng %(kind)s") % {"kind": kind})
