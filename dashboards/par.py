"""The PAR-index feed: points of the civil-service-reform sub-criteria that evaluation
evidences, per agency and year; index = points / max × 100, ranked within agency type.

A year is read on the map of agencies at its end (``rankings.period_frame``): a successor's
months before a merger are its predecessors' combined (``dashboards.lineage``), and the merged
agencies get no row of their own beside it (DOMAIN.md §1)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from dashboards.models import ParImportedScore, ParRule, ParSubCriterion
from dashboards.rankings import period_frame


def sub_criterion_points(criterion: ParSubCriterion, value: float | None) -> float:
    """Threshold: full points at or above it; linear: proportional between lower and
    threshold. A missing value earns nothing."""
    if value is None or pd.isna(value):
        return 0.0
    maximum = float(criterion.max_points)
    if criterion.rule == ParRule.THRESHOLD:
        return maximum if value >= float(criterion.threshold) else 0.0
    lower, upper = float(criterion.lower), float(criterion.threshold)
    if upper <= lower:
        return maximum if value >= upper else 0.0
    share = min(max((value - lower) / (upper - lower), 0.0), 1.0)
    return round(maximum * share, 2)


def par_points(
    *,
    ruleset_code: str,
    label: str,
    criteria: list[ParSubCriterion] | None = None,
    frame: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each agency's points per configured sub-criterion for a month, quarter or year (the
    mean of its months' indicators), its total against the configured maximum, the index
    (points / max × 100) and its rank within type. The points follow the rows: change a
    sub-criterion's maximum and the computation follows (docs/dashboards.md). ``frame``: the
    period's indicators (``period_frame``) when the caller has them already."""
    if frame is None:
        frame = period_frame(ruleset_code=ruleset_code, label=label)
    criteria = list(ParSubCriterion.objects.all()) if criteria is None else criteria
    if frame.empty or not criteria:
        return pd.DataFrame()
    out = frame[["agency", "agency_name", "agency_type"]].copy()
    for criterion in criteria:
        values = pd.to_numeric(frame.get(criterion.indicator), errors="coerce")
        out[criterion.code] = [sub_criterion_points(criterion, v) for v in values]
    maximum = float(sum((c.max_points for c in criteria), Decimal(0)))
    out["points"] = out[[c.code for c in criteria]].sum(axis=1).round(2)
    out["max_points"] = maximum
    out["index"] = (100 * out["points"] / maximum).round(2) if maximum else float("nan")
    out = out.sort_values(["agency_type", "index", "agency"], ascending=[True, False, True])
    out["rank"] = out.groupby("agency_type").cumcount() + 1
    return out


def par_feed(*, ruleset_code: str, year: int) -> pd.DataFrame:
    """Each agency's points per sub-criterion for ``year``, its total, the index share and
    its rank within type; plus the imported points of the other fields for the whole index."""
    out = par_points(ruleset_code=ruleset_code, label=str(year))
    if out.empty:
        return out
    imported = pd.DataFrame.from_records(
        list(
            ParImportedScore.objects.filter(year=year).values(
                "agency__code", "points", "max_points"
            )
        )
    )
    if not imported.empty:
        totals = imported.groupby("agency__code")[["points", "max_points"]].sum().astype(float)
        whole_points = out["agency"].map(totals["points"]).fillna(0) + out["points"]
        whole_max = out["agency"].map(totals["max_points"]).fillna(0) + out["max_points"]
        out["whole_index"] = (100 * whole_points / whole_max).round(2)
    return out.reset_index(drop=True)
