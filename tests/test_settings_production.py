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

    # The test suite swaps in a fast hasher (tests/conftest.py); the project's own is Argon2.
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    user = django_user_model.objects.create_user(username="u", password="mật-khẩu-dài-123")
    assert user.password.startswith("argon2")
