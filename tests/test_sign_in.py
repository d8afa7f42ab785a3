"""Sign-in: lockout by username and address together, password rules,
session expiry."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from axes.exceptions import AxesBackendRequestParameterRequired
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory

from staff.models import AccessKind, AccessLog
from tests.factories import PASSWORD, UserFactory

IP_A, IP_B = "198.51.100.10", "198.51.100.20"


def sign_in(username: str, password: str, ip: str):
    return Client(REMOTE_ADDR=ip).post(
        "/accounts/login/", {"username": username, "password": password}
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


@pytest.fixture
def people(db):
    return UserFactory(username="alice"), UserFactory(username="bob")


def fail_five_times(username: str, ip: str) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(username, "not-the-password", ip)


def test_five_wrong_passwords_lock_that_username_from_that_address(people):
    fail_five_times("alice", IP_A)
    response = sign_in("alice", PASSWORD, IP_A)
    assert response.status_code == 429
    assert "Tạm khóa đăng nhập" in response.content.decode()
    assert "15 phút" in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_the_same_username_from_another_address_still_signs_in(people):
    fail_five_times("alice", IP_A)
    assert signed_in(sign_in("alice", PASSWORD, IP_B))


def test_a_colleague_behind_the_same_nat_address_still_signs_in(people):
    fail_five_times("alice", IP_A)
    assert signed_in(sign_in("bob", PASSWORD, IP_A))


def test_four_failures_do_not_lock(people):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in("alice", "not-the-password", IP_A)
    assert signed_in(sign_in("alice", PASSWORD, IP_A))


def test_the_lock_lifts_after_the_cool_off(people):
    assert dt.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    fail_five_times("alice", IP_A)
    assert sign_in("alice", PASSWORD, IP_A).status_code == 429
    last = AccessAttempt.objects.get().attempt_time
    AccessAttempt.objects.update(attempt_time=last - dt.timedelta(minutes=16))
    assert signed_in(sign_in("alice", PASSWORD, IP_A))


def test_every_failure_is_in_the_access_log(people):
    fail_five_times("alice", IP_A)
    sign_in("alice", PASSWORD, IP_A)  # refused by the lockout: a failure too
    rows = AccessLog.objects.filter(kind=AccessKind.LOGIN_FAILED, username="alice", ip=IP_A)
    assert rows.count() == settings.AXES_FAILURE_LIMIT + 1


def test_basic_auth_on_the_api_is_locked_out_too(people):
    def call(password: str) -> int:
        token = base64.b64encode(f"alice:{password}".encode()).decode()
        return (
            Client(REMOTE_ADDR=IP_A)
            .get("/api/v1/periods/", HTTP_AUTHORIZATION=f"Basic {token}")
            .status_code
        )

    assert call(PASSWORD) == 200
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert call("not-the-password") in (401, 403)
    assert call(PASSWORD) in (401, 403, 429)


def test_a_sign_in_without_a_request_is_refused_by_the_lockout_backend(people):
    with pytest.raises(AxesBackendRequestParameterRequired):
        authenticate(username="alice", password=PASSWORD)
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="alice", password=PASSWORD) is not None


# --- password rules and session expiry --------------------------------------------------------


@pytest.mark.parametrize("password", ["Ng4n!qu4", "ab12CD34!", "1234567890", "password123"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_password_of_ten_or_more_varied_characters_is_accepted():
    validate_password("Hồ-Gươm-2026-lá-xanh")
    validate_password("tram9Kx#Lq")


def test_the_session_ends_after_a_working_day_or_when_the_browser_closes(db):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    user = UserFactory(username="hoa")
    client = Client()
    response = client.post("/accounts/login/", {"username": "hoa", "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"] and not cookie["max-age"]  # a browser-session cookie
    assert cookie["httponly"]
    assert client.session.get_expiry_age() == 8 * 60 * 60
    assert user.pk == int(client.session["_auth_user_id"])


# --- the address that is locked and logged ----------------------------------------------------


def test_behind_the_proxy_the_address_comes_from_the_configured_header(settings):
    from staff.accesslog import client_ip

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.9")
    assert client_ip(request) == "10.0.0.1"  # the header is ignored unless configured
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert client_ip(request) == "203.0.113.9"
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="junk")) is None


def test_the_lockout_counts_the_address_from_the_header(people, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"

    def attempt(password: str, real_ip: str):
        return Client(REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP=real_ip).post(
            "/accounts/login/", {"username": "alice", "password": password}
        )

    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("not-the-password", IP_A)
    assert attempt(PASSWORD, IP_A).status_code == 429
    assert attempt(PASSWORD, IP_B).status_code == 302  # same proxy, another client
