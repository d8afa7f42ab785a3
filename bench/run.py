"""Province scale, one command: every figure against its floor.

    .venv/bin/python bench/run.py [--staff 50000] [--months 12] [--only NAMES] \
        [--database-url postgresql://postgres@127.0.0.1:5432/danhgia_bench] [--rebuild] \
        [--load-seconds 60] [--rate 100] [--workers 3] [--threads 1] [--repeat 3] [--open-repeat 2]

Builds (or reuses, keyed by size) the synthetic province of ``bench/province.py`` on PostgreSQL
with COPY and INSERT … SELECT, then prints one line per figure,
``name: value unit (floor: value, ratio: x) target …``:

- ``period_open``: opening the next month for the whole province through the real service
  (``evaluation.services.periods.period_open``: one evaluation per person, organisation copied),
  in a transaction rolled back afterwards; floor: one ``INSERT … SELECT`` of the same rows (also
  rolled back);
- ``period_close``: closing the month under way for the whole province with the real
  ``period_close`` (counts and the audit sign-off per agency, the status change, early warnings,
  the indicator snapshots and — the month ends a quarter — the quarter derived and rated by the
  engine per agency with its quotas per duty group), in a subprocess, after every evaluation of
  the month was moved to ``published`` in bulk, rolled back afterwards; floor: reading the same
  rows (the month's evaluations joined to their criterion scores); ``close_rss``: the close
  job's peak RSS (floor: the same process just before the close);
- ``ranking_month``, ``ranking_month_live``, ``agency_dashboard``, ``agency_page``: from
  ``bench/dashboards.py`` (floor: the plain SQL aggregation of the same rows);
- ``staff_import``: ``bench/imports.py`` in a subprocess, ``--staff`` rows (floor: reading the
  file once with openpyxl);
- ``load_*`` and ``web_rss``: the app under gunicorn (``--workers``, 3 by default) on
  127.0.0.1 (a free port, DEBUG off, the production cache when Redis answers) driven by locust
  (``bench/load/locustfile.py``) at a constant ``--rate`` for ``--load-seconds``; throughput
  (floor: the offered rate), p50/p95/p99 latency (floor: the same percentile of the same mix at
  5 requests/s, i.e. without queueing), failed requests, and the peak RSS of one web worker
  (floor: the same worker idle, after the first requests).

``--only`` takes figure names or groups (open, close, dashboards, import, load), comma-separated.
Targets (2-core machine): close under 30 s and within 3× its floor, dashboards within 2×, at
100 requests/s p95 under 300 ms and no errors.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    CACHE,
    DEFAULT_DATABASE_URL,
    ROOT,
    host_speed,
    info,
    line,
    reachable_cache_url,
)

PYTHON = sys.executable
GROUPS = {
    "open": ["period_open"],
    "close": ["period_close", "close_rss"],
    "dashboards": ["ranking_month", "ranking_month_live", "agency_dashboard", "agency_page"],
    "import": ["staff_import"],
    "load": [
        "load_throughput",
        "load_p50",
        "load_p95",
        "load_p99",
        "load_errors",
        "web_rss",
    ],
}
ALL = [name for names in GROUPS.values() for name in names]


class Rollback(Exception):
    """Raised to undo a measured operation so the province stays as built."""


def environment(url: str) -> dict[str, str]:
    """Settings for the bench processes and the web workers: PostgreSQL, DEBUG off (so the
    ORM keeps no query log and errors are not pages of debug), persistent connections, the
    production cache (sessions and open-month figures in Redis, ``BENCH_CACHE_URL``, when it
    answers; printed as ``cache:``), quiet logs. DJANGO_ENV stays "development": production
    settings force HTTPS (redirect, secure cookies) and this is plain HTTP on 127.0.0.1."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        CACHE_URL=reachable_cache_url(),
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DB_CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
    )
    env.pop("CELERY_BROKER_URL", None)
    return env


def vacuum() -> None:
    """``VACUUM (ANALYZE)`` the bench database and ``CHECKPOINT`` before a measured step, and
    say how many dead rows it found: every step leaves some (rolled-back openings and closes,
    the load's saves), and a server with autovacuum off (as here) keeps them all, so later runs
    read through hundreds of thousands of dead evaluation rows. Production runs autovacuum."""
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COALESCE(SUM(n_dead_tup), 0) FROM pg_stat_user_tables "
            "WHERE relname IN ('evaluation_evaluation', 'evaluation_criterionscore')"
        )
        dead = cursor.fetchone()[0]
        cursor.execute("VACUUM (ANALYZE)")
        # Write out what the vacuum dirtied now, not in a checkpoint during the measurement.
        cursor.execute("CHECKPOINT")
    info(
        "vacuum",
        f"{time.perf_counter() - start:.1f} s, {dead} dead evaluation and score rows "
        f"(the server's autovacuum: {autovacuum})",
    )


# --- opening a month ---------------------------------------------------------------------------


def _rolled_back(fn):
    """Run ``fn`` inside a transaction that is rolled back; return (seconds, its result)."""
    from django.db import transaction

    box = {}
    try:
        with transaction.atomic():
            box["result"], box["seconds"] = fn()
            raise Rollback
    except Rollback:
        pass
    return box["seconds"], box["result"]


def _open_floor_sql(period, template_id: int) -> tuple[str, list]:
    """The plain INSERT … SELECT of the rows ``period_open`` creates (same columns)."""
    from django.db import connection

    from evaluation.models import Evaluation
    from scoring.coverage import coverage_resolve

    exprs = {
        "period_id": "%s",
        "staff_id": "s.id",
        "agency_id": "s.agency_id",
        "unit_id": "s.unit_id",
        "duty_group_id": "s.duty_group_id",
        "manager_id": "s.manager_id",
        "leadership": "COALESCE(pos.leadership, 'none')",
        "template_id": "%s",
        "maternity_leave": (
            "EXISTS (SELECT 1 FROM staff_leaveperiod l WHERE l.staff_id = s.id AND "
            "l.kind = 'maternity' AND l.start <= %s AND l.\"end\" >= %s)"
        ),
        "updated_at": "now()",
    }
    columns, selects, params = [], [], []
    for f in Evaluation._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(f.column)
        if f.column in exprs:
            selects.append(exprs[f.column])
            if f.column == "period_id":
                params.append(period.pk)
            elif f.column == "template_id":
                params.append(template_id)
            elif f.column == "maternity_leave":
                params += [period.ends_on, period.starts_on]
        else:
            value = f.get_default()
            selects.append(f"%s::{f.cast_db_type(connection)}")
            params.append(json.dumps(value) if isinstance(value, (list, dict)) else value)
    # Who the rule set rates: the coverage by agency (or agency type) × staff category resolved
    # on the month's first day, as the service reads it — one clause per category.
    covered = coverage_resolve(on=period.starts_on).agencies_of(period.ruleset.code)
    clauses = " OR ".join("(s.category = %s AND s.agency_id = ANY(%s))" for _ in covered)
    for category, agency_ids in covered.items():
        params += [category, agency_ids]
    query = (
        f"INSERT INTO evaluation_evaluation ({', '.join(columns)}) "
        f"SELECT {', '.join(selects)} FROM staff_staffmember s "
        "LEFT JOIN staff_position pos ON pos.id = s.position_id "
        f"WHERE ({clauses or 'FALSE'}) AND s.joined_on <= %s "
        "AND (s.left_on IS NULL OR s.left_on >= %s) ON CONFLICT DO NOTHING"
    )
    params += [period.ends_on, period.starts_on]
    return query, params


def measure_open(months: int, repeat: int) -> list[str]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from bench import province
    from evaluation.services.periods import period_get_or_create, period_open
    from scoring.periods import parse_period
    from scoring.selectors import ruleset_get_published

    admin = get_user_model().objects.get(username=province.ADMIN)
    label = province.next_label(province.current_label(months))

    def service():
        start = time.perf_counter()
        _period, count = period_open(ruleset_code=province.RULESET, label=label, user=admin)
        return count, time.perf_counter() - start

    def floor():
        ruleset = ruleset_get_published(code=province.RULESET)
        period, _ = period_get_or_create(ruleset=ruleset, label=parse_period(label), user=admin)
        query, params = _open_floor_sql(period, ruleset.template_id)
        start = time.perf_counter()
        with connection.cursor() as c:
            c.execute(query, params)
            count = c.rowcount
        return count, time.perf_counter() - start

    _rolled_back(floor)  # warm the caches once
    services, floors = [], []
    for _ in range(repeat):
        seconds, created = _rolled_back(service)
        services.append(seconds)
        floor_seconds, inserted = _rolled_back(floor)
        floors.append(floor_seconds)
    assert created == inserted, (created, inserted)
    info("period_open_rows", f"{created} evaluations ({label}, rolled back)")
    return [line("period_open", _median(services), "s", _median(floors))]


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2]


# --- closing a month (a subprocess: its own peak memory) ---------------------------------------


def prepare_close(period, admin_id: int) -> None:
    """Move every evaluation of the month to ``published`` with scores (bulk SQL): the state
    the province is in when the admin closes the month."""
    from django.db import connection

    from bench.province import general_criteria

    general = general_criteria()
    values = ", ".join(f"({cid}, {float(mx)})" for cid, _code, mx in general)
    total = sum(float(mx) for _cid, _code, mx in general)
    end = dt.datetime.combine(period.ends_on, dt.time(9), dt.UTC)
    with connection.cursor() as c:
        c.execute("SELECT setseed(0.42)")
        c.execute(
            f"""
            INSERT INTO evaluation_criterionscore
              (evaluation_id, criterion_id, self_points, manager_points)
            SELECT e.id, g.id, ROUND((g.mx * (0.6 + 0.4 * random()))::numeric, 0), NULL
            FROM evaluation_evaluation e CROSS JOIN (VALUES {values}) AS g (id, mx)
            WHERE e.period_id = %s
            ON CONFLICT DO NOTHING
            """,
            [period.pk],
        )
        c.execute(
            """
            UPDATE evaluation_criterionscore c
            SET manager_points = GREATEST(0, c.self_points - FLOOR(random() * 2))
            FROM evaluation_evaluation e
            WHERE e.id = c.evaluation_id AND e.period_id = %s AND c.manager_points IS NULL
            """,
            [period.pk],
        )
        level = (
            "CASE WHEN s.total >= 90 THEN 'HTXSNV' WHEN s.total >= 70 THEN 'HTTNV' "
            "WHEN s.total >= 50 THEN 'HTNV' ELSE 'KHTNV' END"
        )
        c.execute(
            f"""
            UPDATE evaluation_evaluation e SET status = 'published',
              score = s.total, band = {level}, proposed_level = {level}, final_level = {level},
              self_submitted_at = COALESCE(e.self_submitted_at, %(end)s + interval '2 days'),
              manager_scored_at = COALESCE(e.manager_scored_at, %(end)s + interval '4 days'),
              approved_at = %(end)s + interval '6 days', approved_by_id = %(admin)s,
              published_at = %(end)s + interval '7 days', version = e.version + 1
            FROM (SELECT c.evaluation_id,
                         ROUND(LEAST(100, 100 * SUM(c.manager_points) / %(total)s
                                          * (0.7 + 0.3 * random()))::numeric, 2) AS total
                  FROM evaluation_criterionscore c JOIN evaluation_evaluation x
                    ON x.id = c.evaluation_id
                  WHERE x.period_id = %(p)s GROUP BY c.evaluation_id) s
            WHERE e.id = s.evaluation_id
            """,
            {"p": period.pk, "end": end, "admin": admin_id, "total": total},
        )


CLOSE_FLOOR_SQL = """
SELECT e.*, c.criterion_id, c.self_points, c.manager_points
FROM evaluation_evaluation e LEFT JOIN evaluation_criterionscore c ON c.evaluation_id = e.id
WHERE e.period_id = %s
"""


def _query_timer(queries: dict[str, list[float]]):
    """An execute wrapper summing the time of each kind of query (its first 150 characters)."""

    def wrapper(execute, query, params, many, context):
        start = time.perf_counter()
        try:
            return execute(query, params, many, context)
        finally:
            entry = queries.setdefault(query[:150], [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - start

    return wrapper


def close_job(months: int, profile: str | None) -> None:
    """The close, in this (sub)process; prints one JSON line ``CLOSE_RESULT {...}``."""
    import psutil
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    import dashboards.receivers
    from bench import province
    from bench.common import sql
    from evaluation.services import period_close as closing

    admin = get_user_model().objects.get(username=province.ADMIN)
    period = province.current_period(months)
    phases: dict[str, float] = {}

    def timed(module, name):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - start

        setattr(module, name, wrapper)

    # Each phase timed where the close (or the dashboards' receiver of period_closed) calls it.
    timed(dashboards.receivers, "snapshot_period")
    timed(closing, "warnings_for_period")
    timed(closing, "period_derive")
    result = {}
    try:
        with transaction.atomic():
            prepare_close(period, admin.pk)
            floors = []
            for _ in range(3):
                start = time.perf_counter()
                result["rows_read"] = sql(CLOSE_FLOOR_SQL, [period.pk])
                floors.append(time.perf_counter() - start)
            result["floor"] = _median(floors)
            result["rss_before_mb"] = psutil.Process().memory_info().rss / 2**20
            profiler = None
            queries: dict[str, list[float]] = {}
            if profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            with connection.execute_wrapper(_query_timer(queries)):
                start = time.perf_counter()
                counts = closing.period_close(period=period, user=admin)
                result["seconds"] = time.perf_counter() - start
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(profile)
            top = sorted(queries.items(), key=lambda kv: -kv[1][1])[:8]
            result["queries"] = [f"{n:.0f}× {t:.2f} s {q[:100]}" for q, (n, t) in top]
            result["query_seconds"] = sum(t for _n, t in queries.values())
            result["query_count"] = sum(n for n, _t in queries.values())
            result["counts"] = counts
            result["phases"] = phases
            raise Rollback
    except Rollback:
        pass
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("CLOSE_RESULT " + json.dumps(result), flush=True)


def measure_close(args, env) -> list[str]:
    command = [PYTHON, str(Path(__file__)), "--close-job", "--months", str(args.months)]
    command += ["--database-url", args.database_url, "--staff", str(args.staff)]
    if args.profile_close:
        command += ["--profile-close", args.profile_close]
    timeout = args.close_timeout
    if args.close_by:  # HH:MM (UTC, today): give up then, whatever the timeout says
        hour, minute = map(int, args.close_by.split(":"))
        now = dt.datetime.now(dt.UTC)
        by = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        timeout = max(30, min(timeout, int((by - now).total_seconds())))
    try:
        out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        info("period_close", f"did not finish in {timeout} s (target < 30 s)")
        return []
    result = None
    for text in out.stdout.splitlines():
        if text.startswith("CLOSE_RESULT "):
            result = json.loads(text.removeprefix("CLOSE_RESULT "))
    if result is None:
        print(out.stdout[-3000:], out.stderr[-5000:], file=sys.stderr)
        raise SystemExit("the close job failed")
    phases = ", ".join(f"{k} {v:.2f} s" for k, v in result["phases"].items())
    info("period_close_counts", json.dumps(result["counts"], sort_keys=True))
    info("period_close_phases", phases or "-")
    info(
        "period_close_queries",
        f"{result['query_count']} queries, {result['query_seconds']:.2f} s in the database "
        "(the slowest kinds below)",
    )
    for query in result.get("queries", []):
        info("period_close_query", query)
    return [
        line("period_close", result["seconds"], "s", result["floor"], "< 30 s and ≤ 3×"),
        line("close_rss", result["peak_rss_mb"], "MB", result["rss_before_mb"]),
    ]


# --- the staff import ----------------------------------------------------------------------------


def measure_import(args, env) -> list[str]:
    command = [PYTHON, str(ROOT / "bench" / "imports.py"), "--rows", str(args.staff)]
    command += ["--units", str(max(10, min(500, args.staff // 100))), "--no-again"]
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    figures = {}
    for text in out.stdout.splitlines():
        name, _, value = text.partition(": ")
        figures[name] = value.split(" ")[0]
    if "import_first" not in figures:
        print(out.stdout[-3000:], out.stderr[-5000:], file=sys.stderr)
        raise SystemExit("the import bench failed")
    info("staff_import_peak_rss", f"{figures['peak_rss']} MB")
    return [
        line(
            "staff_import",
            float(figures["import_first"]),
            "s",
            float(figures["read_floor"]),
            "< 60 s and ≤ 3×",
        )
    ]


# --- month-end load --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_users(months: int, rate: int) -> dict:
    """Who the virtual users sign in as and what they touch (written for the locustfile)."""
    from axes.models import AccessAttempt
    from django.contrib.auth import get_user_model

    from bench import province
    from evaluation.models import Evaluation
    from staff.models import StaffMember

    AccessAttempt.objects.all().delete()  # no stale failures: the load must never lock out
    period = province.current_period(months)
    n = max(rate, 40)
    drafts = list(
        Evaluation.objects.filter(period=period, status="draft", leadership="none")
        .order_by("?")
        .values_list("staff__user__username", "pk")[:n]
    )
    reports: dict[int, list[int]] = {}
    for manager_id, pk in (
        Evaluation.objects.filter(period=period, status="self_assessed")
        .exclude(manager_id=None)
        .filter(leadership="none")
        .values_list("manager_id", "pk")
    ):
        reports.setdefault(manager_id, []).append(pk)
    managers = sorted(reports)[:: max(1, len(reports) // n)][:n]
    usernames = dict(
        StaffMember.objects.filter(pk__in=managers).values_list("pk", "user__username")
    )
    all_heads = list(
        StaffMember.objects.filter(code__startswith=province.PREFIX, position__code="BD-GD")
        .order_by("agency__code")  # BD-000, the largest agency, first
        .values_list("user__username", "agency_id")
    )
    wanted_heads = max(2, n // 40)
    heads = all_heads[:: max(1, len(all_heads) // wanted_heads)][:wanted_heads]
    units = dict(
        Evaluation.objects.filter(period=period, status="manager_scored")
        .order_by("agency_id", "unit__code")
        .values_list("agency_id", "unit__code")
        .distinct()
    )
    return {
        "period": period.pk,
        "password": province.PASSWORD,
        "criteria": {code: float(mx) for _id, code, mx in province.general_criteria()},
        "staff": [{"username": u, "evaluation": pk} for u, pk in drafts],
        "managers": [{"username": usernames[m], "reports": reports[m][:20]} for m in managers],
        "approvers": [{"username": u, "unit": units.get(agency_id, "")} for u, agency_id in heads],
        "admin": get_user_model().objects.get(username=province.ADMIN).username,
    }


def _login(base: str, username: str, password: str):
    import requests

    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=30)
    response = session.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
        },
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, (username, response.status_code)
    return session


def _pages(base: str, users: dict) -> dict[str, bool]:
    """Which of the new pages answer 200 now (they are being written by other helpers)."""
    checks = {
        "my_month": (users["staff"][0]["username"], "/evaluation/my/"),
        "team": (users["managers"][0]["username"], "/evaluation/team/"),
        "approval": (users["approvers"][0]["username"], "/evaluation/approval/"),
    }
    pages = {}
    for name, (username, path) in checks.items():
        session = _login(base, username, users["password"])
        response = session.get(f"{base}{path}", allow_redirects=False, timeout=60)
        pages[name] = response.status_code == 200
    return pages


class RssSampler(threading.Thread):
    """Samples the gunicorn workers' resident memory every half second."""

    def __init__(self, master_pid: int):
        super().__init__(daemon=True)
        import psutil

        self.master = psutil.Process(master_pid)
        self.peak_worker = 0.0
        self.peak_total = 0.0
        self.running = True

    def sample(self) -> tuple[float, float]:
        import psutil

        worker_max = total = 0.0
        try:
            procs = [self.master, *self.master.children()]
        except psutil.Error:
            return 0.0, 0.0
        for p in procs:
            try:
                rss = p.memory_info().rss / 2**20
            except psutil.Error:
                continue
            total += rss
            if p.pid != self.master.pid:
                worker_max = max(worker_max, rss)
        return worker_max, total

    def run(self) -> None:
        while self.running:
            worker, total = self.sample()
            self.peak_worker = max(self.peak_worker, worker)
            self.peak_total = max(self.peak_total, total)
            time.sleep(0.5)


def cpu_snapshot(master_pid: int) -> dict[str, float]:
    """CPU seconds so far: the gunicorn master and workers, PostgreSQL, this process's
    waited-for children (locust), and the whole machine."""
    import psutil

    snap = {"web": 0.0, "postgres": 0.0}
    try:
        master = psutil.Process(master_pid)
        for p in [master, *master.children()]:
            t = p.cpu_times()
            snap["web"] += t.user + t.system
    except psutil.Error:
        pass
    # Every PostgreSQL process (backends, WAL writer, checkpointer; the other databases here are
    # idle during the bench), and the backends that have ended: the web workers reconnect every
    # DB_CONN_MAX_AGE seconds, and an ended backend's time is in its parent's children times.
    for p in psutil.process_iter(["name"]):
        try:
            if p.info["name"] == "postgres":
                t = p.cpu_times()
                snap["postgres"] += t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            continue
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    snap["locust"] = children.ru_utime + children.ru_stime
    total = psutil.cpu_times()
    snap["machine"] = sum(total) - total.idle - getattr(total, "iowait", 0.0)
    snap["wall"] = time.perf_counter()
    return snap


def cpu_use(before: dict[str, float], after: dict[str, float]) -> str:
    wall = after["wall"] - before["wall"]
    use = {k: (after[k] - before[k]) / wall for k in ("web", "postgres", "locust", "machine")}
    rest = use["machine"] - use["web"] - use["postgres"] - use["locust"]
    return (
        f"web workers {use['web']:.2f}, PostgreSQL {use['postgres']:.2f}, "
        f"locust {use['locust']:.2f}, everything else on the machine {max(rest, 0):.2f}; "
        f"busy {use['machine']:.2f} of {os.cpu_count()} cores (average over {wall:.0f} s)"
    )


def _locust(
    base: str,
    users_file: Path,
    users: int,
    seconds: int,
    prefix: Path,
    env,
    settle: int = 5,
    per_user: float = 1.0,
) -> dict:
    """One headless locust run of ``users`` users each sending ``per_user`` requests/s;
    returns the aggregated row of its stats and the rows per request name. The statistics
    restart ``settle`` seconds after the last user started."""
    ramp = max(1, users // 5)  # five sign-ins a second while the users start
    command = [
        str(Path(PYTHON).parent / "locust"),
        "-f",
        str(ROOT / "bench" / "load" / "locustfile.py"),
        "--headless",
        "--host",
        base,
        "-u",
        str(users),
        "-r",
        "5",
        "-t",
        f"{seconds + ramp + settle}s",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    run_env = dict(
        env,
        BENCH_LOAD_USERS=str(users_file),
        BENCH_SETTLE_SECONDS=str(settle),
        BENCH_USER_RATE=str(per_user),
    )
    out = subprocess.run(command, env=run_env, capture_output=True, text=True, check=False)
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        print(out.stdout[-3000:], out.stderr[-5000:], file=sys.stderr)
        raise SystemExit("locust failed")
    rows = {row["Name"]: row for row in csv.DictReader(stats.open())}
    failures = Path(f"{prefix}_failures.csv")
    errors = list(csv.DictReader(failures.open())) if failures.exists() else []
    return {"aggregated": rows.pop("Aggregated"), "rows": rows, "errors": errors}


def measure_load(args, env) -> list[str]:
    CACHE.mkdir(parents=True, exist_ok=True)
    users = load_users(args.months, args.rate)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            # gthread: each worker process serves --threads requests at once (one waits on
            # PostgreSQL while another runs); 1 is gunicorn's plain sync worker.
            "--worker-class",
            "gthread" if args.threads > 1 else "sync",
            "--threads",
            str(args.threads),
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(CACHE / "gunicorn.log").open("w"),
    )
    try:
        import requests

        for _ in range(120):  # until a worker answers (the first answer imports a lot)
            try:
                if requests.get(f"{base}/accounts/login/", timeout=60).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        users["pages"] = _pages(base, users)
        used = [f"{k} {'page' if v else 'API'}" for k, v in users["pages"].items()]
        info("load_pages", ", ".join(used))
        users_file = CACHE / "load_users.json"
        users_file.write_text(json.dumps(users))
        speed_before = host_speed()
        sampler = RssSampler(gunicorn.pid)
        # The floor of the latencies: the same mix (40 users: 27 staff, 12 managers, 1 approver)
        # at 5 requests/s, without queueing; measured after 15 s of the same, which also warms
        # the workers up (templates, lazy imports).
        calm_seconds = max(10, args.load_seconds // 2)
        calm = _locust(
            base, users_file, 40, calm_seconds, CACHE / "calm", env, settle=15, per_user=0.125
        )
        idle_worker, _idle_total = sampler.sample()
        sampler.start()
        cpu_before = cpu_snapshot(gunicorn.pid)
        loaded = _locust(base, users_file, args.rate, args.load_seconds, CACHE / "load", env)
        cpu_after = cpu_snapshot(gunicorn.pid)
        sampler.running = False
        sampler.join()
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
    info(
        "host_speed",
        f"{speed_before:.3f} s before the load, {host_speed():.3f} s after "
        "(CPU of a fixed pure-Python loop; lower is faster)",
    )
    agg, calm_agg = loaded["aggregated"], calm["aggregated"]
    requests_n = int(agg["Request Count"])
    failed = int(agg["Failure Count"])
    for name, row in sorted(loaded["rows"].items()):
        if not int(row["Request Count"]):
            continue
        calm_row = calm["rows"].get(name, {})
        info(
            f"load_request {name}",
            f"{row['Request Count']} requests, p50 {row['50%']} ms, p95 {row['95%']} ms, "
            f"p99 {row['99%']} ms, failed {row['Failure Count']}; at 5 req/s: "
            f"p50 {calm_row.get('50%', '-')} ms, p95 {calm_row.get('95%', '-')} ms",
        )
    for error in loaded["errors"][:10]:
        what = f"{error['Method']} {error['Name']}: {error['Error']}"
        info("load_error", f"{what} ×{error['Occurrences']}")
    # The users' Poisson arrivals offer ``rate`` requests/s on average: over the measured
    # seconds the count offered varies by ±3 standard deviations, 3·√n, with n = rate × seconds.
    expected = args.rate * args.load_seconds
    spread = 3 * math.sqrt(expected) / args.load_seconds
    lines = [
        line(
            "load_throughput",
            float(agg["Requests/s"]),
            "req/s",
            float(args.rate),
            f"≈ {args.rate} req/s: all that is offered (Poisson arrivals: "
            f"{args.rate - spread:.0f}–{args.rate + spread:.0f} req/s over {args.load_seconds} s)",
        ),
    ]
    for pct, target in (("50%", ""), ("95%", "< 300 ms"), ("99%", "")):
        lines.append(line(f"load_p{pct[:-1]}", float(agg[pct]), "ms", float(calm_agg[pct]), target))
    lines.append(line("load_errors", failed, "requests", 0, f"0 of {requests_n} requests"))
    info("load_cpu", cpu_use(cpu_before, cpu_after))
    info("web_rss_total", f"{sampler.peak_total:.0f} MB (master and {args.workers} workers)")
    lines.append(line("web_rss", sampler.peak_worker, "MB", idle_worker))  # one worker
    return lines


# --- main ----------------------------------------------------------------------------------------


def wanted(only: str | None) -> set[str]:
    if not only:
        return set(ALL)
    names: set[str] = set()
    for item in only.split(","):
        item = item.strip()
        if item in GROUPS:
            names.update(GROUPS[item])
        elif item in ALL:
            names.add(item)
        else:
            raise SystemExit(f"unknown figure {item!r}; known: {', '.join([*GROUPS, *ALL])}")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=50_000)
    parser.add_argument(
        "--months", type=int, default=12, help="closed months of history (at least 2)"
    )
    parser.add_argument("--agencies", type=int, default=120)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    reuse = parser.add_mutually_exclusive_group()
    reuse.add_argument("--reuse", dest="rebuild", action="store_false", help="(default)")
    reuse.add_argument("--rebuild", dest="rebuild", action="store_true")
    parser.set_defaults(rebuild=False)
    parser.add_argument("--only", help="figure names or groups, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per dashboard figure")
    parser.add_argument("--open-repeat", type=int, default=2, help="runs of the month opening")
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--rate", type=int, default=100, help="requests per second offered")
    # cores + 1: on this machine the workers share the cores with PostgreSQL and locust; five
    # (2 × cores + 1) served less (docs/performance.md, "gunicorn workers").
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (cores + 1)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--profile-close", help="write a cProfile of the close to this file")
    parser.add_argument("--close-timeout", type=int, default=900, help="seconds")
    parser.add_argument("--close-by", help="HH:MM UTC: stop waiting for the close then")
    parser.add_argument("--close-job", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.months < 2:
        # The dashboards compare the last closed month with the one before it.
        parser.error("--months must be at least 2 (the ranking's movement needs two months)")

    env = environment(args.database_url)
    os.environ.update(env)
    import django

    if args.close_job:
        django.setup()
        close_job(args.months, args.profile_close)
        return

    names = wanted(args.only)
    from bench import province

    start = time.perf_counter()
    built = province.ensure(
        args.database_url,
        staff=args.staff,
        months=args.months,
        agencies=args.agencies,
        seed=args.seed,
        rebuild=args.rebuild,
    )
    info(
        "province",
        f"{args.staff} staff, {args.months} closed months + {province.current_label(args.months)}"
        f" under way, {'built' if built else 'reused'} in {time.perf_counter() - start:.1f} s",
    )
    info(
        "cache",
        env["CACHE_URL"] or "none answered: per-process memory, sessions in the database alone",
    )
    # On a 50,000 province the whole run takes about twelve minutes; the close, the longest
    # figure (minutes), comes last.
    if "period_open" in names:
        vacuum()
        measure_open(args.months, args.open_repeat)
    if names & set(GROUPS["load"]):
        vacuum()
        measure_load(args, env)
    dashboards = names & set(GROUPS["dashboards"])
    if dashboards:
        from bench import dashboards as dashboard_bench

        vacuum()
        dashboard_bench.measure(args.repeat, dashboards)
    if "staff_import" in names:
        measure_import(args, env)
    if names & set(GROUPS["close"]):
        vacuum()
        measure_close(args, env)


if __name__ == "__main__":
    main()
