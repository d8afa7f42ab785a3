"""Sign-in and the home page: what each person owes this month, in Vietnamese first."""

from __future__ import annotations

from evaluation.models import Notification
from tests.evaluation.helpers import open_month, self_assess


def test_the_home_page_asks_anonymous_visitors_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    page = client.get("/accounts/login/").content.decode()
    assert "Đăng nhập" in page and "Quên mật khẩu?" in page


def test_signing_in_leads_home(month, client):
    response = client.post("/accounts/login/", {"username": "cv1", "password": "test-pass-123"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_wrong_password_is_said_in_vietnamese_and_the_username_is_kept(month, client):
    page = client.post("/accounts/login/", {"username": "cv1", "password": "sai"}).content.decode()
    assert "cv1" in page and 'role="alert"' in page


def test_the_person_sees_their_evaluation_and_what_to_do_by_when(month, client):
    open_month(month)
    client.force_login(month.user("Sơn"))
    page = client.get("/").content.decode()
    assert "2026-10" in page and "Tự đánh giá và gửi" in page and "03/11/2026" in page


def test_the_manager_sees_how_many_wait_for_scoring(month, client):
    period = open_month(month)
    self_assess(month, "Sơn", period)
    client.force_login(month.user("bob"))
    page = client.get("/").content.decode()
    assert "Cần chấm điểm" in page and "phiếu kỳ 2026-10" in page


def test_notifications_show_on_the_home_page(month, client):
    Notification.objects.create(
        recipient=month.user("Sơn"), kind="published", subject="Kết quả kỳ 2026-10", body="…"
    )
    client.force_login(month.user("Sơn"))
    page = client.get("/").content.decode()
    assert "Kết quả kỳ 2026-10" in page and "1 chưa đọc" in page


def test_the_home_page_reads_in_a_constant_number_of_queries(
    month, client, django_assert_max_num_queries
):
    open_month(month)
    client.force_login(month.user("alice"))
    with django_assert_max_num_queries(14):
        assert client.get("/").status_code == 200


def test_english_is_one_click_away(month, client):
    client.force_login(month.user("Sơn"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Sign out" in page or "Log out" in page or "Home" in page
    assert "My evaluations" in page and "Đăng xuất" not in page


def test_the_navigation_offers_each_role_its_pages(month, client):
    client.force_login(month.user("Sơn"))
    page = client.get("/").content.decode()
    assert "/dashboards/" not in page and "/staff/import/" not in page
    client.force_login(month.user("huong"))  # HR: indicators of her agency and the import page
    page = client.get("/").content.decode()
    assert 'href="/dashboards/"' in page and 'href="/staff/import/"' in page
    client.force_login(month.user("alice"))  # head: indicators, no import
    page = client.get("/").content.decode()
    assert 'href="/dashboards/"' in page and "/staff/import/" not in page
