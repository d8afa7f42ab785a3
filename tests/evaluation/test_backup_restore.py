"""The backup drill: scripts/backup then scripts/restore into a fresh database finds the same
rows and an intact audit chain (PostgreSQL: pg_dump / pg_restore)."""

from __future__ import annotations

import os
import subprocess
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from evaluation.services.approval import unit_approve
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import manager_score, open_month, score_unit, self_assess

pytestmark = [
    # serialized_rollback: every transactional test gives back the data migrations load, so
    # the next one finds the same rows (content types, default weights) under the same ids.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="backups are pg_dump/pg_restore of PostgreSQL"
    ),
]
TABLES = ("staff_staffmember", "evaluation_evaluation", "evaluation_auditentry", "scoring_ruleset")
RESTORED = "danhgia_restore_drill"


def url(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgresql://{db['USER']}{password}@{host}:{port}/{name}"


def counts(name: str) -> dict[str, int]:
    with psycopg.connect(url(name)) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def drop(name: str) -> None:
    with psycopg.connect(url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_into_a_fresh_database_with_the_same_rows(month, tmp_path):
    period = open_month(month)
    score_unit(month, period, STAFF_NAMES)
    self_assess(month, "bob", period)
    manager_score(month, "dave", "bob", period)
    unit_approve(period=period, unit=month.planning, user=month.user("alice"))
    source = settings.DATABASES["default"]["NAME"]
    media = tmp_path / "media"
    (media / "evidence").mkdir(parents=True)
    (media / "evidence" / "bao-cao.pdf").write_bytes(b"%PDF-1.4 minh chung")
    env = {**os.environ, "DATABASE_URL": url(source), "MEDIA_ROOT": str(media)}

    started = time.perf_counter()
    backup = (
        subprocess.run(
            ["scripts/backup", str(tmp_path / "backups")],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    drop(RESTORED)
    restored_media = tmp_path / "restored-media"
    restore = subprocess.run(
        ["scripts/restore", backup],
        cwd=settings.BASE_DIR,
        env={**env, "DATABASE_URL": url(RESTORED), "MEDIA_ROOT": str(restored_media)},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    try:
        assert restore.returncode == 0, restore.stdout + restore.stderr
        assert "OK: 1 chains" in restore.stdout  # verify_audit on the restored copy
        assert counts(RESTORED) == counts(source)
        assert (restored_media / "evidence" / "bao-cao.pdf").read_bytes() == b"%PDF-1.4 minh chung"
        print(f"backup+restore drill: {elapsed:.2f} s")
    finally:
        drop(RESTORED)


def test_a_damaged_backup_is_refused_before_anything_is_touched(tmp_path):
    folder = tmp_path / "danhgia-broken"
    folder.mkdir()
    (folder / "database.dump").write_bytes(b"not a dump")
    (folder / "media.tar.gz").write_bytes(b"")
    (folder / "SHA256SUMS").write_text(
        "0" * 64 + "  database.dump\n" + "0" * 64 + "  media.tar.gz\n"
    )
    result = subprocess.run(
        ["scripts/restore", str(folder)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": url(RESTORED)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "FAILED" in (result.stdout + result.stderr)
