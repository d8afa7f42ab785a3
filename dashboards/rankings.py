"""Provincial ranking: agencies ranked within their type by a configurable composite.

composite = 100 × Σ wᵢ·vᵢ / Σ wᵢ, where vᵢ is an indicator share (0–1; "lower is better"
indicators enter as 1 − v) and a missing value counts as 0. Weights are ``RankingWeight`` rows
(defaults in docs/dashboards.md). A quarter or a year is ranked on the mean of its months.

Both follow the lineage (DOMAIN.md §1, ``dashboards.lineage``): a period is ranked on the map of
agencies at its end, so a quarter or a year that spans a merger ranks the successor on its own
months and, before the merger, on its predecessors' combined; the previous period is restated
onto the same map, so the successor's change is measured against what it was made of.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboards.frames import indicators
from dashboards.lineage import Lineage, label_ends_on, label_starts_on, lineage_read, note_text
from dashboards.models import Direction, RankingWeight
from evaluation.models import Period, PeriodKind, PeriodStatus
from scoring.periods import parse_period

ID_COLUMNS = ["agency", "agency_name", "agency_type"]


def period_frame(
    *,
    ruleset_code: str,
    label: str,
    as_of: dt.date | None = None,
    lineage: Lineage | None = None,
    closed_only: bool = False,
) -> pd.DataFrame:
    """Indicators for a month, or the mean of its months' indicators for a quarter or year, on
    the map of agencies at ``as_of`` (default: the period's last day): each month restated with
    the successions then in force (``Lineage.restate``). ``closed_only``: the closed months
    alone — an open month's live figures count its unfinished steps as not done."""
    months = parse_period(label).month_labels
    periods = Period.objects.filter(
        ruleset__code=ruleset_code, kind=PeriodKind.MONTH, label__in=months
    ).select_related("ruleset")
    if closed_only:
        periods = periods.filter(status=PeriodStatus.CLOSED)
    lineage = lineage if lineage is not None else lineage_read()
    as_of = as_of if as_of is not None else label_ends_on(label)
    frames = [lineage.restate(indicators(p), starts_on=p.starts_on, as_of=as_of) for p in periods]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame()
    if len(months) == 1:
        return frames[0]
    combined = pd.concat(frames, ignore_index=True)
    numeric = combined.drop(columns=ID_COLUMNS).apply(pd.to_numeric, errors="coerce")
    numeric[ID_COLUMNS] = combined[ID_COLUMNS]
    return numeric.groupby(ID_COLUMNS, as_index=False).mean()


def weights() -> list[RankingWeight]:
    return list(RankingWeight.objects.all())


def composite(frame: pd.DataFrame, terms: list[RankingWeight]) -> pd.Series:
    total_weight = float(sum(t.weight for t in terms)) or 1.0
    score = pd.Series(0.0, index=frame.index)
    for term in terms:
        values = pd.to_numeric(frame.get(term.indicator), errors="coerce")
        if values is None:
            continue
        values = values.clip(lower=0, upper=1)
        if term.direction == Direction.LOWER:
            values = 1 - values
        score += float(term.weight) * values.fillna(0)
    return (100 * score / total_weight).round(2)


def ranking(
    *,
    ruleset_code: str,
    label: str,
    agency_type: str | None = None,
    lineage: Lineage | None = None,
) -> pd.DataFrame:
    """Agencies ranked within their type (1 = best), with the movement since the previous
    period of the same kind (positive = moved up). The previous period is restated onto this
    one's map: a successor's previous rank is that of its predecessors' combined figures, and
    the agencies merged into it are not ranked beside it."""
    lineage = lineage if lineage is not None else lineage_read()
    as_of = label_ends_on(label)
    frame = period_frame(ruleset_code=ruleset_code, label=label, as_of=as_of, lineage=lineage)
    if frame.empty:
        return frame
    terms = weights()
    frame = frame.assign(composite=composite(frame, terms))
    frame = frame.sort_values(["agency_type", "composite", "agency"], ascending=[True, False, True])
    frame["rank"] = frame.groupby("agency_type").cumcount() + 1
    previous = previous_label(label)
    frame["movement"] = pd.NA
    if previous is not None:
        before = period_frame(
            ruleset_code=ruleset_code, label=previous, as_of=as_of, lineage=lineage
        )
        if not before.empty:
            before = before.assign(composite=composite(before, terms)).sort_values(
                ["agency_type", "composite", "agency"], ascending=[True, False, True]
            )
            before["rank"] = before.groupby("agency_type").cumcount() + 1
            old = dict(zip(before["agency"], before["rank"], strict=True))
            frame["movement"] = [
                (old[a] - r) if a in old else pd.NA
                for a, r in zip(frame["agency"], frame["rank"], strict=True)
            ]
    if agency_type:
        frame = frame[frame["agency_type"] == agency_type]
    columns = ["rank", *ID_COLUMNS, "composite", "movement"]
    rest = [c for c in frame.columns if c not in columns]
    return frame[columns + rest].reset_index(drop=True)


def ranking_lineage(*, label: str, lineage: Lineage, codes: list[str]) -> dict[str, str]:
    """Each ranked agency's lineage sentence ("gồm Sở A và Sở B trước 01/10/2026"): the
    successions its figures or its change were restated for — those after the first day of the
    previous period, on the map at this period's end. Agencies without one are left out."""
    as_of = label_ends_on(label)
    previous = previous_label(label)
    since = label_starts_on(previous if previous is not None else label)
    sentences = {}
    for code in codes:
        agency_id = lineage.ids.get(code)
        if agency_id is None:
            continue
        found = lineage.notes(agency_id, as_of=as_of, since=since)
        if found:
            sentences[code] = "; ".join(note_text(n) for n in found)
    return sentences


def previous_label(label: str) -> str | None:
    period = parse_period(label)
    if period.kind.value == "month":
        year, month = (
            (period.year - 1, 12) if period.index == 1 else (period.year, period.index - 1)
        )
        return f"{year:04d}-{month:02d}"
    if period.kind.value == "quarter":
        year, q = (period.year - 1, 4) if period.index == 1 else (period.year, period.index - 1)
        return f"{year:04d}-Q{q}"
    return f"{period.year - 1:04d}"
