"""The provincial ranking page and the PAR feed: the province admin (Sam) and the inspector
(Ivy) see everything; Alice (head of Sở Alpha) reads the ranking; staff are refused."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.models import ParImportedScore
from tests.dashboards.test_pages_agency import _grow

RANKING = "/dashboards/rankings/"
PAR = "/dashboards/par/"


@pytest.mark.parametrize("who", ["sam", "ivy", "alice", "charlie", "huong"])
def test_the_ranking_renders_for_the_province_and_agency_leaders(october, month, client, who):
    client.force_login(month.user(who))
    response = client.get(RANKING, {"period": "2026-10"})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r["rank"], r["agency"]) for r in rows] == [(1, "SOA"), (2, "SOB")]
    assert "Bảng nhiệt điểm tổng hợp theo tháng" in response.content.decode()


def test_heads_drill_down_only_into_their_own_agency(october, month, client):
    client.force_login(month.user("charlie"))
    page = client.get(RANKING, {"period": "2026-10"}).content.decode()
    assert 'href="/dashboards/agency/SOB/?period=2026-10"' in page
    assert "/dashboards/agency/SOA/" not in page
    assert "Chỉ xem." in page


def test_the_province_admin_drills_into_every_agency(october, month, client):
    client.force_login(month.user("sam"))
    page = client.get(RANKING, {"period": "2026-10"}).content.decode()
    assert "/dashboards/agency/SOA/?period=2026-10" in page
    assert "/dashboards/agency/SOB/?period=2026-10" in page


def test_movement_shows_an_arrow_against_the_previous_month(october, month, client):
    client.force_login(month.user("sam"))
    response = client.get(RANKING, {"period": "2026-11"})
    rows = {r["agency"]: r for r in response.context["rows"]}
    # November: nobody has done anything, ties broken by code → SOA 1st, SOB 2nd, no move.
    assert rows["SOA"]["movement"] == 0 and "＝" in response.content.decode()


def test_the_heat_table_has_one_column_per_month(october, month, client):
    client.force_login(month.user("sam"))
    response = client.get(RANKING, {"period": "2026"})
    assert response.context["heat_months"] == ["2026-10", "2026-11"]
    soa = next(r for r in response.context["heat_rows"] if r["agency"] == "SOA")
    assert soa["cells"][0][0] > soa["cells"][1][0]


def test_quarter_and_type_filter(october, month, client):
    from staff.models import AgencyType

    commune = AgencyType.objects.create(code="xa", name="UBND xã, phường, đặc khu")
    month.agency_b.agency_type = commune
    month.agency_b.save()
    client.force_login(month.user("sam"))
    # November is live, so it already reads Sở Beta's new type (October's snapshot keeps the old).
    response = client.get(RANKING, {"period": "2026-11", "type": month.agency_a.agency_type.code})
    assert [r["agency"] for r in response.context["rows"]] == ["SOA"]
    quarter = client.get(RANKING, {"period": "2026-Q4"})
    assert "2026-Q4" in quarter.context["choices"] and quarter.context["label"] == "2026-Q4"


@pytest.mark.parametrize("who", ["bob", "Sơn"])
def test_staff_without_a_leading_role_are_refused_the_ranking(october, month, client, who):
    client.force_login(month.user(who))
    assert client.get(RANKING).status_code == 403


@pytest.mark.parametrize("table", ["ranking", "heat"])
def test_ranking_tables_download(october, month, client, table):
    client.force_login(month.user("alice"))
    response = client.get(RANKING, {"period": "2026-10", "table": table, "download": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert response["Content-Disposition"].endswith('.xlsx"')


def test_the_ranking_reads_in_a_constant_number_of_queries(month, client):
    from tests.evaluation.helpers import manager_score, open_month, self_assess

    period = open_month(month)
    for name in ("Sơn", "Tâm", "Uyên"):
        self_assess(month, name, period)
        manager_score(month, "bob", name, period)
    client.force_login(month.user("sam"))
    small = _count(client, RANKING, {"period": "2026-10"})
    _grow(month, period, 27)
    assert _count(client, RANKING, {"period": "2026-10"}) == small


def _count(client, url, params) -> int:
    client.get(url, params)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["sam", "ivy"])
def test_the_par_feed_renders_for_the_province(october, month, client, who):
    client.force_login(month.user(who))
    response = client.get(PAR, {"year": "2026"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "CV-DG1" in page and "Sở Alpha" in page
    assert not response.context["whole"]


def test_imported_scores_show_the_whole_index(october, month, client):
    ParImportedScore.objects.create(
        year=2026,
        agency=month.agency_a,
        field_code="TCHC",
        field_name="Cải cách thủ tục hành chính",
        points=8,
        max_points=10,
    )
    client.force_login(month.user("sam"))
    response = client.get(PAR, {"year": "2026"})
    assert response.context["whole"]
    assert "Chỉ số CCHC toàn phần (%)" in response.content.decode()


@pytest.mark.parametrize("who", ["alice", "huong", "bob"])
def test_others_are_refused_the_par_feed(october, month, client, who):
    client.force_login(month.user(who))
    assert client.get(PAR).status_code == 403


def test_the_par_feed_downloads_as_csv(october, month, client):
    client.force_login(month.user("ivy"))
    response = client.get(PAR, {"year": "2026", "download": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="chi-so-cchc-2026.csv"'
    assert "Đánh giá, xếp loại đúng thời hạn" in response.content.decode("utf-8-sig")


def test_the_par_feed_reads_in_a_constant_number_of_queries(month, client):
    from tests.evaluation.helpers import manager_score, open_month, self_assess

    period = open_month(month)
    for name in ("Sơn", "Tâm", "Uyên"):
        self_assess(month, name, period)
        manager_score(month, "bob", name, period)
    client.force_login(month.user("sam"))
    small = _count(client, PAR, {"year": "2026"})
    _grow(month, period, 27)
    assert _count(client, PAR, {"year": "2026"}) == small


def test_the_dashboards_index_sends_each_role_to_its_page(october, month, client):
    client.force_login(month.user("sam"))
    assert client.get("/dashboards/")["Location"] == RANKING
    client.force_login(month.user("huong"))
    assert client.get("/dashboards/")["Location"] == "/dashboards/agency/SOA/"
    client.force_login(month.user("bob"))
    assert client.get("/dashboards/").status_code == 403
