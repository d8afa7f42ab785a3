"""The synthetic province the benches measure, built once per size and reused.

``ensure(url, staff=…, months=…)`` (re)builds the database when what it holds is not this size
(a note in the ``bench_meta`` table says what was built), else reuses it. Everything bulk is
written with COPY / INSERT … SELECT, never the ORM row by row:

- ``--agencies`` agencies of today's three types (DOMAIN.md §1, two tiers: no district), sizes
  skewed (Zipf-like: the first, ``BD-000``, is by far the largest): a sixth are departments
  (sở, ban, ngành: the largest), a twelfth public service units (the smallest), the rest —
  90 of the default 120 — communes, wards and special zones;
  one unit per about 30 people (at least ten); the agency's first person is
  its head (position GD, duty
  group LD, agency_head + manager roles), each unit's first person its head (TP, LD, manager of
  the unit), everyone else a specialist (CV) reporting to their unit's head;
- a user account for every person, all with the same password (one Argon2 hash reused), an HR
  officer per agency and a province admin (``bench-admin``);
- ``--months`` closed months of 2025 in which everyone has a signed evaluation with six
  general-criteria scores, then each month snapshotted with ``snapshot_period`` as closing does;
- the month under way (``current_label``: the first quarter-end month after the history, so
  that closing it also derives the quarter through the engine), opened by the real
  ``period_open`` and then moved on in bulk: 40 % of specialists still in draft, 40 % having
  submitted their self-assessment, 20 % scored by their manager (leaders in draft).
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bench.common import (
    copy_rows,
    next_id,
    read_meta,
    recreate_database,
    reset_sequences,
    row_values,
    write_meta,
)
from bench.names import FAMILY, GIVEN, MIDDLE

PREFIX = "BD"
YEAR = 2025
RULESET = "ND335-2025"
PASSWORD = "bench-Mat-khau-2026"
ADMIN = "bench-admin"
VERSION = 4  # bump when the shape of the build changes: older builds are rebuilt
# code, name, the agencies' names (the i-th agency is "<name> <i>")
TYPES = [
    ("bd-so", "Sở, ban, ngành (bench)", "Sở thử"),
    ("bd-xa", "UBND xã, phường, đặc khu (bench)", "UBND xã thử"),
    ("bd-dvsn", "Đơn vị sự nghiệp công lập (bench)", "Đơn vị sự nghiệp thử"),
]
LEVEL_BANDS = [(90, "HTXSNV"), (70, "HTTNV"), (50, "HTNV"), (0, "KHTNV")]
UNITS_PER_AGENCY = 10  # at least; one unit per about 30 people in larger agencies
UNIT_SIZE = 30
SINCE = dt.date(2020, 1, 1)  # agencies, units and roles are valid from then
JOINED = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # the user accounts' date_joined


def month_label(k: int) -> str:
    """The k-th month counted from January 2025 (1-based) as YYYY-MM."""
    return f"{YEAR + (k - 1) // 12}-{(k - 1) % 12 + 1:02d}"


def current_label(months: int) -> str:
    """The month under way: the first quarter-end month after the ``months`` closed ones."""
    k = months + 1
    while k % 3:
        k += 1
    return month_label(k)


def next_label(label: str) -> str:
    year, month = map(int, label.split("-"))
    return f"{year + (month == 12)}-{month % 12 + 1:02d}"


def ensure(
    url: str, *, staff: int, months: int, agencies: int = 120, seed: int = 2026, rebuild=False
) -> bool:
    """Make the database hold this province; returns True when it was (re)built.

    Call before ``django.setup()`` has connected (it may drop and recreate the database);
    sets Django up itself.
    """
    import django

    key = {"version": VERSION, "staff": staff, "months": months, "agencies": agencies}
    key["seed"] = seed
    need = rebuild or read_meta(url, "province") != key
    if need:
        recreate_database(url)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if need:
        build(staff=staff, agencies=agencies, months=months, seed=seed)
        write_meta("province", key)
    return need


def _sizes(staff: int, agencies: int) -> list[int]:
    weights = [1 / (i + 1) ** 0.8 for i in range(agencies)]
    total = sum(weights)
    sizes = [max(UNITS_PER_AGENCY + 2, int(staff * w / total)) for w in weights]
    sizes[0] += staff - sum(sizes)
    return sizes


def build(*, staff: int, agencies: int, months: int, seed: int) -> None:
    """Build the province of the module docstring into the freshly migrated database."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from dashboards.frames import snapshot_period

    rng = random.Random(seed)
    t0 = time.perf_counter()
    ruleset, general = _load_rules()
    admin = get_user_model().objects.create_superuser(ADMIN, "admin@bench.gov.vn", PASSWORD)
    with transaction.atomic():
        org = _build_organisation(staff=staff, agencies=agencies)
        periods = _build_closed_months(ruleset, months)
        with connection.cursor() as cursor:
            people = _copy_staff_and_users(cursor, org, rng)
            print(
                f"built staff and users: {len(people)} in {time.perf_counter() - t0:.1f} s",
                flush=True,
            )
            _copy_closed_evaluations(
                cursor,
                periods,
                people,
                template_id=ruleset.template_id,
                general=general,
                approved_by_id=admin.pk,
                rng=rng,
                t0=t0,
            )
        _add_early_warnings(periods, org.agencies[0])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for period in periods:
        snapshot_period(period)
    print(f"built snapshots in {time.perf_counter() - t0:.1f} s", flush=True)
    open_current(months, admin)
    print(f"built the month under way in {time.perf_counter() - t0:.1f} s", flush=True)
    with connection.cursor() as cursor:  # as a database in service is: vacuumed, analysed
        cursor.execute("VACUUM (ANALYZE)")
    print(f"vacuumed in {time.perf_counter() - t0:.1f} s", flush=True)


def _load_rules():
    """The standard rule sets (fixture); returns the RULESET version used and its six general
    criteria as (id, code, max points)."""
    from django.core.management import call_command

    # The rules of 1 January 2026, on which docs/performance.md's figures were measured (a
    # later version changes the leaders' inputs); present versions are left as they are.
    call_command("load_standard_rules", "--published-by", "2026-01-01", verbosity=0)
    return _published_ruleset(), general_criteria()


@dataclass(frozen=True)
class _Jobs:
    """The positions and duty groups everyone is given (see the module docstring)."""

    head: Any  # Position BD-GD: the agency's head
    unit_head: Any  # Position BD-TP
    specialist: Any  # Position BD-CV
    leaders: Any  # DutyGroup BD-LD
    specialists: Any  # DutyGroup BD-CV


@dataclass(frozen=True)
class _Organisation:
    agencies: list[Any]  # Agency rows, the largest first
    sizes: list[int]  # people per agency
    units_of: dict[int, list[Any]]  # agency id → its units
    public_service_type_id: int  # their staff are viên chức (VC), the others' công chức (CC)
    jobs: _Jobs


def _build_organisation(*, staff: int, agencies: int) -> _Organisation:
    """The province, its agency types and agencies (every category of every type on RULESET,
    by type × category), their units, and the positions and duty groups."""
    from scoring.models import RuleSetCoverage
    from staff.models import Agency, AgencyType, Province, StaffCategory, Unit

    province = Province.objects.create(code=PREFIX, name="Tỉnh Bench")
    types = [AgencyType.objects.create(code=code, name=name) for code, name, _ in TYPES]
    sizes = _sizes(staff, agencies)
    unit_counts = [max(UNITS_PER_AGENCY, size // UNIT_SIZE) for size in sizes]
    kinds = [_type_index(i, agencies) for i in range(agencies)]
    agency_rows = Agency.objects.bulk_create(
        [
            Agency(
                province=province,
                code=f"{PREFIX}-{i:03d}",
                name=f"{TYPES[kind][2]} {i:03d}",
                agency_type=types[kind],
                valid_from=SINCE,
            )
            for i, kind in enumerate(kinds)
        ]
    )
    # Which rule set rates whom is by agency type × staff category (DOMAIN.md §5), as a province
    # maps it: every category of every type to RULESET here (one rule set keeps the figures
    # comparable from run to run), the shape ``coverage_resolve`` reads in production.
    RuleSetCoverage.objects.bulk_create(
        [
            RuleSetCoverage(agency_type=t, category=category, ruleset_code=RULESET)
            for t in types
            for category in StaffCategory.values
        ]
    )
    units = Unit.objects.bulk_create(
        [
            Unit(
                agency=a,
                code=f"{a.code}-U{j:03d}",
                name=f"Phòng {j:03d}",
                path=f"{a.code}-U{j:03d}/",
                valid_from=SINCE,
            )
            for a, count in zip(agency_rows, unit_counts, strict=True)
            for j in range(count)
        ]
    )
    units_of: dict[int, list[Unit]] = {}
    for u in units:
        units_of.setdefault(u.agency_id, []).append(u)
    return _Organisation(
        agencies=agency_rows,
        sizes=sizes,
        units_of=units_of,
        public_service_type_id=types[2].pk,
        jobs=_build_jobs(),
    )


def _type_index(i: int, agencies: int) -> int:
    """The type (index in TYPES) of the i-th agency, the largest first: departments, then
    communes / wards / special zones, then the last twelfth public service units."""
    if i < max(1, agencies // 6):
        return 0
    return 2 if i >= agencies - agencies // 12 else 1


def _build_jobs() -> _Jobs:
    from staff.models import DutyGroup, Leadership, Position

    return _Jobs(
        head=Position.objects.create(code="BD-GD", name="Giám đốc", leadership=Leadership.HEAD),
        unit_head=Position.objects.create(
            code="BD-TP", name="Trưởng phòng", leadership=Leadership.HEAD
        ),
        specialist=Position.objects.create(code="BD-CV", name="Chuyên viên"),
        leaders=DutyGroup.objects.create(code="BD-LD", name="Lãnh đạo"),
        specialists=DutyGroup.objects.create(code="BD-CV", name="Chuyên viên"),
    )


def _build_closed_months(ruleset, months: int) -> list:
    """The ``months`` first months of YEAR, closed."""
    from evaluation.models import Period

    periods = []
    for m in range(1, months + 1):
        last = calendar.monthrange(YEAR, m)[1]
        nxt = dt.date(YEAR + (m == 12), m % 12 + 1, 1)
        periods.append(
            Period.objects.create(
                ruleset=ruleset,
                kind="month",
                year=YEAR,
                index=m,
                label=f"{YEAR}-{m:02d}",
                status="closed",
                starts_on=dt.date(YEAR, m, 1),
                ends_on=dt.date(YEAR, m, last),
                self_assessment_due=nxt + dt.timedelta(days=2),
                manager_due=nxt + dt.timedelta(days=4),
                approval_due=nxt + dt.timedelta(days=7),
                closed_at=dt.datetime(YEAR, m, last, tzinfo=dt.UTC),
            )
        )
    return periods


# One person as the evaluations need them:
# (staff id, agency id, unit id, skill, duty group id, manager's staff id, leadership).
_Person = tuple[int, int, int, float, int, int | None, str]


def _copy_staff_and_users(cursor, org: _Organisation, rng: random.Random) -> list[_Person]:
    """Everyone, with a user account each (COPY), and their roles; returns the people."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from staff.models import RoleAssignment, StaffMember

    User = get_user_model()
    password = make_password(PASSWORD)  # one hash for everyone: hashing is the slow part
    user_id = next_id(cursor, "auth_user")
    staff_id = next_id(cursor, "staff_staffmember")
    people: list[_Person] = []
    user_rows, staff_rows = [], []
    roles: list[RoleAssignment] = []
    ucols = scols = None
    n = 0
    for agency, size in zip(org.agencies, org.sizes, strict=True):
        agency_units = org.units_of[agency.pk]
        head_id = staff_id
        unit_heads: dict[int, int] = {}  # unit id → its head's staff id
        for k in range(size):
            n += 1
            code = f"{PREFIX}-{n:06d}"
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            unit = agency_units[0 if k == 0 else (k - 1) % len(agency_units)]
            position, group, manager, lead, person_roles = _job(
                k,
                unit,
                len(agency_units),
                org.jobs,
                staff_id=staff_id,
                head_id=head_id,
                unit_heads=unit_heads,
            )
            roles += [
                RoleAssignment(user_id=user_id, agency=agency, valid_from=SINCE, **role)
                for role in person_roles
            ]
            ucols, urow = row_values(User, _user_values(user_id, code, password))
            user_rows.append(urow)
            category = "CC" if agency.agency_type_id != org.public_service_type_id else "VC"
            scols, srow = row_values(
                StaffMember,
                {
                    "id": staff_id,
                    "code": code,
                    "full_name": name,
                    "sort_key": name.lower(),
                    "search_text": name.lower(),
                    "category": category,
                    "unit_id": unit.pk,
                    "agency_id": agency.pk,
                    "position_id": position.pk,
                    "duty_group_id": group.pk,
                    "manager_id": manager,
                    "user_id": user_id,
                    "email": f"{code.lower()}@bench.gov.vn",
                    "joined_on": dt.date(2015, 1, 1),
                    "gender": "",
                },
            )
            staff_rows.append(srow)
            people.append((staff_id, agency.pk, unit.pk, rng.random(), group.pk, manager, lead))
            staff_id += 1
            user_id += 1
    raw = cursor.cursor  # the psycopg cursor, for COPY
    copy_rows(raw, "auth_user", ucols, user_rows)
    copy_rows(raw, "staff_staffmember", scols, staff_rows)
    reset_sequences(cursor, ["auth_user", "staff_staffmember"])
    RoleAssignment.objects.bulk_create(roles, batch_size=5000)
    return people


def _job(
    k: int,
    unit,
    unit_count: int,
    jobs: _Jobs,
    *,
    staff_id: int,
    head_id: int,
    unit_heads: dict[int, int],
) -> tuple[Any, Any, int | None, str, list[dict[str, Any]]]:
    """Position, duty group, manager, leadership and roles of an agency's ``k``-th person.

    The first is the agency's head; the first of each unit its head (recorded in
    ``unit_heads``), reporting to the agency's head; the others are specialists reporting to
    their unit's head, one of them the agency's HR officer.
    """
    from staff.models import Role

    if k == 0:
        roles = [{"role": Role.AGENCY_HEAD}, {"role": Role.MANAGER}]
        return jobs.head, jobs.leaders, None, "head", roles
    if unit.pk not in unit_heads:
        unit_heads[unit.pk] = staff_id
        roles = [{"role": Role.MANAGER, "unit": unit}]
        return jobs.unit_head, jobs.leaders, head_id, "head", roles
    roles = [{"role": Role.HR_OFFICER}] if k == unit_count + 1 else []
    return jobs.specialist, jobs.specialists, unit_heads[unit.pk], "none", roles


def _user_values(user_id: int, code: str, password: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "password": password,
        "username": code.lower(),
        "email": f"{code.lower()}@bench.gov.vn",
        "is_active": True,
        "date_joined": JOINED,
    }


def _copy_closed_evaluations(
    cursor,
    periods: list,
    people: list[_Person],
    *,
    template_id: int,
    general: list[tuple[int, str, Decimal]],
    approved_by_id: int,
    rng: random.Random,
    t0: float,
) -> None:
    """A signed evaluation of everyone in every closed month, with its six criterion scores
    (COPY, one month at a time)."""
    raw = cursor.cursor  # the psycopg cursor, for COPY
    eval_id = next_id(cursor, "evaluation_evaluation")
    score_id = next_id(cursor, "evaluation_criterionscore")
    for period in periods:
        cols, evaluations, scores = _closed_month_rows(
            period,
            people,
            template_id=template_id,
            general=general,
            approved_by_id=approved_by_id,
            rng=rng,
            eval_id=eval_id,
            score_id=score_id,
        )
        eval_id += len(evaluations)
        score_id += len(scores)
        copy_rows(raw, "evaluation_evaluation", cols, evaluations)
        copy_rows(
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
    reset_sequences(cursor, ["evaluation_evaluation", "evaluation_criterionscore"])


def _closed_month_rows(
    period,
    people: list[_Person],
    *,
    template_id: int,
    general: list[tuple[int, str, Decimal]],
    approved_by_id: int,
    rng: random.Random,
    eval_id: int,
    score_id: int,
) -> tuple[list[str], list[list], list[tuple]]:
    """The month's evaluation rows (columns, rows) and criterion-score rows, ids from
    ``eval_id`` and ``score_id``: scores follow each person's skill, a tenth submit or are
    signed a little late."""
    from evaluation.models import Evaluation

    tz = dt.UTC
    # One template row per month; each person's row changes only a few columns.
    submitted = dt.datetime.combine(period.self_assessment_due, dt.time(9), tz)
    approved = dt.datetime.combine(period.approval_due, dt.time(9), tz)
    cols, template = row_values(
        Evaluation,
        {
            "period_id": period.pk,
            "template_id": template_id,
            "status": "closed",
            "manager_scored_at": dt.datetime.combine(period.manager_due, dt.time(9), tz)
            - dt.timedelta(days=1),
            "manager_scored_by_id": None,
            "approved_by_id": approved_by_id,
        },
    )
    at = {c: i for i, c in enumerate(cols)}
    on_time = (submitted - dt.timedelta(days=1), submitted + dt.timedelta(days=2))
    signed = (approved - dt.timedelta(days=1), approved + dt.timedelta(days=2))
    evaluations, scores = [], []
    for sid, agency_id, unit_id, skill, group_id, manager_id, lead in people:
        self_pts = [
            min(int(mx), round(float(mx) * (0.6 + 0.4 * rng.random())))
            for _id, _code, mx in general
        ]
        mgr_pts = [max(0, p - rng.choice((0, 0, 0, 1))) for p in self_pts]
        score = round(min(100.0, 40 + 60 * skill * (0.8 + 0.2 * rng.random())), 2)
        level = next(lv for floor, lv in LEVEL_BANDS if score >= floor)
        when = signed[rng.random() < 0.1]
        row = template.copy()
        row[at["id"]] = eval_id
        row[at["staff_id"]] = sid
        row[at["agency_id"]] = agency_id
        row[at["unit_id"]] = unit_id
        row[at["duty_group_id"]] = group_id
        row[at["manager_id"]] = manager_id
        row[at["leadership"]] = lead
        row[at["self_submitted_at"]] = on_time[rng.random() >= 0.9]
        row[at["score"]] = f"{score:.2f}"
        row[at["band"]] = row[at["proposed_level"]] = row[at["final_level"]] = level
        row[at["approved_at"]] = row[at["published_at"]] = when
        row[at["updated_at"]] = when
        evaluations.append(row)
        for (cid, _code, _mx), sp, mp in zip(general, self_pts, mgr_pts, strict=True):
            scores.append((score_id, eval_id, cid, sp, mp))
            score_id += 1
        eval_id += 1
    return cols, evaluations, scores


def _add_early_warnings(periods: list, agency) -> None:
    """A few early warnings in the largest agency (the KHTNV repeaters of the last month)."""
    from evaluation.models import EarlyWarning, Evaluation

    if len(periods) < 2:
        return
    last = periods[-1]
    repeaters = list(
        Evaluation.objects.filter(period=last, agency=agency, final_level="KHTNV").values_list(
            "staff_id", flat=True
        )[:50]
    )
    EarlyWarning.objects.bulk_create(
        [
            EarlyWarning(
                staff_id=s,
                agency=agency,
                period=last,
                kind="two_consecutive",
                months=[periods[-2].label, last.label],
            )
            for s in repeaters
        ]
    )


def open_current(months: int, admin) -> None:
    """Open the month under way with the real service, then move it on in bulk (SQL)."""
    from django.db import connection, transaction

    from evaluation.services.periods import period_open

    period, _count = period_open(ruleset_code=RULESET, label=current_label(months), user=admin)
    general = general_criteria()
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT setseed(0.2026)")
        # Specialists: 40 % draft, 40 % self-assessed, 20 % scored by the manager.
        c.execute(
            """
            UPDATE evaluation_evaluation e SET
              status = CASE WHEN MOD(e.staff_id, 5) IN (2, 3) THEN 'self_assessed'
                            ELSE 'manager_scored' END,
              self_submitted_at = %(start)s::timestamptz + interval '3 days',
              manager_scored_at = CASE WHEN MOD(e.staff_id, 5) = 4
                                  THEN %(start)s::timestamptz + interval '5 days' END,
              manager_scored_by_id = CASE WHEN MOD(e.staff_id, 5) = 4 THEN m.user_id END,
              version = e.version + 1
            FROM staff_staffmember m
            WHERE e.period_id = %(p)s AND e.leadership = 'none' AND MOD(e.staff_id, 5) >= 2
              AND m.id = e.manager_id
            """,
            {"p": period.pk, "start": dt.datetime.combine(period.ends_on, dt.time(9), dt.UTC)},
        )
        values = ", ".join(f"({cid}, {float(mx)})" for cid, _code, mx in general)
        c.execute(
            f"""
            INSERT INTO evaluation_criterionscore
              (evaluation_id, criterion_id, self_points, manager_points)
            SELECT e.id, g.id, ROUND((g.mx * (0.6 + 0.4 * random()))::numeric, 0),
                   CASE WHEN e.status = 'manager_scored'
                        THEN ROUND((g.mx * (0.55 + 0.45 * random()))::numeric, 0) END
            FROM evaluation_evaluation e CROSS JOIN (VALUES {values}) AS g (id, mx)
            WHERE e.period_id = %s AND e.status IN ('self_assessed', 'manager_scored')
            """,
            [period.pk],
        )
        c.execute(
            """
            UPDATE evaluation_evaluation e SET score = s.total,
              band = CASE WHEN s.total >= 90 THEN 'HTXSNV' WHEN s.total >= 70 THEN 'HTTNV'
                          WHEN s.total >= 50 THEN 'HTNV' ELSE 'KHTNV' END,
              proposed_level = CASE WHEN s.total >= 90 THEN 'HTXSNV'
                          WHEN s.total >= 70 THEN 'HTTNV'
                          WHEN s.total >= 50 THEN 'HTNV' ELSE 'KHTNV' END
            FROM (SELECT c.evaluation_id, LEAST(100, 40 + 2 * SUM(c.manager_points)) AS total
                  FROM evaluation_criterionscore c JOIN evaluation_evaluation x
                    ON x.id = c.evaluation_id
                  WHERE x.period_id = %s AND x.status = 'manager_scored'
                  GROUP BY c.evaluation_id) s
            WHERE e.id = s.evaluation_id
            """,
            [period.pk],
        )
        c.execute("ANALYZE evaluation_evaluation")
        c.execute("ANALYZE evaluation_criterionscore")


def general_criteria() -> list[tuple[int, str, Decimal]]:
    """(id, code, max points) of the six general criteria of the rule set's template."""
    from scoring.models import Criterion

    ruleset = _published_ruleset()
    criteria = list(
        Criterion.objects.filter(template_id=ruleset.template_id)
        .order_by("id")
        .values_list("id", "code", "max_points")
    )
    return [c for c in criteria if c[1].startswith("G")][:6] or criteria[:6]


def _published_ruleset():
    from scoring.models import RuleSet

    return RuleSet.objects.filter(code=RULESET, status="published").order_by("-version")[0]


def current_period(months: int):
    from evaluation.models import Period

    return Period.objects.select_related("ruleset").get(
        ruleset__code=RULESET, kind="month", label=current_label(months)
    )
