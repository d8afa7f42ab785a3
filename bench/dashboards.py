"""Dashboards at province scale: the ranking of one month and the largest agency's dashboard.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/danhgia_bench \
        python bench/dashboards.py [--staff 50000] [--agencies 120] [--months 12] [--repeat 5]

Builds (once; reused when the same size is already there) a province of ``--staff`` people in
``--agencies`` agencies of three types (sizes skewed so one agency is much larger), ten units
each, and ``--months`` closed months of 2025 in which everyone has a signed evaluation with six
general-criteria scores (self and manager). Everything is written with COPY / bulk inserts, not
through the services; then each month's indicators are snapshotted (``snapshot_period``), as
closing a period does. The database is created if missing and migrated.

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
import calendar
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/danhgia_bench")

from bench.imports import FAMILY, GIVEN, MIDDLE, ensure_database  # noqa: E402

PREFIX = "BD"
YEAR = 2025
RULESET = "ND335-2025"
TYPES = [
    ("bd-so", "Sở, ban, ngành (bench)"),
    ("bd-huyen", "UBND cấp huyện (bench)"),
    ("bd-dvsn", "Đơn vị sự nghiệp (bench)"),
]
LEVEL_BANDS = [(90, "HTXSNV"), (70, "HTTNV"), (50, "HTNV"), (0, "KHTNV")]


def _copy(cursor, table: str, columns: list[str], rows) -> int:
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _row_values(model, values: dict) -> tuple[list[str], list]:
    """Every concrete column of ``model``, from ``values`` or the field's default."""
    columns, row = [], []
    for f in model._meta.concrete_fields:
        columns.append(f.column)
        v = values[f.attname] if f.attname in values else f.get_default()
        if isinstance(v, (dict, list)):
            v = json.dumps(v)
        row.append(v)
    return columns, row


def _next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def built(staff: int, months: int) -> bool:
    from evaluation.models import Evaluation
    from staff.models import StaffMember

    have = StaffMember.objects.filter(code__startswith=PREFIX + "-").count()
    evals = Evaluation.objects.filter(
        staff__code__startswith=PREFIX + "-", period__year=YEAR
    ).count()
    return have == staff and evals == staff * months


def build(staff: int, agencies: int, months: int, seed: int) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction

    from dashboards.frames import snapshot_period
    from dashboards.models import IndicatorSnapshot
    from evaluation.models import (
        CriterionScore,
        EarlyWarning,
        Evaluation,
        Period,
        RuleSetCoverage,
    )
    from scoring.models import Criterion, RuleSet
    from staff.models import Agency, AgencyType, Province, StaffMember, Unit

    rng = random.Random(seed)
    t0 = time.perf_counter()
    if not RuleSet.objects.filter(code=RULESET).exists():
        call_command("loaddata", "scoring_standard", verbosity=0)
    ruleset = RuleSet.objects.filter(code=RULESET, status="published").order_by("-version")[0]
    criteria = list(
        Criterion.objects.filter(template_id=ruleset.template_id)
        .order_by("id")
        .values_list("id", "code", "max_points")
    )
    general = [c for c in criteria if c[1].startswith("G")][:6] or criteria[:6]
    user, _ = get_user_model().objects.get_or_create(
        username="bench-approver", defaults={"is_active": False}
    )
    with transaction.atomic():
        # Start clean: the bench's own rows only (prefix BD).
        old = Evaluation.objects.filter(staff__code__startswith=PREFIX + "-")
        CriterionScore.objects.filter(evaluation__in=old).delete()
        EarlyWarning.objects.filter(staff__code__startswith=PREFIX + "-").delete()
        IndicatorSnapshot.objects.filter(agency__code__startswith=PREFIX + "-").delete()
        with connection.cursor() as c:
            c.execute(
                "DELETE FROM evaluation_evaluation WHERE staff_id IN "
                "(SELECT id FROM staff_staffmember WHERE code LIKE %s)",
                [PREFIX + "-%"],
            )
        StaffMember.objects.filter(code__startswith=PREFIX + "-").delete()
        Unit.objects.filter(code__startswith=PREFIX + "-").delete()
        RuleSetCoverage.objects.filter(agency__code__startswith=PREFIX + "-").delete()
        Agency.objects.filter(code__startswith=PREFIX + "-").delete()

        province, _ = Province.objects.get_or_create(code="BD", defaults={"name": "Tỉnh Bench"})
        types = [
            AgencyType.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in TYPES
        ]
        # Zipf-like sizes: the first agency is by far the largest.
        weights = [1 / (i + 1) ** 0.8 for i in range(agencies)]
        total = sum(weights)
        sizes = [max(10, int(staff * w / total)) for w in weights]
        sizes[0] += staff - sum(sizes)
        agency_rows = Agency.objects.bulk_create(
            [
                Agency(
                    province=province,
                    code=f"{PREFIX}-{i:03d}",
                    name=f"Cơ quan thử {i:03d}",
                    agency_type=types[0 if i < agencies // 5 else 1 if i < agencies // 3 else 2],
                    valid_from=dt.date(2020, 1, 1),
                )
                for i in range(agencies)
            ]
        )
        RuleSetCoverage.objects.bulk_create(
            [RuleSetCoverage(agency=a, ruleset_code=RULESET) for a in agency_rows]
        )
        units = Unit.objects.bulk_create(
            [
                Unit(
                    agency=a,
                    code=f"{a.code}-U{j:02d}",
                    name=f"Phòng {j:02d}",
                    path=f"{a.code}-U{j:02d}/",
                    valid_from=dt.date(2020, 1, 1),
                )
                for a in agency_rows
                for j in range(10)
            ]
        )
        units_of = {}
        for u in units:
            units_of.setdefault(u.agency_id, []).append(u.pk)

        periods = []
        for m in range(1, months + 1):
            last = calendar.monthrange(YEAR, m)[1]
            nxt = dt.date(YEAR + (m == 12), m % 12 + 1, 1)
            period, _ = Period.objects.get_or_create(
                ruleset=ruleset,
                kind="month",
                year=YEAR,
                index=m,
                defaults=dict(
                    label=f"{YEAR}-{m:02d}",
                    status="closed",
                    starts_on=dt.date(YEAR, m, 1),
                    ends_on=dt.date(YEAR, m, last),
                    self_assessment_due=nxt + dt.timedelta(days=2),
                    manager_due=nxt + dt.timedelta(days=4),
                    approval_due=nxt + dt.timedelta(days=7),
                    closed_at=dt.datetime(YEAR, m, last, tzinfo=dt.UTC),
                ),
            )
            periods.append(period)

        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor, for COPY
            staff_id = _next_id(cursor, "staff_staffmember")
            people = []  # (staff_id, agency_id, unit_id, skill)
            columns = None

            def staff_rows():
                nonlocal staff_id, columns
                n = 0
                for agency, size in zip(agency_rows, sizes, strict=True):
                    for _k in range(size):
                        n += 1
                        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
                        unit = rng.choice(units_of[agency.pk])
                        cols, row = _row_values(
                            StaffMember,
                            {
                                "id": staff_id,
                                "code": f"{PREFIX}-{n:06d}",
                                "full_name": name,
                                "sort_key": name.lower(),
                                "search_text": name.lower(),
                                "category": "CC",
                                "unit_id": unit,
                                "agency_id": agency.pk,
                                "joined_on": dt.date(2015, 1, 1),
                                "gender": "",
                            },
                        )
                        columns = cols
                        people.append((staff_id, agency.pk, unit, rng.random()))
                        staff_id += 1
                        yield row

            first = list(staff_rows())
            _copy(raw, "staff_staffmember", columns, first)
            print(f"built staff: {len(first)} in {time.perf_counter() - t0:.1f} s", flush=True)

            eval_id = _next_id(cursor, "evaluation_evaluation")
            score_id = _next_id(cursor, "evaluation_criterionscore")
            for period in periods:
                evaluations, scores = [], []
                tz = dt.UTC
                for sid, agency_id, unit_id, skill in people:
                    self_pts = [
                        min(float(mx), round(float(mx) * (0.6 + 0.4 * rng.random()), 0))
                        for _id, _code, mx in general
                    ]
                    mgr_pts = [max(0.0, p - rng.choice((0, 0, 0, 1))) for p in self_pts]
                    score = round(min(100.0, 40 + 60 * skill * (0.8 + 0.2 * rng.random())), 2)
                    level = next(lv for floor, lv in LEVEL_BANDS if score >= floor)
                    late = rng.random() < 0.1
                    due = period.approval_due
                    approved = dt.datetime.combine(due, dt.time(9), tz) + dt.timedelta(
                        days=2 if late else -1
                    )
                    cols, row = _row_values(
                        Evaluation,
                        {
                            "id": eval_id,
                            "period_id": period.pk,
                            "staff_id": sid,
                            "agency_id": agency_id,
                            "unit_id": unit_id,
                            "template_id": ruleset.template_id,
                            "status": "closed",
                            "self_submitted_at": dt.datetime.combine(
                                period.self_assessment_due, dt.time(9), tz
                            )
                            - dt.timedelta(days=1 if rng.random() < 0.9 else -2),
                            "manager_scored_at": dt.datetime.combine(
                                period.manager_due, dt.time(9), tz
                            )
                            - dt.timedelta(days=1),
                            "score": Decimal(str(score)),
                            "band": level,
                            "proposed_level": level,
                            "final_level": level,
                            "approved_at": approved,
                            "approved_by_id": user.pk,
                            "published_at": approved,
                            "updated_at": approved,
                        },
                    )
                    evaluations.append(row)
                    for (cid, _code, _mx), sp, mp in zip(general, self_pts, mgr_pts, strict=True):
                        scores.append((score_id, eval_id, cid, Decimal(str(sp)), Decimal(str(mp))))
                        score_id += 1
                    eval_id += 1
                _copy(raw, "evaluation_evaluation", cols, evaluations)
                _copy(
                    raw,
                    "evaluation_criterionscore",
                    ["id", "evaluation_id", "criterion_id", "self_points", "manager_points"],
                    scores,
                )
                print(
                    f"built {period.label}: {len(evaluations)} evaluations "
                    f"in {time.perf_counter() - t0:.1f} s",
                    flush=True,
                )
            for table in (
                "staff_staffmember",
                "evaluation_evaluation",
                "evaluation_criterionscore",
            ):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
            cursor.execute("ANALYZE")
        # A few early warnings in the largest agency (the KHTNV repeaters of the last months).
        last = periods[-1]
        repeaters = list(
            Evaluation.objects.filter(
                period=last, agency=agency_rows[0], final_level="KHTNV"
            ).values_list("staff_id", flat=True)[:50]
        )
        EarlyWarning.objects.bulk_create(
            [
                EarlyWarning(
                    staff_id=s,
                    agency=agency_rows[0],
                    period=last,
                    kind="two_consecutive",
                    months=[periods[-2].label, last.label],
                )
                for s in repeaters
            ]
        )
    for period in periods:
        IndicatorSnapshot.objects.filter(period=period).delete()
        snapshot_period(period)
    print(f"built snapshots in {time.perf_counter() - t0:.1f} s", flush=True)


def _median(fn, repeat: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _sql(query: str, params: list) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        cursor.fetchall()


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


def measure(repeat: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from dashboards import charts, selectors
    from dashboards.frames import compute_indicators
    from dashboards.rankings import composite, weights
    from dashboards.rankings import ranking as rank
    from evaluation.models import Evaluation, Period

    periods = list(
        Period.objects.filter(ruleset__code=RULESET, kind="month", year=YEAR)
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
    from staff.models import Agency

    agency = Agency.objects.get(pk=largest["agency_id"])
    evaluations = Evaluation.objects.filter(period=last).count()
    print(
        f"province: {evaluations} evaluations in {last.label}; largest agency {agency.code} "
        f"with {largest['n']}",
        flush=True,
    )

    def month_floor():
        _sql(MONTH_SQL, [last.pk])
        _sql(GAP_SQL, [last.pk])

    def live_floor():
        for p in (last, before):
            _sql(MONTH_SQL, [p.pk])
            _sql(GAP_SQL, [p.pk])

    def live_ranking():
        terms = weights()
        for p in (last, before):
            frame = compute_indicators(p)
            frame.assign(composite=composite(frame, terms))

    floor = _median(month_floor, repeat)
    server = _median(lambda: rank(ruleset_code=RULESET, label=last.label), repeat)
    _line("ranking_month", server, floor)
    live = _median(live_ranking, repeat)
    _line("ranking_month_live", live, _median(live_floor, repeat))

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
            _sql(query, {"p": last.pk, "a": agency.pk})

    agency_floor_ms = _median(agency_floor, repeat)
    _line("agency_dashboard", _median(dashboard_data, repeat), agency_floor_ms)
    admin, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(admin)
    url = f"/dashboards/agency/{agency.code}/?period={last.label}"

    def page():
        response = client.get(url, HTTP_HOST="localhost")
        assert response.status_code == 200, response.status_code

    _line("agency_page", _median(page, repeat), agency_floor_ms)


def _line(name: str, value: float, floor: float) -> None:
    print(
        f"{name}: {value:.1f} ms (floor: {floor:.1f} ms, ratio: {value / floor:.2f}x)", flush=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=50_000)
    parser.add_argument("--agencies", type=int, default=120)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.rebuild or not built(args.staff, args.months):
        build(args.staff, args.agencies, args.months, args.seed)
    measure(args.repeat)


if __name__ == "__main__":
    main()
