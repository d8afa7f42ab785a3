"""The staff list and the person page: Hương (HR of Sở Alpha) sees her agency, Sam and Ivy see
the province, Bob the manager and Charlie of Sở Beta see nothing of it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from staff.models import StaffCategory
from tests.evaluation.helpers import open_month
from tests.factories import LeavePeriodFactory, StaffMemberFactory

URL = "/staff/people/"


def _row_codes(page: str) -> list[str]:
    return re.findall(r'data-test="people-row-([^"]+)"', page)


def _get(client, user, url=URL, **params):
    client.force_login(user)
    return client.get(url, params)


# --- who may open it ---------------------------------------------------------------------------


def test_the_hr_officer_sees_her_agency_only(month, client):
    page = _get(client, month.user("huong")).content.decode()
    codes = _row_codes(page)
    assert "A01" in codes and "A20" in codes and "A11" in codes
    assert "B01" not in codes and "B02" not in codes
    assert 'data-test="people-search"' in page
    assert "11 người" in page


@pytest.mark.parametrize("name", ["sam", "ivy"])
def test_the_province_admin_and_the_inspector_see_every_agency(month, client, name):
    codes = _row_codes(_get(client, month.user(name)).content.decode())
    assert {"A01", "B01", "B02"} <= set(codes)


@pytest.mark.parametrize("name", ["bob", "Sơn", "alice", "charlie"])
def test_the_list_is_a_404_for_managers_staff_and_heads(month, client, name):
    assert _get(client, month.user(name)).status_code == 404


def test_anonymous_visitors_are_asked_to_sign_in(month, client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_hr_officer_gets_a_404_for_a_person_of_another_agency(month, client):
    assert _get(client, month.user("huong"), f"{URL}B02/").status_code == 404
    assert _get(client, month.user("huong"), f"{URL}NOPE/").status_code == 404


def test_the_person_page_is_a_404_for_a_manager_even_of_their_own_team(month, client):
    assert _get(client, month.user("bob"), f"{URL}A11/").status_code == 404


def test_an_hr_officer_cannot_widen_her_list_with_an_agency_filter(month, client):
    codes = _row_codes(_get(client, month.user("huong"), agency="SOB").content.decode())
    assert "B02" not in codes and "A01" in codes


# --- sort, search, filters ---------------------------------------------------------------------


def test_the_list_is_in_vietnamese_order_by_given_name(month, client):
    StaffMemberFactory(code="A90", full_name="Nguyễn Thị Bảo", unit=month.planning)
    StaffMemberFactory(code="A91", full_name="Vũ Văn Ánh", unit=month.planning)
    codes = _row_codes(_get(client, month.user("huong")).content.decode())
    # Ánh (Trần Thị, then Vũ Văn: the middle name decides), Ân, Bảo, Bình, Dũng, Hương, Sơn…
    # — the family name never comes first, and "Â" sorts after "A", not after "Z".
    assert codes == [
        "A01", "A91", "A17", "A90", "A03", "A02", "A20", "A11", "A12", "A13", "A14", "A15", "A16",
    ]  # fmt: skip


def test_a_search_without_diacritics_finds_the_vietnamese_name(month, client):
    page = _get(client, month.user("huong"), q="nguyen van").content.decode()
    codes = _row_codes(page)
    assert len(codes) == 7 and "Nguyễn Văn Sơn" in page
    typed = _get(client, month.user("huong"), q="HUONG phan").content.decode()
    assert _row_codes(typed) == ["A20"] and 'value="HUONG phan"' in typed


def test_a_search_by_code_works(month, client):
    assert _row_codes(_get(client, month.user("sam"), q="b02").content.decode()) == ["B02"]


def test_the_province_admin_filters_by_agency_and_then_by_unit(month, client):
    page = _get(client, month.user("sam"), agency="SOB").content.decode()
    assert set(_row_codes(page)) == {"B01", "B02"}
    assert 'value="B-NV"' in page and 'value="A-KH"' not in page
    codes = _row_codes(_get(client, month.user("sam"), agency="SOA", unit="A-KH").content.decode())
    assert set(codes) == {"A03", *[f"A1{i}" for i in range(1, 8)]}


def test_the_hr_officer_filters_by_unit_and_category(month, client):
    StaffMemberFactory(
        code="A95", full_name="Hồ Văn Lao", unit=month.planning, category=StaffCategory.NLD
    )
    codes = _row_codes(_get(client, month.user("huong"), unit="A-LD").content.decode())
    assert set(codes) == {"A01", "A02", "A20"}
    codes = _row_codes(_get(client, month.user("huong"), category="NLD").content.decode())
    assert codes == ["A95"]


def test_the_status_filter_tells_working_on_leave_and_left(month, client):
    today = dt.date.today()
    LeavePeriodFactory(staff=month.staff["Tâm"], kind="maternity", start=today, end=None)
    gone = month.staff["Uyên"]
    gone.left_on = today - dt.timedelta(days=1)
    gone.save()
    hr = month.user("huong")
    on_leave = _get(client, hr, status="on_leave").content.decode()
    assert _row_codes(on_leave) == ["A12"] and "Đang nghỉ" in on_leave
    assert _row_codes(_get(client, hr, status="left").content.decode()) == ["A13"]
    active = _row_codes(_get(client, hr, status="active").content.decode())
    assert "A12" not in active and "A13" not in active and len(active) == 9


def test_the_list_is_paginated_by_fifty_and_keeps_the_filters(month, client):
    for i in range(55):
        StaffMemberFactory(code=f"P{i:03d}", full_name=f"Nguyễn Văn Phụ {i}", unit=month.planning)
    page = _get(client, month.user("huong"), q="phu").content.decode()
    assert len(_row_codes(page)) == 50 and "55 người" in page and "q=phu&amp;page=2" in page
    second = _get(client, month.user("huong"), q="phu", page=2).content.decode()
    assert len(_row_codes(second)) == 5


def _count_queries(client, user, **params) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, params).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_queries_for_n_and_2n_people(month, client):
    for i in range(10):
        StaffMemberFactory(code=f"N{i:03d}", full_name=f"Lê Thị Mai {i}", unit=month.planning)
    small = _count_queries(client, month.user("huong"))
    small_province = _count_queries(client, month.user("sam"), agency="SOA")
    for i in range(10, 20):
        StaffMemberFactory(code=f"N{i:03d}", full_name=f"Lê Thị Mai {i}", unit=month.planning)
    assert _count_queries(client, month.user("huong")) == small
    assert _count_queries(client, month.user("sam"), agency="SOA") == small_province
    assert small <= 12


# --- the person page ---------------------------------------------------------------------------


def test_the_person_page_shows_work_leave_and_evaluations(month, client):
    LeavePeriodFactory(
        staff=month.staff["Sơn"],
        kind="sick",
        start=dt.date(2026, 3, 2),
        end=dt.date(2026, 3, 6),
        note="Ốm",
    )
    open_month(month)
    page = _get(client, month.user("huong"), f"{URL}A11/").content.decode()
    assert "Nguyễn Văn Sơn" in page and "Phòng Kế hoạch" in page
    assert "Lê Văn Bình" in page  # the manager
    assert "Chuyên viên" in page  # the duty group
    assert "Nghỉ ốm" in page and "02/03/2026" in page
    assert 'data-test="person-evaluation-2026-10"' in page and "Đang lập" in page


def test_the_inspector_opens_a_person_of_any_agency(month, client):
    page = _get(client, month.user("ivy"), f"{URL}B02/").content.decode()
    assert "Bùi Thị Bé" in page and "Võ Văn Chung" in page
