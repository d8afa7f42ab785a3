"""Helpers the bench scripts share: the database, COPY, timing and the one output format.

Every figure is printed as ``name: value unit (floor: value, ratio: x)`` — the floor being the
least any implementation pays for the same rows (plain SQL, reading the file) — optionally
followed by the target.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/danhgia_bench"
# The production cache (sessions, open-month figures): its own Redis database number.
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/15"


def setup_path() -> None:
    """Make the project importable and point Django at its settings (before django.setup)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)


def reachable_cache_url() -> str:
    """``BENCH_CACHE_URL`` (a Redis database of its own) when that Redis answers, else "" (the
    app then keeps its cache per process and its sessions in the database alone)."""
    import socket
    from urllib.parse import urlsplit

    url = os.environ.get("BENCH_CACHE_URL", DEFAULT_CACHE_URL)
    if not url:
        return ""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2):
            return url
    except OSError:
        return ""


def _admin_url(url: str) -> tuple[str, str]:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return parts.path.lstrip("/"), urlunsplit(parts._replace(path="/postgres"))


def ensure_database(url: str) -> None:
    """CREATE DATABASE if the target PostgreSQL database does not exist yet."""
    if not url.startswith("postgres"):
        return
    import psycopg

    name, admin = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def recreate_database(url: str) -> None:
    """DROP (closing its sessions) and CREATE the database: the bench's own scratch database.

    Needed because the services' audit entries are append-only (a trigger refuses deletes) and
    protect the rows they name, so a province built by the services cannot be deleted row by row.
    """
    import psycopg

    name, admin = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


META_TABLE = "bench_meta"


def read_meta(url: str, key: str) -> dict | None:
    """The bench's note ``key`` in the database (what was built there), or None."""
    import psycopg

    name, admin = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return None
    with psycopg.connect(url, autocommit=True) as conn:
        table = conn.execute("SELECT to_regclass(%s)", (META_TABLE,)).fetchone()[0]
        if table is None:
            return None
        row = conn.execute(f"SELECT value FROM {META_TABLE} WHERE key = %s", (key,)).fetchone()
    return json.loads(row[0]) if row else None


def write_meta(key: str, value: dict) -> None:
    """Record what was built (through Django's connection, after the build committed)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value text)")
        c.execute(
            f"INSERT INTO {META_TABLE} (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [key, json.dumps(value, sort_keys=True)],
        )


def copy_rows(cursor, table: str, columns: list[str], rows) -> int:
    """COPY rows (tuples) into ``table``; ``cursor`` is a psycopg 3 cursor."""
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def row_values(model, values: dict) -> tuple[list[str], list]:
    """Every concrete column of ``model``, from ``values`` or the field's default."""
    columns, row = [], []
    for f in model._meta.concrete_fields:
        columns.append(f.column)
        v = values[f.attname] if f.attname in values else f.get_default()
        if isinstance(v, (dict, list)):
            v = json.dumps(v)
        row.append(v)
    return columns, row


def next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def reset_sequences(cursor, tables) -> None:
    for table in tables:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


def median_ms(fn, repeat: int, warm: bool = True) -> float:
    """Median wall time of ``fn`` in milliseconds over ``repeat`` runs (after one warm-up)."""
    if warm:
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def sql(query: str, params) -> int:
    """Run a query through Django's connection and fetch every row; returns the row count."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return len(cursor.fetchall())


def line(name: str, value: float, unit: str, floor: float, target: str = "") -> str:
    """``name: value unit (floor: value, ratio: x)`` plus the target, printed and returned."""
    if isinstance(value, int) and isinstance(floor, int):
        fmt = str
    elif unit in ("ms", "MB"):
        fmt = lambda v: f"{v:.1f}"  # noqa: E731
    else:
        fmt = lambda v: f"{v:.2f}"  # noqa: E731
    ratio = f"{value / floor:.2f}x" if floor else "n/a"
    text = f"{name}: {fmt(value)} {unit} (floor: {fmt(floor)} {unit}, ratio: {ratio})"
    if target:
        text += f" target {target}"
    print(text, flush=True)
    return text


def host_speed() -> float:
    """CPU seconds of a fixed pure-Python loop: how fast this shared VM runs right now, to read
    a figure beside (the machine's speed drifts: docs/performance.md)."""
    start = time.process_time()
    total = 0
    for i in range(3_000_000):
        total += i * i % 7
    return time.process_time() - start


def info(name: str, value: str) -> str:
    """A figure without a floor (throughput, latency, memory): ``name: value``."""
    text = f"{name}: {value}"
    print(text, flush=True)
    return text
