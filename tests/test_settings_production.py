"""Production settings pass Django's deployment checks; development stays one command away."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_check_deploy_at_warning_level():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="danhgia.example.gov.vn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_or_with_debug():
    result = run_manage("check", DJANGO_ENV="production")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
    result = run_manage("check", DJANGO_ENV="production", DEBUG="True", SECRET_KEY="x" * 60)
    assert result.returncode != 0 and "DEBUG must be False" in result.stderr


def test_every_response_carries_the_security_headers(client, db):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy
        and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_passwords_are_hashed_with_argon2(django_user_model, db, settings):
    from config import settings as project_settings

    # The test suite swaps in a fast hasher (tests/conftest.py); the project's own is Argon2id
    # with OWASP's parameters (19 MiB, 2 passes, 1 lane).
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = django_user_model.objects.create_user(username="u", password="mật-khẩu-dài-123")
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password("mật-khẩu-dài-123") and not user.check_password("sai")


def test_a_hash_with_django_default_argon2_parameters_is_upgraded_at_sign_in(
    django_user_model, db, settings
):
    from django.contrib.auth.hashers import Argon2PasswordHasher, make_password

    from config import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    old = make_password("mật-khẩu-dài-123", hasher=Argon2PasswordHasher())
    assert "m=102400" in old
    user = django_user_model.objects.create(username="u", password=old)
    assert user.check_password("mật-khẩu-dài-123")  # still signs in, and is rewritten
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password
    rewritten = user.password
    assert user.check_password("mật-khẩu-dài-123")
    user.refresh_from_db()
    assert user.password == rewritten  # once: a current hash is not rewritten again


def test_postgresql_connections_prepare_their_statements_unless_turned_off():
    """README: ``DB_PREPARED_STATEMENTS`` (on by default) binds parameters on the server and
    lets psycopg prepare repeated statements; ``0`` for a pooler that cannot carry them."""
    show = "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS'))"
    url = "postgresql://postgres@127.0.0.1:5432/danhgia"
    on = run_manage("shell", "-c", show, DATABASE_URL=url)
    assert "'server_side_binding': True" in on.stdout, on.stdout + on.stderr
    assert "'prepare_threshold': 2" in on.stdout
    off = run_manage("shell", "-c", show, DATABASE_URL=url, DB_PREPARED_STATEMENTS="0")
    assert "server_side_binding" not in off.stdout, off.stdout + off.stderr
    sqlite = run_manage("shell", "-c", show, DATABASE_URL="sqlite:///tmp-settings.sqlite3")
    assert "server_side_binding" not in sqlite.stdout, sqlite.stdout + sqlite.stderr


def test_sessions_are_read_from_a_shared_cache_only():
    """README: with ``CACHE_URL`` (Redis, shared by every app server) a request reads its session
    from the cache and writes go to the database too; without it sessions stay in the database
    alone, since a per-process cache would keep a signed-out session alive in other workers."""
    show = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    shared = run_manage("shell", "-c", show, CACHE_URL="redis://127.0.0.1:6379/1")
    engine = "django.contrib.sessions.backends."
    assert shared.stdout.splitlines()[-1] == engine + "cached_db", shared.stdout + shared.stderr
    alone = run_manage("shell", "-c", show, CACHE_URL="")
    assert alone.stdout.splitlines()[-1] == engine + "db", alone.stdout + alone.stderr


def test_the_wsgi_workers_freeze_what_lives_as_long_as_they_do():
    """config/wsgi.py: every view imported, then the startup objects are out of the garbage
    collector's reach, so a full collection scans only what requests leave (docs/performance.md)."""
    show = (
        "import gc, sys, config.wsgi; "
        "print(gc.get_freeze_count(), 'evaluation.views.my_month' in sys.modules)"
    )
    result = run_manage("shell", "-c", show)
    frozen, views_loaded = result.stdout.splitlines()[-1].split()
    assert int(frozen) > 10_000, result.stdout + result.stderr
    assert views_loaded == "True"
