"""Two-factor sign-in: required for whoever approves, publishes or resolves
appeals, and re-checked by those actions themselves — a page or API call that skipped the step
is refused with 403 ``otp_required``."""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from evaluation.errors import WorkflowError
from evaluation.models import Appeal, Evaluation, QuotaException
from evaluation.services.appeals import appeal_resolve
from evaluation.services.approval import agency_publish, quota_exception_record, unit_approve
from evaluation.services.periods import period_open
from staff.models import Role
from tests.evaluation.conftest import STAFF_NAMES
from tests.factories import PASSWORD, RoleAssignmentFactory, UserFactory

TAM = STAFF_NAMES[1]


@pytest.fixture
def period(month):
    return period_open(ruleset_code="ND335-2025", label="2026-10", user=month.user("sam"))[0]


def unverified(name: str):
    """The same person, freshly loaded: signed in with the password only."""
    return get_user_model().objects.get(username=name)


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def api_approve(client: Client, period, month):
    return client.post(
        "/api/v1/approvals/",
        {"period": period.pk, "unit": month.planning.code},
        content_type="application/json",
    )


def password_client(user) -> Client:
    client = Client()
    client.force_login(user)  # an unverified user object: no second factor in the session
    return client


# --- the services refuse without the second factor ------------------------------------------


def refused(call) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        call()
    assert (caught.value.code, caught.value.status) == ("otp_required", 403)
    return caught.value


def test_approving_needs_the_second_factor(month, period):
    error = refused(
        lambda: unit_approve(period=period, unit=month.planning, user=unverified("alice"))
    )
    assert "xác thực hai lớp" in error.as_dict()["message"]
    assert not Evaluation.objects.filter(period=period, status="approved").exists()


def test_publishing_and_quota_exceptions_need_the_second_factor(month, period):
    dave = unverified("dave")
    refused(lambda: agency_publish(period=period, agency=month.agency_a, user=dave))
    refused(  # recorded by the province admin (DOMAIN.md §4.5), with the second factor
        lambda: quota_exception_record(
            period=period, agency=month.agency_a, duty_group=None, ceiling=2,
            reference="QĐ 1/QĐ-UBND", reason="Thành tích", user=unverified("sam"),
        )
    )  # fmt: skip
    assert not QuotaException.objects.exists()


def test_resolving_an_appeal_needs_the_second_factor(month, period):
    ev = Evaluation.objects.get(period=period, staff=month.staff[TAM])
    appeal = Appeal.objects.create(evaluation=ev, reason="x", filed_by=month.user(TAM))
    refused(lambda: appeal_resolve(appeal=appeal, user=unverified("alice"), decision="uphold",
                                   reason="Đúng"))  # fmt: skip


def test_someone_who_may_not_approve_is_told_so_not_asked_for_a_code(month, period):
    with pytest.raises(WorkflowError) as caught:
        unit_approve(period=period, unit=month.planning, user=unverified("bob"))
    assert caught.value.code != "otp_required"


def test_the_api_refuses_a_password_only_session(month, period):
    response = api_approve(password_client(unverified("alice")), period, month)
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "otp_required"


def test_basic_auth_never_approves(month, period):
    token = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    response = Client().post(
        "/api/v1/approvals/",
        {"period": period.pk, "unit": month.planning.code},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {token}",
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "otp_required"


# --- verifying ---------------------------------------------------------------------------------


def test_a_correct_totp_code_lets_the_approver_approve(month, period):
    client = password_client(unverified("alice"))
    assert api_approve(client, period, month).status_code == 403
    device = TOTPDevice.objects.get(user__username="alice")
    response = client.post("/accounts/otp/verify/", {"token": code_of(device), "next": "/"})
    assert response.status_code == 302
    assert api_approve(client, period, month).status_code in (200, 409)


def test_a_wrong_code_verifies_nothing(month, period):
    client = password_client(unverified("alice"))
    response = client.post("/accounts/otp/verify/", {"token": "000000"})
    assert response.status_code == 200
    assert "Mã không đúng" in response.content.decode()
    assert api_approve(client, period, month).status_code == 403


def test_a_backup_code_works_once(month, period):
    static = StaticDevice.objects.create(user=month.user("alice"), name="backup")
    StaticToken.objects.create(device=static, token="k7m2p9q4")
    first = password_client(unverified("alice"))
    assert first.post("/accounts/otp/verify/", {"token": "k7m2p9q4"}).status_code == 302
    assert api_approve(first, period, month).status_code in (200, 409)
    second = password_client(unverified("alice"))
    assert second.post("/accounts/otp/verify/", {"token": "k7m2p9q4"}).status_code == 200
    assert api_approve(second, period, month).status_code == 403


# --- the sign-in flow -------------------------------------------------------------------------


def sign_in(username: str) -> tuple[Client, str]:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client, response["Location"]


def test_an_approver_with_a_device_is_sent_to_verify_after_the_password(month):
    _client, location = sign_in("alice")
    assert location.startswith("/accounts/otp/verify/")


def test_someone_who_does_not_approve_goes_straight_in(month):
    _client, location = sign_in("bob")
    assert location == "/"


def test_a_new_approver_sets_up_an_app_and_gets_ten_backup_codes_once(month, period):
    eve = UserFactory(username="eve")
    RoleAssignmentFactory(user=eve, role=Role.HEAD_DELEGATE, agency=month.agency_a)
    client, location = sign_in("eve")
    assert location.startswith("/accounts/otp/setup/")
    page = client.get(location).content.decode()
    device = TOTPDevice.objects.get(user=eve, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode()
    assert secret in page and "otpauth://totp/" in page

    done = client.post("/accounts/otp/setup/", {"token": code_of(device), "next": "/"})
    assert done.status_code == 200
    codes = [t.token for t in StaticToken.objects.filter(device__user=eve)]
    assert len(codes) == 10
    assert all(code in done.content.decode() for code in codes)
    assert TOTPDevice.objects.get(user=eve).confirmed
    assert api_approve(client, period, month).status_code in (200, 409)

    # Shown once: the page now asks for a code first, and never lists the codes again.
    again = password_client(unverified("eve")).get("/accounts/otp/setup/")
    assert again.status_code == 302 and again["Location"].startswith("/accounts/otp/verify/")
    later = password_client(unverified("eve"))
    assert later.post("/accounts/otp/verify/", {"token": codes[0]}).status_code == 302
    assert StaticToken.objects.filter(device__user=eve).count() == 9


def test_verify_sends_someone_without_a_device_to_setup(month):
    eve = UserFactory(username="eve")
    response = password_client(eve).get("/accounts/otp/verify/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/setup/")


def test_guessing_codes_is_slowed_down(month, period):
    client = password_client(unverified("alice"))
    device = TOTPDevice.objects.get(user__username="alice")
    assert client.post("/accounts/otp/verify/", {"token": "000000"}).status_code == 200
    # Right after a wrong code, even the right one is refused for a while (django-otp throttle).
    assert client.post("/accounts/otp/verify/", {"token": code_of(device)}).status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1
    assert api_approve(client, period, month).status_code == 403
