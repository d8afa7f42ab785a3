"""The staff API: every endpoint scoped (lists exclude, details 404), filters, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from staff.models import StaffCategory
from tests.factories import StaffMemberFactory, UnitFactory

pytestmark = pytest.mark.django_db


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


# --- /api/v1/staff/ ---------------------------------------------------------------------------


def test_alice_lists_her_agency_in_vietnamese_order(org):
    got = codes(client_for(org.alice).get("/api/v1/staff/"))
    # An < Ánh < Bình < Đức < Oanh < Tâm (given names, Vietnamese alphabet)
    assert got == ["A003", "A001", "A002", "A005", "A006", "A004"]


def test_bob_lists_only_his_unit_and_direct_reports(org):
    got = set(codes(client_for(org.bob).get("/api/v1/staff/")))
    assert got == org.codes(org.bob_sm, org.ann, org.tom, org.dan)


def test_bob_gets_404_for_someone_outside_his_scope(org):
    client = client_for(org.bob)
    assert client.get(f"/api/v1/staff/{org.olga.code}/").status_code == 404
    assert client.get(f"/api/v1/staff/{org.bea.code}/").status_code == 404
    assert client.get(f"/api/v1/staff/{org.dan.code}/").status_code == 200


def test_charlie_sees_nothing_of_alices_agency(org):
    client = client_for(org.charlie)
    assert set(codes(client.get("/api/v1/staff/"))) == org.codes(org.charlie_sm, org.bea)
    assert client.get(f"/api/v1/staff/{org.alice_sm.code}/").status_code == 404
    assert codes(client.get("/api/v1/agencies/")) == ["SOB"]
    assert client.get(f"/api/v1/agencies/{org.agency_a.code}/").status_code == 404
    assert codes(client.get("/api/v1/units/")) == ["B-NV"]
    assert client.get(f"/api/v1/units/{org.planning.code}/").status_code == 404


def test_a_missing_code_and_an_out_of_scope_code_look_the_same(org):
    client = client_for(org.charlie)
    missing = client.get("/api/v1/staff/NOPE/")
    hidden = client.get(f"/api/v1/staff/{org.alice_sm.code}/")
    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()


def test_the_inspector_sees_everything(org):
    client = client_for(org.ivy)
    assert set(codes(client.get("/api/v1/staff/"))) == org.codes(*org.everyone)
    assert set(codes(client.get("/api/v1/agencies/"))) == {"SOA", "SOB"}
    assert len(codes(client.get("/api/v1/units/"))) == 5


def test_the_api_is_read_only_even_for_the_inspector(org):
    client = client_for(org.ivy)
    assert client.post("/api/v1/staff/", {"code": "X"}).status_code == 405
    assert client.delete(f"/api/v1/staff/{org.ann.code}/").status_code == 405


@pytest.mark.parametrize("url", ["/api/v1/staff/", "/api/v1/agencies/", "/api/v1/units/"])
def test_anonymous_is_refused(org, url):
    assert client_for().get(url).status_code in (401, 403)


def test_detail_shows_personal_fields_and_manager(org):
    data = client_for(org.alice).get(f"/api/v1/staff/{org.ann.code}/").json()
    assert data["full_name"] == "Nguyễn Thị An"
    assert data["given_name"] == "An"
    assert data["manager"] == org.bob_sm.code
    assert data["unit"] == "A-KH" and data["agency"] == "SOA"
    assert "joined_on" in data and "party_member" in data


def test_search_ignores_diacritics_and_word_order(org):
    client = client_for(org.alice)
    assert codes(client.get("/api/v1/staff/", {"search": "dang van duc"})) == ["A005"]
    assert codes(client.get("/api/v1/staff/", {"search": "Đức ĐẶNG"})) == ["A005"]
    assert codes(client.get("/api/v1/staff/", {"search": "a00"})) == [
        "A003",
        "A001",
        "A002",
        "A005",
        "A006",
        "A004",
    ]
    # Charlie's people are not found by searching for them.
    assert codes(client.get("/api/v1/staff/", {"search": "chung"})) == []


def test_unit_filter_includes_sub_units(org):
    client = client_for(org.alice)
    got = set(codes(client.get("/api/v1/staff/", {"unit": "A-KH"})))
    assert got == org.codes(org.bob_sm, org.ann, org.tom)


def test_agency_and_category_filters(org):
    StaffMemberFactory(code="A100", unit=org.office, category=StaffCategory.VC)
    client = client_for(org.ivy)
    assert set(codes(client.get("/api/v1/staff/", {"agency": "SOB"}))) == {"B001", "B002"}
    assert codes(client.get("/api/v1/staff/", {"category": "VC"})) == ["A100"]
    assert client.get("/api/v1/staff/", {"category": "XX"}).status_code == 400


def test_unit_and_agency_list_filters(org):
    client = client_for(org.ivy)
    assert codes(client.get("/api/v1/units/", {"agency": "SOA"})) == [
        "A-KH",
        "A-KH-TH",
        "A-TT",
        "A-VP",
    ]
    assert set(codes(client.get("/api/v1/agencies/", {"type": "so"}))) == {"SOA", "SOB"}
    assert codes(client.get("/api/v1/agencies/", {"type": "xa"})) == []


def test_the_schema_builds(org):
    response = client_for(org.ivy).get("/api/v1/schema/")
    assert response.status_code == 200


# --- query counts -----------------------------------------------------------------------------


def _grow(org, n: int, prefix: str) -> None:
    """Add n sub-units of Bob's unit, each with one person reporting to Bob."""
    for i in range(n):
        unit = UnitFactory(agency=org.agency_a, parent=org.planning)
        StaffMemberFactory(unit=unit, manager=org.bob_sm, code=f"{prefix}{i:04d}")


def _queries_and_count(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


@pytest.mark.parametrize("url", ["/api/v1/staff/", "/api/v1/agencies/", "/api/v1/units/"])
@pytest.mark.parametrize("who", ["alice", "bob", "ivy"])
def test_list_endpoints_cost_the_same_with_3_or_30_rows(org, url, who):
    client = client_for(getattr(org, who))
    _grow(org, 3, "G")
    small, small_count = _queries_and_count(client, url)
    _grow(org, 27, "H")
    large, large_count = _queries_and_count(client, url)
    assert small == large
    # scope (roles + own record) + count + page: nothing per row
    assert large <= 4
    if url != "/api/v1/agencies/":
        assert large_count == small_count + 27


def test_the_staff_detail_is_a_constant_handful_of_queries(org, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert client_for(org.bob).get(f"/api/v1/staff/{org.tom.code}/").status_code == 200
