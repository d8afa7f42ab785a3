"""Fail loudly when DATABASE_URL points at a PostgreSQL we cannot reach; create the database if
it is missing. Used by scripts/test and .ci/run so that a PostgreSQL run never turns into a
silent SQLite run or a skipped one."""

from __future__ import annotations

import os
import sys

import dj_database_url
import psycopg
from psycopg import sql


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        print("DATABASE_URL is not set", file=sys.stderr)
        return 1
    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        print(f"DATABASE_URL is not PostgreSQL: {config['ENGINE']}", file=sys.stderr)
        return 1
    params = {
        "host": config.get("HOST") or "127.0.0.1",
        "port": config.get("PORT") or 5432,
        "user": config.get("USER") or "postgres",
        "password": config.get("PASSWORD") or None,
        "connect_timeout": 10,
    }
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (config["NAME"],)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
                print(f"created database {config['NAME']}")
            version = conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error as error:
        print(
            f"cannot reach PostgreSQL at {params['host']}:{params['port']}: {error}",
            file=sys.stderr,
        )
        return 1
    print(f"PostgreSQL {version} at {params['host']}:{params['port']}, database {config['NAME']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
