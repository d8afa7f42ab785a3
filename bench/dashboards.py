"""Dashboards at province scale: the ranking of one month and the largest agency's dashboard.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/danhgia_bench \
        python bench/dashboards.py [--staff 50000] [--agencies 120] [--months 12] [--repeat 5]

Builds (once; reused when the same size is already there) the province of ``bench/province.py``:
``--staff`` people in ``--agencies`` agencies of three types (sizes skewed so one agency is much
larger), a unit per about 30 people, and ``--months`` closed months of 2025 in which everyone
has a signed evaluation with six general-criteria scores (self and manager), written with COPY,
each month's indicators snapshotted (``snapshot_period``) as closing a period does.
``bench/run.py`` prints the same figures among the others.

Prints ``name: value unit (floor: value, ratio: x)`` lines, medians of ``--repeat`` runs:

- ranking_month: ``rankings.ranking`` of the last month (closed: read from the snapshots);
- ranking_month_live: the same ranking computed live from the evaluations (as for an open
  month: ``compute_indicators`` for the month and the one before);
- agency_dashboard: every read behind the agency dashboard page of the largest agency
  (``dashboards.selectors``) plus the plotly figures;
- agency_page: the whole page through Django's test client (HTML, figures, JSON).

The floor of the rankings is the plain SQL aggregation over the same rows (one GROUP BY per
agency over the month's evaluations and criterion scores, both months for the live ranking);
the floor of the dashboard is the plain SQL over the agency's rows (levels by unit, funnel,
score bins, per-evaluation self/manager sums, the 12 snapshots, the warnings).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import setup_path

setup_path()

from bench import province  # noqa: E402
from bench.common import line as _print_line  # noqa: E402
from bench.common import median_ms, sql  # noqa: E402
from bench.province import RULESET, YEAR  # noqa: E402

MONTH_SQL = """
SELECT e.agency_id, COUNT(*),
  COUNT(*) FILTER (WHERE e.status IN ('approved','published','under_appeal','closed')
                   AND e.final_level <> ''),
  COUNT(*) FILTER (WHERE e.self_submitted_at::date <= p.self_assessment_due),
  COUNT(*) FILTER (WHERE e.manager_scored_at::date <= p.manager_due),
  COUNT(*) FILTER (WHERE e.approved_at::date <= p.approval_due),
  COUNT(*) FILTER (WHERE e.published_at::date <= p.approval_due),
  AVG(e.score), STDDEV_SAMP(e.score),
  COUNT(*) FILTER (WHERE e.final_level = 'HTXSNV'), COUNT(*) FILTER (WHERE e.final_level = 'HTTNV'),
  COUNT(*) FILTER (WHERE e.final_level = 'HTNV'), COUNT(*) FILTER (WHERE e.final_level = 'KHTNV')
FROM evaluation_evaluation e JOIN evaluation_period p ON p.id = e.period_id
WHERE e.period_id = %s GROUP BY e.agency_id
"""
GAP_SQL = """
SELECT e.agency_id, SUM(c.manager_points - c.self_points), COUNT(DISTINCT c.evaluation_id)
FROM evaluation_criterionscore c JOIN evaluation_evaluation e ON e.id = c.evaluation_id
WHERE e.period_id = %s AND c.self_points IS NOT NULL AND c.manager_points IS NOT NULL
GROUP BY e.agency_id
"""
AGENCY_SQL = [
    (
        "SELECT unit_id, COUNT(*), COUNT(*) FILTER (WHERE final_level='HTXSNV'), "
        "COUNT(*) FILTER (WHERE final_level='HTTNV'), COUNT(*) FILTER (WHERE final_level='HTNV'), "
        "COUNT(*) FILTER (WHERE final_level='KHTNV') FROM evaluation_evaluation "
        "WHERE period_id=%(p)s AND agency_id=%(a)s GROUP BY unit_id"
    ),
    (
        "SELECT COUNT(*), COUNT(self_submitted_at), COUNT(manager_scored_at), COUNT(approved_at), "
        "COUNT(published_at) FROM evaluation_evaluation WHERE period_id=%(p)s AND agency_id=%(a)s"
    ),
    (
        "SELECT FLOOR(score/5), COUNT(*) FROM evaluation_evaluation "
        "WHERE period_id=%(p)s AND agency_id=%(a)s GROUP BY 1"
    ),
    (
        "SELECT e.id, e.staff_id, e.score, e.final_level, SUM(c.self_points), "
        "SUM(c.manager_points) FROM evaluation_evaluation e LEFT JOIN evaluation_criterionscore c "
        "ON c.evaluation_id = e.id WHERE e.period_id=%(p)s AND e.agency_id=%(a)s GROUP BY e.id"
    ),
    ("SELECT period_id, data FROM dashboards_indicatorsnapshot WHERE agency_id=%(a)s"),
    (
        "SELECT w.id, s.code FROM evaluation_earlywarning w JOIN staff_staffmember s "
        "ON s.id = w.staff_id WHERE w.period_id=%(p)s AND w.agency_id=%(a)s"
    ),
]


TARGETS = {
    "ranking_month": "< 300 ms",
    "ranking_month_live": "≤ 2×",
    "agency_dashboard": "≤ 2×",
    "agency_page": "≤ 2×",
}


def measure(repeat: int, only: set[str] | None = None) -> list[str]:
    """Print (and return) the dashboard figures; ``only`` limits them to those names."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from dashboards import charts, selectors
    from dashboards.frames import compute_indicators
    from dashboards.rankings import composite, weights
    from dashboards.rankings import ranking as rank
    from evaluation.models import Evaluation, Period
    from staff.models import Agency

    def wanted(name: str) -> bool:
        return only is None or name in only

    lines: list[str] = []

    def out(name: str, value: float, floor: float) -> None:
        lines.append(_print_line(name, value, "ms", floor, TARGETS[name]))

    periods = list(
        Period.objects.filter(ruleset__code=RULESET, kind="month", year=YEAR, status="closed")
        .select_related("ruleset")
        .order_by("index")
    )
    last, before = periods[-1], periods[-2]
    largest = (
        Evaluation.objects.filter(period=last)
        .values("agency_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    agency = Agency.objects.get(pk=largest["agency_id"])
    evaluations = Evaluation.objects.filter(period=last).count()
    print(
        f"province: {evaluations} evaluations in {last.label}; largest agency {agency.code} "
        f"with {largest['n']}",
        flush=True,
    )

    def month_floor():
        sql(MONTH_SQL, [last.pk])
        sql(GAP_SQL, [last.pk])

    def live_floor():
        for p in (last, before):
            sql(MONTH_SQL, [p.pk])
            sql(GAP_SQL, [p.pk])

    def live_ranking():
        terms = weights()
        for p in (last, before):
            frame = compute_indicators(p)
            frame.assign(composite=composite(frame, terms))

    if wanted("ranking_month"):
        floor = median_ms(month_floor, repeat)
        out(
            "ranking_month",
            median_ms(lambda: rank(ruleset_code=RULESET, label=last.label), repeat),
            floor,
        )
    if wanted("ranking_month_live"):
        out("ranking_month_live", median_ms(live_ranking, repeat), median_ms(live_floor, repeat))

    def dashboard_data():
        selectors.agency_indicators(period=last, agency=agency)
        units = selectors.levels_by_unit(period=last, agency=agency)
        trend = selectors.trend_frame(period=last, agency=agency)
        funnel = selectors.funnel_frame(period=last, agency=agency)
        bins = selectors.score_bins(period=last, agency=agency)
        pairs = selectors.scatter_pairs(period=last, agency=agency)
        selectors.warnings_list(period=last, agency=agency)
        charts.levels_by_unit(units)
        charts.trend(trend)
        charts.funnel(funnel)
        charts.score_histogram(bins)
        charts.manager_vs_self(pairs)

    def agency_floor():
        for query in AGENCY_SQL:
            sql(query, {"p": last.pk, "a": agency.pk})

    if not (wanted("agency_dashboard") or wanted("agency_page")):
        return lines
    agency_floor_ms = median_ms(agency_floor, repeat)
    if wanted("agency_dashboard"):
        out("agency_dashboard", median_ms(dashboard_data, repeat), agency_floor_ms)
    if wanted("agency_page"):
        admin, _ = get_user_model().objects.get_or_create(
            username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
        )
        client = Client()
        client.force_login(admin)
        url = f"/dashboards/agency/{agency.code}/?period={last.label}"

        def page():
            response = client.get(url, HTTP_HOST="localhost")
            assert response.status_code == 200, response.status_code

        out("agency_page", median_ms(page, repeat), agency_floor_ms)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=50_000)
    parser.add_argument("--agencies", type=int, default=120)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    province.ensure(
        os.environ["DATABASE_URL"],
        staff=args.staff,
        months=args.months,
        agencies=args.agencies,
        seed=args.seed,
        rebuild=args.rebuild,
    )
    measure(args.repeat)


if __name__ == "__main__":
    main()
