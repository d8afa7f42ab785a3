"""Forgot password: the sign-in page links to a reset by e-mail, in Vietnamese, that works once."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_offers_a_reset_by_email(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in page
    assert "Quên mật khẩu?" in page


def test_a_known_address_gets_a_link_that_sets_a_new_password_once(client):
    user = UserFactory(username="lan", email="lan@soa.gov.vn")

    response = client.post("/accounts/password_reset/", {"email": "lan@soa.gov.vn"})
    assert response.status_code == 302
    assert "Hãy kiểm tra hộp thư" in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lan@soa.gov.vn"]
    assert "Đặt lại mật khẩu" in message.subject and "Reset" in message.subject
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Đặt mật khẩu mới" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    too_short = client.post(set_url, {"new_password1": "ngan", "new_password2": "ngan"})
    assert too_short.status_code == 200
    assert 'role="alert"' in too_short.content.decode()
    done = client.post(
        set_url, {"new_password1": "Mua-thu-Ha-Noi-2026", "new_password2": "Mua-thu-Ha-Noi-2026"}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Mua-thu-Ha-Noi-2026")

    again = client.get(link, follow=True).content.decode()
    assert "không hợp lệ hoặc đã được dùng" in again


def test_an_unknown_address_is_not_confirmed_or_denied(client):
    response = client.post("/accounts/password_reset/", {"email": "ai-do@example.vn"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_a_malformed_address_is_refused_next_to_the_field_and_kept(client):
    response = client.post("/accounts/password_reset/", {"email": "khong-phai-email"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="khong-phai-email"' in page
    assert 'role="alert"' in page
