"""The agency's own rating (DOMAIN.md §8: Decree 335 also rates state administrative agencies on
100 points): proposed from the indicators, recorded and revised by the province admin with the
second factor, audited, refused precisely, shown beside the ranking and on the agency dashboard,
and listed by the API within the caller's scope — in a constant number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from dashboards.agency_ratings import proposed_points
from dashboards.models import ParSubCriterion
from dashboards.par import par_points
from dashboards.rankings import ranking
from dashboards.selectors import civil_servant_ruleset_code
from evaluation.errors import WorkflowError
from evaluation.models import AgencyRating
from evaluation.services.agency_rating import agency_level, agency_rating_record
from scoring.models import RuleSetCoverage
from scoring.rules import Level
from staff.models import AuditEntry
from tests.factories import AgencyFactory, StaffMemberFactory, UnitFactory, verify_otp

PAGE = "/dashboards/agency-ratings/"
API = "/api/v1/agency-ratings/"


@pytest.fixture
def sam(month):
    """The province admin, signed in with the second factor."""
    verify_otp(month.user("sam"))
    return month.user("sam")


def record(month, user, *, agency=None, **fields):
    values = {"year": 2026, "quarter": None, "score": "85", "reference": "QĐ 12/QĐ-UBND"}
    values.update(fields)
    return agency_rating_record(agency=agency or month.agency_a, user=user, **values)


# --- recording ------------------------------------------------------------------------------


def test_the_province_admin_records_then_revises_with_before_and_after(month, sam):
    rating = record(month, sam, reason="Hoàn thành kế hoạch", proposed_points=Decimal("80.5"))
    assert (rating.score, rating.level, rating.proposed_points) == (
        Decimal("85"),
        "HTTNV",
        Decimal("80.5"),
    )
    revised = record(month, sam, score="92.5", reference="QĐ 15/QĐ-UBND")
    assert revised.pk == rating.pk and revised.level == "HTXSNV"
    assert AgencyRating.objects.count() == 1
    first, second = AuditEntry.objects.filter(action__startswith="agency.").order_by("pk")
    assert (first.action, first.before, first.after["score"]) == ("agency.rated", {}, "85.00")
    assert second.action == "agency.rating_revised"
    assert (second.before["score"], second.before["level"]) == ("85.00", "HTTNV")
    assert (second.after["score"], second.after["reference"]) == ("92.50", "QĐ 15/QĐ-UBND")
    assert second.actor_id == sam.pk and second.agency_id == month.agency_a.pk


def test_the_level_follows_the_agencies_rule_set_bands_90_70_50():
    bands = (Decimal(90), Decimal(70), Decimal(50))
    assert [agency_level(Decimal(s), bands) for s in ("90", "89.99", "70", "50", "49.99")] == [
        Level.HTXSNV,
        Level.HTTNV,
        Level.HTTNV,
        Level.HTNV,
        Level.KHTNV,
    ]


def test_a_quarter_is_rated_apart_from_the_year(month, sam):
    record(month, sam, quarter=1, score="60")
    record(month, sam, score="75")
    assert dict(AgencyRating.objects.values_list("quarter", "level")) == {1: "HTNV", None: "HTTNV"}


@pytest.mark.parametrize(
    ("fields", "code", "path", "vi", "en"),
    [
        (
            {"score": "100.5"},
            "score_out_of_range",
            "score",
            "phải từ 0 đến 100",
            "must be between 0 and 100",
        ),
        ({"score": "-1"}, "score_out_of_range", "score", "phải từ 0 đến 100", "between 0 and 100"),
        ({"score": "abc"}, "not_a_number", "score", "Phải là một số", "Must be a number"),
        (
            {"reference": "  "},
            "reference_required",
            "reference",
            "Bắt buộc ghi số, ký hiệu văn bản",
            "The reference of the decision",
        ),
        ({"quarter": 5}, "bad_quarter", "quarter", "Quý phải từ 1 đến 4", "1 to 4"),
    ],
)
def test_refusals_are_precise_in_both_languages(month, sam, fields, code, path, vi, en):
    with pytest.raises(WorkflowError) as refused:
        record(month, sam, **fields)
    error = refused.value
    assert (error.code, error.path, error.status) == (code, path, 400)
    assert vi in error.message and en in error.message_en
    assert not AgencyRating.objects.exists()


def test_a_year_or_quarter_not_started_is_refused(month, sam):
    next_year = timezone.localdate().year + 1
    with pytest.raises(WorkflowError) as refused:
        record(month, sam, year=next_year)
    assert (refused.value.code, refused.value.path) == ("period_not_started", "year")
    assert f"Chưa thể xếp loại năm {next_year}: kỳ bắt đầu từ 01/01/{next_year}" == (
        refused.value.message
    )
    assert refused.value.message_en == (
        f"Cannot rate the year {next_year} yet: it starts on 01/01/{next_year}"
    )


@pytest.mark.parametrize("who", ["alice", "dave", "huong", "ivy", "charlie"])
def test_only_the_province_admin_records(month, sam, who):
    with pytest.raises(WorkflowError) as refused:
        record(month, month.user(who))
    assert (refused.value.code, refused.value.status) == ("forbidden", 403)
    assert "Chỉ Sở Nội vụ" in refused.value.message


def test_the_province_admin_needs_the_second_factor(month):
    with pytest.raises(WorkflowError) as refused:
        record(month, month.user("sam"))
    assert (refused.value.code, refused.value.status) == ("otp_required", 403)


# --- the proposal ---------------------------------------------------------------------------


def test_the_proposal_is_the_civil_service_par_points_scaled_to_100(october):
    frame = par_points(ruleset_code="ND335-2025", label="2026").set_index("agency")
    proposals = proposed_points(year=2026)
    # Sở Beta has nobody evaluated (no signed rating in October or November): no proposal,
    # rather than 0.00 points and KHTNV.
    assert set(proposals) == {"SOA"} and "SOB" in frame.index
    expected = 100 * frame.loc["SOA", "points"] / frame.loc["SOA", "max_points"]
    assert proposals["SOA"] == Decimal(str(round(expected, 2))).quantize(Decimal("0.01"))
    # A quarter is proposed from its own months; a quarter with no figures proposes nothing.
    assert set(proposed_points(year=2026, quarter=4)) == {"SOA"}
    assert proposed_points(year=2026, quarter=1) == {}


def test_a_month_still_under_way_does_not_lower_the_proposal(october):
    """Q4 holds October (closed: 8 of Sở Alpha's 11 rated) and November (open, nothing done
    yet): the quarter is proposed from October alone, not from a mean that counts November's
    unfinished steps as failures."""
    ParSubCriterion.objects.filter(code="CV-DG2").update(rule="linear", lower=0, threshold=1)
    october_alone = par_points(ruleset_code="ND335-2025", label="2026-10").set_index("agency")
    expected = 100 * october_alone.loc["SOA", "points"] / october_alone.loc["SOA", "max_points"]

    proposal = proposed_points(year=2026, quarter=4)

    assert proposal["SOA"] == Decimal(str(round(expected, 2))).quantize(Decimal("0.01"))
    with_november = par_points(ruleset_code="ND335-2025", label="2026-Q4").set_index("agency")
    assert with_november.loc["SOA", "points"] < october_alone.loc["SOA", "points"]


def test_an_agency_with_nobody_evaluated_shows_no_proposal_on_the_page(october, month, sam):
    client = Client()
    client.force_login(sam)
    response = client.get(PAGE, {"year": "2026"})
    rows = {r.agency.code: r for r in response.context["rows"]}
    assert rows["SOA"].proposed is not None
    assert (rows["SOB"].proposed, rows["SOB"].proposed_level) == (None, None)
    html = response.content.decode()
    sob = html[html.index('id="s-SOB"') - 2000 : html.index('id="s-SOB"')]
    assert "—" in sob.split("<tr")[-1] and "KHTNV" not in sob.split("<tr")[-1]


def test_the_par_feed_and_the_proposal_read_the_rule_set_rating_civil_servants(october, month):
    """Not the hard-coded ND335-2025: the rule set the coverage maps công chức to."""
    assert civil_servant_ruleset_code() == "ND335-2025"
    # The province maps its agencies' công chức to HN-3814 from 1 January 2026.
    for agency in (month.agency_a, month.agency_b):
        RuleSetCoverage.objects.create(
            agency=agency, category="CC", ruleset_code="HN-3814", valid_from=dt.date(2026, 1, 1)
        )
    assert civil_servant_ruleset_code() == "HN-3814"
    assert proposed_points(year=2026) == {}  # HN-3814 holds no month yet
    assert set(proposed_points(year=2026, ruleset_code="ND335-2025")) == {"SOA"}
    client = Client()
    client.force_login(month.user("sam"))
    par = client.get("/dashboards/par/")
    assert par.context["years"] == [] and par.context["year"] is None
    ratings = client.get(PAGE)
    assert ratings.context["years"] == [] and ratings.context["rows"] == []
    # The ranking offers HN-3814 first when it has months; here only ND335-2025's exist.
    assert client.get("/dashboards/rankings/").context["rulesets"] == ["ND335-2025"]


def test_the_province_may_propose_from_the_ranking_composite(october, settings):
    settings.AGENCY_RATING_PROPOSAL = "ranking"
    frame = ranking(ruleset_code="ND335-2025", label="2026").set_index("agency")
    proposals = proposed_points(year=2026)
    assert proposals["SOA"] == Decimal(str(frame.loc["SOA", "composite"])).quantize(Decimal("0.01"))


# --- pages ----------------------------------------------------------------------------------


def test_the_admin_page_lists_agencies_with_proposals_and_records_a_rating(october, month, sam):
    client = Client()
    client.force_login(sam)
    page = client.get(PAGE, {"year": "2026"})
    assert page.status_code == 200
    rows = {r.agency.code: r for r in page.context["rows"]}
    assert rows["SOA"].proposed == proposed_points(year=2026)["SOA"] and rows["SOA"].rating is None
    assert page.content.decode().count('name="score"') == len(rows)
    response = client.post(
        PAGE,
        {
            "agency": "SOA",
            "year": "2026",
            "quarter": "",
            "score": "87,5",
            "reference": "QĐ 7/QĐ-UBND",
            "reason": "Tốt",
        },
    )
    assert response.status_code == 302 and "year=2026" in response["Location"]
    rating = AgencyRating.objects.get(agency=month.agency_a, year=2026, quarter=None)
    assert (rating.score, rating.level, rating.proposed_points) == (
        Decimal("87.5"),
        "HTTNV",
        rows["SOA"].proposed,
    )
    assert "QĐ 7/QĐ-UBND" in client.get(PAGE, {"year": "2026"}).content.decode()


def test_the_page_shows_the_refusal_at_the_agency_row(october, month, sam):
    client = Client()
    client.force_login(sam)
    response = client.post(PAGE, {"agency": "SOB", "year": "2026", "score": "120", "reference": ""})
    assert response.status_code == 400
    assert "Điểm xếp loại cơ quan phải từ 0 đến 100" in response.content.decode()
    assert response.context["errors"]["SOB"]["score"]
    assert not AgencyRating.objects.exists()


def test_the_inspector_reads_the_page_without_forms_and_cannot_post(october, month, client):
    client.force_login(month.user("ivy"))
    page = client.get(PAGE, {"year": "2026"})
    assert page.status_code == 200 and 'name="score"' not in page.content.decode()
    assert "Chỉ xem." in page.content.decode()
    assert client.post(PAGE, {"agency": "SOA", "year": "2026", "score": "80"}).status_code == 403


@pytest.mark.parametrize("who", ["alice", "huong", "charlie", "bob"])
def test_agency_roles_are_refused_the_province_page(october, month, client, who):
    client.force_login(month.user(who))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"agency": "SOA", "year": "2026", "score": "80"}).status_code == 403


def test_the_ranking_shows_the_rating_beside_each_agency_and_links_to_the_page(october, month, sam):
    record(month, sam, score="85")
    record(month, sam, agency=month.agency_a, quarter=4, score="55", reference="QĐ 9")
    client = Client()
    client.force_login(month.user("alice"))
    year = client.get("/dashboards/rankings/", {"period": "2026"})
    rows = {r["agency"]: r for r in year.context["rows"]}
    assert rows["SOA"]["agency_rating"].level == "HTTNV" and rows["SOB"]["agency_rating"] is None
    assert "HTTNV · 85" in year.content.decode()
    assert PAGE not in year.content.decode()  # the head reads the ranking, not the page
    quarter = client.get("/dashboards/rankings/", {"period": "2026-Q4"})
    assert {r["agency"]: r for r in quarter.context["rows"]}["SOA"]["agency_rating"].level == (
        "HTNV"
    )
    client.force_login(sam)
    assert f"{PAGE}?year=2026" in client.get("/dashboards/rankings/").content.decode()


def test_the_ranking_api_and_its_files_carry_the_rating_beside_the_composite(
    october, month, sam, tmp_path
):
    record(month, sam, score="85", reference="QĐ 12/QĐ-UBND")
    record(month, sam, agency=month.agency_a, quarter=4, score="55", reference="QĐ 9")
    client = Client()
    client.force_login(month.user("alice"))
    body = client.get("/api/v1/dashboards/rankings/", {"period": "2026-10"}).json()
    columns = body["columns"]
    at = columns.index("composite")
    assert columns[at + 1 : at + 4] == [
        "agency_rating_score",
        "agency_rating_level",
        "agency_rating_reference",
    ]
    rows = {r["agency"]: r for r in body["rows"]}
    assert (rows["SOA"]["agency_rating_score"], rows["SOA"]["agency_rating_level"]) == (
        85.0,
        "HTTNV",
    )
    assert rows["SOA"]["agency_rating_reference"] == "QĐ 12/QĐ-UBND"
    assert rows["SOB"]["agency_rating_level"] is None
    # A quarter carries the quarter's rating.
    quarter = client.get("/api/v1/dashboards/rankings/", {"period": "2026-Q4"}).json()
    assert {r["agency"]: r for r in quarter["rows"]}["SOA"]["agency_rating_reference"] == "QĐ 9"

    def csv_rows(content: bytes) -> list[list[str]]:
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))

    def soa(table: list[list[str]]) -> dict[str, str]:
        header, *data = table
        return dict(zip(header, next(r for r in data if "SOA" in r), strict=True))

    headers = ("Điểm xếp loại cơ quan", "Mức xếp loại cơ quan", "Văn bản xếp loại cơ quan")
    api_csv = csv_rows(
        client.get("/api/v1/dashboards/rankings/", {"period": "2026-10", "download": "csv"}).content
    )
    page_csv = csv_rows(
        client.get(
            "/dashboards/rankings/", {"period": "2026-10", "table": "ranking", "download": "csv"}
        ).content
    )
    out = tmp_path / "r.csv"
    call_command("export_rankings", "--period", "2026-10", "-o", str(out), stderr=io.StringIO())
    for table in (api_csv, page_csv, csv_rows(out.read_bytes())):
        header = table[0]
        assert header[header.index("Điểm tổng hợp") + 1 :][:3] == list(headers)
        row = soa(table)
        assert [row[h] for h in headers] == ["85.0", "HTTNV", "QĐ 12/QĐ-UBND"]
    xlsx = client.get(
        "/api/v1/dashboards/rankings/", {"period": "2026-10", "download": "xlsx"}
    ).content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    row = dict(zip(values[0], next(v for v in values[1:] if "SOA" in v), strict=True))
    assert [row[h] for h in headers] == [85, "HTTNV", "QĐ 12/QĐ-UBND"]


def test_the_agency_dashboard_shows_its_rating_read_only(october, month, sam, client):
    record(month, sam, score="85", reason="Cơ quan hoàn thành tốt")
    client.force_login(month.user("alice"))
    page = client.get("/dashboards/agency/SOA/", {"period": "2026-10"})
    text = page.content.decode()
    assert [r.level for r in page.context["agency_ratings"]] == ["HTTNV"]
    assert "Hoàn thành tốt nhiệm vụ" in text and "QĐ 12/QĐ-UBND" in text
    assert 'name="score"' not in text and PAGE not in text
    client.force_login(month.user("charlie"))
    other = client.get("/dashboards/agency/SOB/", {"period": "2026-10"})
    assert other.context["agency_ratings"] == []


# --- the API --------------------------------------------------------------------------------


def test_the_api_lists_within_the_callers_scope(month, sam):
    record(month, sam)
    record(month, sam, agency=month.agency_b, score="45")
    seen = {}
    for who in ("sam", "ivy", "alice", "huong", "charlie", "bob", "cv1"):
        client = Client()
        client.force_login(month.user(who) if who != "cv1" else month.user("Tâm"))
        response = client.get(API, {"year": "2026"})
        assert response.status_code == 200
        seen[who] = sorted(r["agency"] for r in response.json()["results"])
    assert seen["sam"] == seen["ivy"] == ["SOA", "SOB"]
    assert seen["alice"] == seen["huong"] == ["SOA"]
    assert seen["charlie"] == ["SOB"]
    assert seen["bob"] == seen["cv1"] == []


def test_the_api_records_for_the_province_admin(month, sam):
    client = Client()
    client.force_login(sam)
    body = {"agency": "SOB", "year": 2026, "score": 91, "reference": "QĐ 3/QĐ-UBND"}
    response = client.post(API, body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["agency"], data["level"], data["score"], data["quarter"]) == (
        "SOB",
        "HTXSNV",
        "91.00",
        None,
    )
    assert data["level_name"] == "Hoàn thành xuất sắc nhiệm vụ"


def test_the_api_refuses_in_the_errors_shape(month, sam):
    client = Client()
    client.force_login(sam)
    response = client.post(
        API,
        {"agency": "SOA", "year": 2026, "score": "150", "reference": "QĐ"},
        content_type="application/json",
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["code"], error["path"]) == ("score_out_of_range", "score")
    assert error["message_en"] == "An agency's score must be between 0 and 100 (got 150)"


def test_the_agency_head_is_refused_and_another_agency_is_not_found(month, sam):
    client = Client()
    client.force_login(month.user("alice"))
    body = {"agency": "SOA", "year": 2026, "score": 99, "reference": "QĐ"}
    assert client.post(API, body, content_type="application/json").status_code == 403
    client.force_login(month.user("charlie"))
    response = client.post(API, body, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
    client.force_login(month.user("ivy"))
    assert client.post(API, body, content_type="application/json").status_code == 403
    assert not AgencyRating.objects.exists()


# --- query counts ---------------------------------------------------------------------------


def _grow(month, sam, n: int) -> None:
    """``n`` more agencies of Sở Alpha's type, one person each, each with a recorded rating."""
    start = AgencyRating.objects.count()
    for i in range(start, start + n):
        agency = AgencyFactory(
            code=f"QR{i:03d}",
            name=f"Sở Thử {i}",
            province=month.agency_a.province,
            agency_type=month.agency_a.agency_type,
        )
        RuleSetCoverage.objects.create(agency=agency, ruleset_code="ND335-2025")
        unit = UnitFactory(agency=agency, code=f"QR{i:03d}-P", name="Văn phòng")
        StaffMemberFactory(code=f"QR{i:03d}-1", unit=unit, joined_on=dt.date(2020, 1, 1))
        record(month, sam, agency=agency, score=str(50 + i))


def _count(client: Client, url: str) -> int:
    assert client.get(url).status_code == 200  # warm the session and the caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_agency_ratings_page_reads_in_a_constant_number_of_queries(
    october, month, sam, settings
):
    settings.DASHBOARD_OPEN_PERIOD_SECONDS = 0
    client = Client()
    client.force_login(sam)
    url = f"{PAGE}?year=2026"
    _grow(month, sam, 3)
    small = _count(client, url)
    _grow(month, sam, 6)
    large = _count(client, url)
    assert len(client.get(url).context["rows"]) == 2 + 9
    assert small == large, (small, large)


def test_the_agency_ratings_api_lists_in_a_constant_number_of_queries(month, sam):
    client = Client()
    client.force_login(month.user("ivy"))
    _grow(month, sam, 3)
    small = _count(client, API)
    _grow(month, sam, 6)
    large = _count(client, API)
    assert client.get(API).json()["count"] == 9
    assert small == large, (small, large)


def test_the_page_speaks_english_too(october, month, sam):
    before = translation.get_language()
    try:
        client = Client()
        client.force_login(sam)
        page = client.get(PAGE, {"year": "2026"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    finally:
        translation.activate(before)
    assert "Rating of administrative agencies" in page and "Proposed score" in page
