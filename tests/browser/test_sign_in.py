"""Signing in, in a real browser: Vietnamese by default, English on request, all local."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, UserFactory

# serialized_rollback: the flush after a live-server test must give back what migrations load.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_person_signs_in_and_switches_to_english(visit):
    UserFactory(username="lan")
    lan = visit("lan")
    lan.goto("/accounts/login/")
    lan.shoot("sign-in")
    lan.page.get_by_role("link", name="Quên mật khẩu?").click()
    lan.page.wait_for_url("**/password_reset/")
    lan.shoot("forgot-password")

    lan.sign_in("lan", PASSWORD)
    assert lan.page.get_by_role("heading", name="Xin chào, lan").is_visible()
    lan.shoot("home")

    lan.page.get_by_role("button", name="English").click()
    lan.page.wait_for_load_state()
    assert lan.page.get_by_role("button", name="Tiếng Việt").is_visible()
    assert lan.page.locator("html").get_attribute("lang") == "en"


def test_a_wrong_password_is_refused_in_vietnamese_and_the_username_kept(visit):
    UserFactory(username="lan")
    lan = visit("lan")
    lan.sign_in("lan", "sai-mat-khau-roi")
    assert lan.page.get_by_role("alert").is_visible()
    assert lan.page.get_by_label("Tên đăng nhập").input_value() == "lan"
