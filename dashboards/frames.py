"""Agency indicators per period: aggregated in the database, shaped with pandas (DOMAIN.md §8).

One grouped query over the period's evaluations (plus one each for criterion-score gaps,
appeals, exceptions and warnings) gives the counts; pandas turns them into the ratios the
dashboards, the ranking and the PAR feed read. A closed period is read from its snapshot, so
history never moves.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, F, Q, StdDev, Sum

from dashboards.models import IndicatorSnapshot
from evaluation.models import (
    SIGNED_STATUSES,
    Appeal,
    CriterionScore,
    EarlyWarning,
    Evaluation,
    Period,
    PeriodStatus,
    QuotaException,
)
from staff.models import Agency

LEVELS = ("HTXSNV", "HTTNV", "HTNV", "KHTNV")
SIGNED = [s.value for s in SIGNED_STATUSES]

# Column → (Vietnamese header, English header): what exports and tables show.
COLUMNS: dict[str, tuple[str, str]] = {
    "agency": ("Mã cơ quan", "Agency code"),
    "agency_name": ("Cơ quan", "Agency"),
    "agency_type": ("Loại cơ quan", "Agency type"),
    "headcount": ("Số người", "Headcount"),
    "rated": ("Số được xếp loại", "Rated"),
    "evaluated_pct": ("Tỷ lệ đã xếp loại", "Evaluated %"),
    "self_on_time_pct": ("Tự đánh giá đúng hạn", "Self-assessment on time %"),
    "manager_on_time_pct": ("Quản lý chấm đúng hạn", "Manager scoring on time %"),
    "approval_on_time_pct": ("Phê duyệt đúng hạn", "Approval on time %"),
    "published_on_time_pct": ("Công khai đúng hạn", "Published on time %"),
    "HTXSNV": ("Hoàn thành xuất sắc", "Excellent"),
    "HTTNV": ("Hoàn thành tốt", "Good"),
    "HTNV": ("Hoàn thành", "Completed"),
    "KHTNV": ("Không hoàn thành", "Not completed"),
    "mean_score": ("Điểm bình quân", "Mean score"),
    "score_spread": ("Độ phân tán điểm", "Score spread (σ)"),
    "excellent_per_good": ("Tỷ lệ HTXSNV/HTTNV", "Excellent per good"),
    "top_share": ("Tỷ lệ HTXSNV", "Share of excellent"),
    "top_share_within": ("HTXSNV trong tỷ lệ quy định", "Excellent within the quota"),
    "exceptions": ("Ngoại lệ tỷ lệ", "Quota exceptions"),
    "warnings": ("Cảnh báo KHTNV lặp lại", "Repeated KHTNV warnings"),
    "manager_self_gap": ("Chênh lệch quản lý − tự chấm", "Manager − self gap"),
    "appeals": ("Kiến nghị", "Appeals"),
    "appeals_revised": ("Kiến nghị được điều chỉnh", "Appeals revised"),
}


def _only(queryset, agency_ids: list[int] | None, field: str = "agency_id"):
    return queryset if agency_ids is None else queryset.filter(**{f"{field}__in": agency_ids})


def _counts(period: Period, agency_ids: list[int] | None = None) -> pd.DataFrame:
    signed = Q(status__in=SIGNED)
    level_counts = {level: Count("id", filter=signed & Q(final_level=level)) for level in LEVELS}
    rows = (
        _only(Evaluation.objects.filter(period=period), agency_ids)
        .values("agency_id")
        .annotate(
            headcount=Count("id"),
            rated=Count("id", filter=signed & ~Q(final_level="")),
            self_on_time=Count(
                "id", filter=Q(self_submitted_at__date__lte=F("period__self_assessment_due"))
            ),
            manager_on_time=Count(
                "id", filter=Q(manager_scored_at__date__lte=F("period__manager_due"))
            ),
            approval_on_time=Count(
                "id", filter=Q(approved_at__date__lte=F("period__approval_due"))
            ),
            published_on_time=Count(
                "id", filter=Q(published_at__date__lte=F("period__approval_due"))
            ),
            mean_score=Avg("score", filter=signed),
            score_spread=StdDev("score", filter=signed),
            **level_counts,
        )
        .order_by("agency_id")
    )
    return pd.DataFrame.from_records(list(rows))


def _gaps(period: Period, agency_ids: list[int] | None = None) -> pd.Series:
    """Mean per evaluation of (manager − self) general-criteria points, where both scored."""
    rows = (
        _only(
            CriterionScore.objects.filter(
                evaluation__period=period,
                self_points__isnull=False,
                manager_points__isnull=False,
            ),
            agency_ids,
            "evaluation__agency_id",
        )
        .values("evaluation__agency_id")
        .annotate(
            gap=Sum(F("manager_points") - F("self_points")),
            evaluations=Count("evaluation_id", distinct=True),
        )
    )
    return pd.Series(
        {r["evaluation__agency_id"]: float(r["gap"]) / r["evaluations"] for r in rows},
        dtype="float64",
    )


def _per_agency(queryset, **annotations) -> pd.DataFrame:
    rows = list(queryset.values("agency_id").annotate(**annotations).order_by("agency_id"))
    return pd.DataFrame.from_records(rows).set_index("agency_id") if rows else pd.DataFrame()


def compute_indicators(period: Period, agency_ids: list[int] | None = None) -> pd.DataFrame:
    """Indicators of every agency of the period (or of ``agency_ids`` only), computed now from
    the evaluations."""
    counts = _counts(period, agency_ids)
    if counts.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    frame = counts.set_index("agency_id")
    appeals = _per_agency(
        _only(
            Appeal.objects.filter(evaluation__period=period), agency_ids, "evaluation__agency_id"
        ).annotate(agency_id=F("evaluation__agency_id")),
        appeals=Count("id"),
        appeals_revised=Count("id", filter=Q(status="revised")),
    )
    exceptions = _per_agency(
        _only(QuotaException.objects.filter(period=period), agency_ids), exceptions=Count("id")
    )
    warnings = _per_agency(
        _only(EarlyWarning.objects.filter(period=period), agency_ids), warnings=Count("id")
    )
    frame = frame.join([appeals, exceptions, warnings], how="left")
    for column in ("appeals", "appeals_revised", "exceptions", "warnings"):
        if column not in frame:
            frame[column] = 0
    frame = frame.fillna({c: 0 for c in ("appeals", "appeals_revised", "exceptions", "warnings")})
    frame["manager_self_gap"] = _gaps(period, agency_ids).reindex(frame.index)
    headcount = frame["headcount"].astype("float64")
    rated = frame["rated"].astype("float64").where(frame["rated"] > 0)
    frame["evaluated_pct"] = frame["rated"] / headcount
    frame["self_on_time_pct"] = frame["self_on_time"] / headcount
    frame["manager_on_time_pct"] = frame["manager_on_time"] / headcount
    frame["approval_on_time_pct"] = frame["approval_on_time"] / headcount
    frame["published_on_time_pct"] = frame["published_on_time"] / headcount
    frame["top_share"] = frame["HTXSNV"] / rated
    frame["excellent_per_good"] = frame["HTXSNV"] / frame["HTTNV"].where(frame["HTTNV"] > 0)
    percent = period.ruleset.quota_percent
    if percent is None:
        frame["top_share_within"] = 1.0
    else:
        # Per-group quotas add up: within at agency level unless exceptions or revisions.
        base = frame["rated"] if period.ruleset.quota_base == "rated" else frame["HTTNV"]
        limit = base.astype("float64") * float(percent) / 100
        frame["top_share_within"] = (
            (frame["HTXSNV"] <= limit).astype("float64").where(frame["exceptions"] == 0, 1.0)
        )
    frame["mean_score"] = frame["mean_score"].astype("float64")
    frame["score_spread"] = frame["score_spread"].astype("float64")
    agencies = {
        a.pk: a
        for a in Agency.objects.filter(pk__in=list(frame.index)).select_related("agency_type")
    }
    frame["agency"] = [agencies[pk].code for pk in frame.index]
    frame["agency_name"] = [agencies[pk].name for pk in frame.index]
    frame["agency_type"] = [agencies[pk].agency_type.code for pk in frame.index]
    frame = frame.reset_index(drop=True)
    return frame[list(COLUMNS)].sort_values("agency", ignore_index=True)


def snapshot_period(period: Period) -> int:
    """Store the period's indicators (once: a snapshot, like history, never moves)."""
    frame = compute_indicators(period)
    agency_ids = dict(Agency.objects.filter(code__in=frame["agency"]).values_list("code", "pk"))
    existing = set(
        IndicatorSnapshot.objects.filter(period=period).values_list("agency_id", flat=True)
    )
    snapshots = [
        IndicatorSnapshot(period=period, agency_id=agency_ids[row["agency"]], data=_jsonable(row))
        for row in frame.to_dict(orient="records")
        if agency_ids[row["agency"]] not in existing
    ]
    IndicatorSnapshot.objects.bulk_create(snapshots)
    return len(snapshots)


def _jsonable(row: dict) -> dict:
    return {
        k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()
    }


def _open_period_cache_key(period: Period) -> str:
    return f"dashboards:indicators:{period.pk}:{period.opened_at.isoformat()}"


def indicators(period: Period) -> pd.DataFrame:
    """The period's indicators: from the snapshot once closed; while open, computed from the
    live rows and kept in the cache for ``DASHBOARD_OPEN_PERIOD_SECONDS`` — at 50,000 staff a
    live computation takes over a second, and the province-wide ranking of a month under way
    may lag its rows by that long (docs/dashboards.md)."""
    if period.status == PeriodStatus.CLOSED:
        data = list(IndicatorSnapshot.objects.filter(period=period).values_list("data", flat=True))
        if data:
            return pd.DataFrame.from_records(data, columns=list(COLUMNS)).sort_values(
                "agency", ignore_index=True
            )
        return compute_indicators(period)
    seconds = settings.DASHBOARD_OPEN_PERIOD_SECONDS
    if seconds <= 0:
        return compute_indicators(period)
    key = _open_period_cache_key(period)
    records = cache.get(key)
    if records is None:
        frame = compute_indicators(period)
        cache.set(key, frame.to_dict("records"), seconds)
        return frame
    return pd.DataFrame.from_records(records, columns=list(COLUMNS))


def trend(periods: Iterable[Period], agency_code: str, column: str) -> pd.Series:
    """One indicator of one agency across periods (oldest first), for the 12-month trend."""
    values = {}
    for period in sorted(periods, key=lambda p: p.label):
        frame = indicators(period)
        match = frame.loc[frame["agency"] == agency_code, column]
        values[period.label] = (
            float(match.iloc[0]) if len(match) and pd.notna(match.iloc[0]) else None
        )
    return pd.Series(values, dtype="float64")
