"""Reads behind the agency dashboard: each a fixed number of grouped queries, whatever the size
of the agency (a 3-person agency and a 5,000-person one cost the same number of round trips).

Closed months come from their ``IndicatorSnapshot`` (history never moves); an open month is
computed live (``frames.compute_indicators``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pandas as pd
from django.db import connection
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Floor
from django.utils import timezone

from dashboards.frames import COLUMNS, LEVELS, SIGNED, compute_indicators
from dashboards.lineage import Lineage, combine, lineage_read, note_text
from dashboards.models import IndicatorSnapshot
from evaluation.models import (
    CriterionScore,
    EarlyWarning,
    Evaluation,
    Period,
    PeriodKind,
    PeriodStatus,
)
from evaluation.selectors.approval import agency_periods
from scoring.coverage import coverage_resolve
from staff.models import Agency, StaffCategory

# The rule set the dashboards fall back on when no coverage maps công chức.
DEFAULT_RULESET = "ND335-2025"


def civil_servant_ruleset_code(*, on: dt.date | None = None) -> str:
    """The rule set that rates công chức (DOMAIN.md §5: Decree 335 covers them), from the
    coverage on ``on`` (default today): the code most agencies' công chức resolve to (ties by
    code); ``DEFAULT_RULESET`` when the coverage maps none. What the PAR feed and the agencies'
    own ratings read, and the ranking's first rule set. Two queries (``coverage_resolve``)."""
    found = Counter(
        code
        for (_agency, category), code in coverage_resolve(
            on=on or timezone.localdate()
        ).codes.items()
        if category == StaffCategory.CC
    )
    if not found:
        return DEFAULT_RULESET
    return min(found.items(), key=lambda item: (-item[1], item[0]))[0]


def agency_month_periods(*, agency: Agency, until: dt.date | None = None) -> list[Period]:
    """Every month of the agency, newest first, once per rule set (DOMAIN.md §5: công chức and
    viên chức of one agency are rated under two rule sets in the same month): the months it
    holds evaluations in and those of the rule sets rating some of its staff today — the
    approval board's list (``agency_periods``), months only. With ``until`` (an agency that has
    ended) only the months that began by then."""
    periods = [p for p in agency_periods(agency) if p.kind == PeriodKind.MONTH]
    if until is not None:
        periods = [p for p in periods if p.starts_on <= until]
    return periods


def ranking_ruleset_codes() -> list[str]:
    """The rule sets with months to rank, the one rating công chức first
    (``civil_servant_ruleset_code``)."""
    codes = set(
        Period.objects.filter(kind=PeriodKind.MONTH).values_list("ruleset__code", flat=True)
    )
    first = civil_servant_ruleset_code()
    return sorted(codes, key=lambda code: (code != first, code))


def month_periods(*, ruleset_code: str, until: dt.date | None = None) -> list[Period]:
    """Every month of the rule set, newest first (one query); with ``until`` (the last day of
    an agency that has ended) only the months that began by then: an ended agency's dashboard
    opens on its last month and lists the months it has (DOMAIN.md §1, history kept)."""
    periods = Period.objects.filter(ruleset__code=ruleset_code, kind=PeriodKind.MONTH)
    if until is not None:
        periods = periods.filter(starts_on__lte=until)
    return list(periods.select_related("ruleset").order_by("-year", "-index"))


def agency_indicators(*, period: Period, agency: Agency) -> dict:
    """The agency's indicator row for the month (snapshot once closed, live while open)."""
    if period.status == PeriodStatus.CLOSED:
        data = (
            IndicatorSnapshot.objects.filter(period=period, agency=agency)
            .values_list("data", flat=True)
            .first()
        )
        if data is not None:
            return data
    frame = compute_indicators(period, agency_ids=[agency.pk])
    match = frame[frame["agency"] == agency.code]
    if match.empty:
        return {}
    row = match.iloc[0].to_dict()
    return {
        k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()
    }


def levels_by_unit(*, period: Period, agency: Agency) -> pd.DataFrame:
    """Headcount and signed levels per unit (one grouped query)."""
    signed = Q(status__in=SIGNED)
    rows = (
        Evaluation.objects.filter(period=period, agency=agency)
        .values("unit__code", "unit__name")
        .annotate(
            headcount=Count("id"),
            **{level: Count("id", filter=signed & Q(final_level=level)) for level in LEVELS},
        )
        .order_by("unit__code")
    )
    columns = ["unit__code", "unit__name", "headcount", *LEVELS]
    return pd.DataFrame.from_records(list(rows), columns=columns).rename(
        columns={"unit__code": "unit", "unit__name": "unit_name"}
    )


TREND_COLUMNS = ["evaluated_pct", "approval_on_time_pct", "top_share", "mean_score"]


def trend_frame(
    *,
    period: Period,
    agency: Agency,
    months: int = 12,
    current: dict | None = None,
    lineage: Lineage | None = None,
) -> pd.DataFrame:
    """The last ``months`` months up to ``period``, oldest first: snapshots of the closed ones
    (one query) and the live indicators of any still open (``current``: the row of ``period``
    when the caller already has it).

    The trend follows the lineage on the map at the end of ``period`` (``dashboards.lineage``):
    a month that began before a merger shows the agency combined with the agencies merged into
    it (``lineage.combine``) — their snapshots come in the same one query, an open month's live
    rows in one computation, however many predecessors there are."""
    window = trend_window(period=period, months=months)
    lineage = lineage if lineage is not None else lineage_read()
    members = {
        month.pk: lineage.members(agency.pk, starts_on=month.starts_on, as_of=period.ends_on)
        for month in window
    }
    everyone = sorted({i for ids in members.values() for i in ids})
    snapshots = {
        (period_id, agency_id): data
        for period_id, agency_id, data in IndicatorSnapshot.objects.filter(
            period__in=window, agency_id__in=everyone
        ).values_list("period_id", "agency_id", "data")
    }
    rows = []
    for month in reversed(window):
        ids = members[month.pk]
        found = {i: snapshots[(month.pk, i)] for i in ids if (month.pk, i) in snapshots}
        if agency.pk not in found and current is not None and month.pk == period.pk:
            found[agency.pk] = current
        missing = [i for i in ids if i not in found]
        if missing and month.status == PeriodStatus.OPEN:
            found.update(_live_rows(month, missing, ids={**lineage.ids, agency.code: agency.pk}))
        data = combine([found[i] for i in ids if i in found])
        rows.append({"period": month.label, **{c: data.get(c) for c in TREND_COLUMNS}})
    return pd.DataFrame.from_records(rows, columns=["period", *TREND_COLUMNS])


def trend_window(*, period: Period, months: int = 12) -> list[Period]:
    """The months of the trend up to ``period``, newest first (one query). By the rule set's
    code, not its version: a province moving to a new version (ND335-2025 v2 from a month on)
    keeps one trend, each month rated under the version it was opened with (DOMAIN.md §3)."""
    return list(
        Period.objects.filter(
            ruleset__code=period.ruleset.code, kind=PeriodKind.MONTH, year__lte=period.year
        )
        .exclude(year=period.year, index__gt=period.index)
        .select_related("ruleset")
        .order_by("-year", "-index")[:months]
    )


def _live_rows(period: Period, agency_ids: list[int], *, ids: dict[str, int]) -> dict[int, dict]:
    """The live indicator rows of an open month for these agencies, by agency id (``ids``:
    code → id) — one computation (``frames.compute_indicators``) for all of them."""
    frame = compute_indicators(period, agency_ids=agency_ids)
    if frame.empty:
        return {}
    return {
        ids[row["agency"]]: {
            k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v))
            for k, v in row.items()
        }
        for row in frame.to_dict(orient="records")
        if row["agency"] in ids
    }


def agency_lineage(
    *, period: Period, agency: Agency, lineage: Lineage, since: dt.date | None = None
) -> list[dict]:
    """What the agency's figures include on the map at the end of ``period`` (successions after
    ``since``, the first day the trend shows), then what the agency became if it has ended:
    each note as its sentence and the agencies it names (for links to their dashboards)."""
    notes = lineage.notes(agency.pk, as_of=period.ends_on, since=since)
    fate = lineage.fate(agency.pk)
    return [
        {"text": note_text(note), "agencies": note.agencies, "kind": note.kind}
        for note in [*notes, *([fate] if fate else [])]
    ]


FUNNEL_STAGES = ("self", "manager", "approval", "published")


def funnel_frame(*, period: Period, agency: Agency) -> pd.DataFrame:
    """How many finished each stage, and how many by its deadline (one aggregate query)."""
    qs = Evaluation.objects.filter(period=period, agency=agency)
    totals = qs.aggregate(
        headcount=Count("id"),
        self_done=Count("id", filter=Q(self_submitted_at__isnull=False)),
        self_on_time=Count(
            "id", filter=Q(self_submitted_at__date__lte=F("period__self_assessment_due"))
        ),
        manager_done=Count("id", filter=Q(manager_scored_at__isnull=False)),
        manager_on_time=Count(
            "id", filter=Q(manager_scored_at__date__lte=F("period__manager_due"))
        ),
        approval_done=Count("id", filter=Q(approved_at__isnull=False)),
        approval_on_time=Count("id", filter=Q(approved_at__date__lte=F("period__approval_due"))),
        published_done=Count("id", filter=Q(published_at__isnull=False)),
        published_on_time=Count("id", filter=Q(published_at__date__lte=F("period__approval_due"))),
    )
    return pd.DataFrame.from_records(
        [
            {
                "stage": stage,
                "headcount": totals["headcount"],
                "done": totals[f"{stage}_done"],
                "on_time": totals[f"{stage}_on_time"],
            }
            for stage in FUNNEL_STAGES
        ]
    )


BIN_WIDTH = 5


def score_bins(*, period: Period, agency: Agency) -> pd.DataFrame:
    """Signed scores counted in bins of 5 points, binned in the database (one query)."""
    rows = (
        Evaluation.objects.filter(
            period=period, agency=agency, status__in=SIGNED, score__isnull=False
        )
        .annotate(bin=Floor(F("score") / BIN_WIDTH))
        .values("bin")
        .annotate(count=Count("id"))
        .order_by("bin")
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["bin", "count"])
    frame["bin"] = frame["bin"].astype("float64").clip(upper=100 / BIN_WIDTH - 1) * BIN_WIDTH
    frame = frame.groupby("bin", as_index=False)["count"].sum()
    frame["range"] = [f"{int(b)}–{int(b) + BIN_WIDTH}" for b in frame["bin"]]
    return frame[["range", "bin", "count"]]


PERSON_COLUMNS = [
    "code",
    "full_name",
    "unit_name",
    "status",
    "self_points",
    "manager_points",
    "score",
    "final_level",
]


def person_scores(*, period: Period, agency: Agency) -> pd.DataFrame:
    """Per evaluation: the sum of the person's own general-criteria points and the manager's
    (the scatter of inflation, DOMAIN.md §7), the score and the level (one grouped query)."""
    rows = (
        Evaluation.objects.filter(period=period, agency=agency)
        .values(
            "id",
            "status",
            "score",
            "final_level",
            code=F("staff__code"),
            full_name=F("staff__full_name"),
            unit_name=F("unit__name"),
        )
        .annotate(
            self_points=Sum("criterion_scores__self_points"),
            manager_points=Sum("criterion_scores__manager_points"),
        )
        .order_by("unit_name", "code")
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["id", *PERSON_COLUMNS])
    for column in ("self_points", "manager_points", "score"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def scatter_pairs(*, period: Period, agency: Agency) -> pd.DataFrame:
    """The manager-vs-self scatter without shipping every evaluation: per evaluation the sums of
    the person's and the manager's general-criteria points, then how many evaluations share each
    (self, manager) pair — both groupings in the database (one query)."""
    scores = CriterionScore._meta.db_table
    evaluations = Evaluation._meta.db_table
    sql = (
        f"SELECT s, m, COUNT(*) FROM (SELECT SUM(c.self_points) AS s, SUM(c.manager_points) AS m "
        f"FROM {scores} c JOIN {evaluations} e ON e.id = c.evaluation_id "
        f"WHERE e.period_id = %s AND e.agency_id = %s GROUP BY c.evaluation_id) AS per "
        f"WHERE s IS NOT NULL AND m IS NOT NULL GROUP BY s, m ORDER BY s, m"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [period.pk, agency.pk])
        rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=["self_points", "manager_points", "people"])
    for column in ("self_points", "manager_points"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def warnings_list(*, period: Period, agency: Agency) -> list[dict]:
    """Early warnings of the month (DOMAIN.md §7) with the evaluation to open (one query)."""
    # Unordered: the model's default ordering would join five tables into the subquery, and its
    # cost estimate then set PostgreSQL's JIT compiling for 86 ms (docs/performance.md).
    evaluation = Evaluation.objects.filter(
        period=OuterRef("period"), staff=OuterRef("staff")
    ).order_by()
    return list(
        EarlyWarning.objects.filter(period=period, agency=agency)
        .annotate(evaluation_id=Subquery(evaluation.values("pk")[:1]))
        .select_related("staff", "staff__unit")
        .order_by("staff__sort_key", "kind")
    )


def cards(row: dict) -> list[tuple[str, object, str]]:
    """The indicator cards: (column, value, kind) with kind pct / num / int."""
    chosen = [
        ("headcount", "int"),
        ("evaluated_pct", "pct"),
        ("self_on_time_pct", "pct"),
        ("manager_on_time_pct", "pct"),
        ("approval_on_time_pct", "pct"),
        ("published_on_time_pct", "pct"),
        ("mean_score", "num"),
        ("score_spread", "num"),
        ("top_share", "pct"),
        ("manager_self_gap", "num"),
        ("warnings", "int"),
        ("appeals", "int"),
    ]
    return [(header(c), row.get(c), kind) for c, kind in chosen]


def header(column: str) -> str:
    """The column's header in the active language (Vietnamese first)."""
    from django.utils.translation import get_language

    vi, en = COLUMNS.get(column, (column, column))
    return en if (get_language() or "vi").startswith("en") else vi
