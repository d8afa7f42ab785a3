"""The dashboards follow the lineage (DOMAIN.md §1, §8): Sở Alpha published its August and
September, both closed; on 1 October it is merged into Sở Beta. Beta's trend, its ranking's
change and its PAR year take Alpha's months combined with its own; Alpha's own dashboards, and
every dashboard of a closed month, read as they did."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dashboards.frames import COLUMNS
from dashboards.lineage import Lineage, Succession, combine, lineage_read, note_text
from dashboards.models import IndicatorSnapshot
from dashboards.par import par_feed
from dashboards.rankings import period_frame, ranking
from dashboards.selectors import trend_frame
from evaluation.models import Period
from evaluation.services.period_close import period_close
from scoring.models import RuleSetCoverage
from staff.models import Agency
from staff.restructuring import NewAgency, Plan, Step, plan_apply
from tests.evaluation.helpers import open_month, publish_alpha
from tests.factories import AgencyFactory, StaffMemberFactory, UnitFactory

OCTOBER_1 = dt.date(2026, 10, 1)
RULESET = "ND335-2025"
REFERENCE = "QĐ 1/QĐ-UBND"


@pytest.fixture(autouse=True)
def _restore_language():
    """A request with Accept-Language activates its language for the thread and leaves it."""
    before = translation.get_language()
    yield
    translation.activate(before) if before else translation.deactivate_all()


def add_gamma(month) -> Agency:
    """Sở Gamma: one unit, one specialist, rated under the same rule set (nothing done)."""
    gamma = AgencyFactory(code="SOG", name="Sở Gamma")
    unit = UnitFactory(agency=gamma, code="G-NV", name="Phòng Gamma")
    RuleSetCoverage.objects.create(agency=gamma, ruleset_code=RULESET)
    StaffMemberFactory(
        code="G01",
        full_name="Hà Văn Gấm",
        unit=unit,
        duty_group=month.staff["bea"].duty_group,
        joined_on=dt.date(2020, 1, 1),
    )
    return gamma


def close_summer(month) -> None:
    """August and September: Sở Alpha publishes (all eleven rated); the others do nothing."""
    for label in ("2026-08", "2026-09"):
        period_close(period=publish_alpha(month, label), user=month.user("sam"))


def merge(month, *codes: str, on: dt.date = OCTOBER_1) -> None:
    step = Step(
        kind="merge", effective_on=on, reference=REFERENCE, agencies=list(codes), target="SOB"
    )
    plan_apply(plan=Plan([step]), user=month.user("sam"))


def snapshot(label: str, code: str) -> dict:
    return IndicatorSnapshot.objects.get(
        period__label=label, period__kind="month", agency__code=code
    ).data


def month_period(label: str) -> Period:
    return Period.objects.select_related("ruleset").get(label=label, kind="month")


def dashboard(client, code: str, period: str | None = None, **headers):
    params = {"period": period} if period else {}
    response = client.get(f"/dashboards/agency/{code}/", params, headers=headers)
    assert response.status_code == 200
    return response


@pytest.fixture
def merged(month):
    """Summer closed, Alpha merged into Beta on 1 October, October open (in Beta now)."""
    close_summer(month)
    merge(month, "SOA")
    open_month(month, "2026-10")
    return month


# --- the trend ----------------------------------------------------------------------------------


def test_the_successors_trend_shows_the_predecessors_months_combined(merged, client):
    client.force_login(merged.user("sam"))
    response = dashboard(client, "SOB", "2026-10")
    evaluated = response.context["figures"]["trend"]["data"][0]
    assert list(evaluated["x"]) == ["2026-08", "2026-09", "2026-10"]
    # Alpha's eleven all rated, Beta's two not: 11 of 13 — neither Alpha's 100 % nor Beta's 0 %.
    assert list(evaluated["y"])[:2] == [round(100 * 11 / 13, 1)] * 2
    assert list(evaluated["y"])[2] == 0.0  # October: the thirteen in Beta, nobody rated yet

    alpha, beta = snapshot("2026-09", "SOA"), snapshot("2026-09", "SOB")
    assert (alpha["headcount"], alpha["rated"], beta["headcount"], beta["rated"]) == (11, 11, 2, 0)
    september = trend_frame(period=month_period("2026-10"), agency=merged.agency_b).iloc[1]
    assert september["evaluated_pct"] == pytest.approx(11 / 13)
    assert september["top_share"] == pytest.approx(alpha["HTXSNV"] / 11)
    assert september["mean_score"] == pytest.approx(alpha["mean_score"])  # Beta rated nobody
    assert september["approval_on_time_pct"] == pytest.approx(
        alpha["approval_on_time_pct"] * 11 / 13
    )


def test_the_trend_of_a_new_agency_made_by_a_merger_is_its_predecessors_sum(month):
    close_summer(month)
    step = Step(
        kind="merge",
        effective_on=OCTOBER_1,
        reference=REFERENCE,
        agencies=["SOA", "SOB"],
        target="SOAB",
        new=[NewAgency("SOAB", "Sở Alpha-Beta", month.agency_a.agency_type.code)],
    )
    plan_apply(plan=Plan([step]), user=month.user("sam"))
    open_month(month, "2026-10")
    merged = Agency.objects.get(code="SOAB")
    frame = trend_frame(period=month_period("2026-10"), agency=merged)
    assert list(frame["period"]) == ["2026-08", "2026-09", "2026-10"]
    assert list(frame["evaluated_pct"])[:2] == [pytest.approx(11 / 13)] * 2


def test_closed_dashboards_before_the_merger_read_the_same(month, client):
    close_summer(month)
    client.force_login(month.user("sam"))
    keys = ("cards", "units", "funnel", "figures", "has_data", "persons_count")

    def read(code):
        context = dashboard(client, code, "2026-09").context
        return {k: context[k] for k in keys}

    before = {code: read(code) for code in ("SOA", "SOB")}
    merge(month, "SOA")
    open_month(month, "2026-10")
    assert read("SOA") == before["SOA"]  # Alpha's own September
    assert read("SOB") == before["SOB"]  # Beta's September: read on the map of 30 September
    assert dashboard(client, "SOB", "2026-09").context["lineage"] == []


def test_the_page_says_what_the_trend_includes(month, client):
    add_gamma(month)
    close_summer(month)
    merge(month, "SOA", "SOG")
    open_month(month, "2026-10")
    client.force_login(month.user("sam"))
    page = dashboard(client, "SOB", "2026-10").content.decode()
    assert "gồm Sở Alpha và Sở Gamma trước 01/10/2026" in page
    assert 'href="/dashboards/agency/SOA/"' in page and 'href="/dashboards/agency/SOG/"' in page
    english = dashboard(client, "SOB", "2026-10", accept_language="en").content.decode()
    assert "includes Sở Alpha and Sở Gamma before 01/10/2026" in english
    into_beta = lineage_read().into[month.agency_b.pk]
    assert sorted(s.predecessor_code for s in into_beta) == ["SOA", "SOG"]


def test_a_merged_agency_keeps_its_dashboard_for_its_own_months(merged, client):
    alpha = Agency.objects.get(code="SOA")
    assert not alpha.is_active
    client.force_login(merged.user("sam"))
    response = dashboard(client, "SOA")
    assert response.context["period"].label == "2026-09"  # its last month, not Beta's October
    assert [p.label for p in response.context["periods"]] == ["2026-09", "2026-08"]
    assert response.context["has_data"]
    page = response.content.decode()
    assert "đã sáp nhập vào Sở Beta từ 01/10/2026" in page
    assert 'href="/dashboards/agency/SOB/"' in page
    assert dashboard(client, "SOA", "2026-08").context["period"].label == "2026-08"
    client.force_login(merged.user("ivy"))
    assert dashboard(client, "SOA", "2026-09").context["has_data"]


def test_a_split_part_is_not_given_the_whole_agencys_figures_and_says_so(month, client):
    close_summer(month)
    kind = month.agency_a.agency_type.code
    step = Step(
        kind="split",
        effective_on=OCTOBER_1,
        reference=REFERENCE,
        agencies=["SOA"],
        units={"A-LD": "SOA1", "A-KH": "SOA2"},
        new=[NewAgency("SOA1", "Sở Alpha Một", kind), NewAgency("SOA2", "Sở Alpha Hai", kind)],
    )
    plan_apply(plan=Plan([step]), user=month.user("sam"))
    open_month(month, "2026-10")
    client.force_login(month.user("sam"))
    response = dashboard(client, "SOA2", "2026-10")
    trend = response.context["figures"]["trend"]["data"][0]
    assert list(trend["y"])[:2] == [None, None]  # Alpha's figures are the whole agency's
    assert "tách từ Sở Alpha từ 01/10/2026; các tháng trước thuộc Sở Alpha" in (
        response.content.decode()
    )
    assert "đã tách thành Sở Alpha Một và Sở Alpha Hai từ 01/10/2026" in (
        dashboard(client, "SOA").content.decode()
    )


def _count(client, url, params) -> int:
    client.get(url, params)  # warm the session and the content types
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_the_pages_cost_the_same_with_one_or_two_predecessors(month, client):
    add_gamma(month)
    close_summer(month)
    merge(month, "SOA")
    open_month(month, "2026-10")
    client.force_login(month.user("sam"))
    pages = {
        "/dashboards/agency/SOB/": {"period": "2026-10"},
        "/dashboards/rankings/": {"period": "2026-10"},
        "/dashboards/par/": {"year": "2026"},
    }
    one = {url: _count(client, url, params) for url, params in pages.items()}
    merge(month, "SOG")
    two = {url: _count(client, url, params) for url, params in pages.items()}
    assert two == one
    trend = trend_frame(period=month_period("2026-10"), agency=month.agency_b)
    assert list(trend["evaluated_pct"])[:2] == [pytest.approx(11 / 14)] * 2  # Gamma's one too


# --- the ranking's change and the PAR feed ------------------------------------------------------


def test_the_ranking_change_of_the_successor_is_against_its_predecessors_combined(month, client):
    add_gamma(month)
    close_summer(month)
    september = ranking(ruleset_code=RULESET, label="2026-09")
    # Alpha did its work, Beta and Gamma nothing (a tie, broken by code).
    assert list(september["agency"]) == ["SOA", "SOB", "SOG"]
    merge(month, "SOA")
    open_month(month, "2026-10")
    pd.testing.assert_frame_equal(ranking(ruleset_code=RULESET, label="2026-09"), september)

    october = ranking(ruleset_code=RULESET, label="2026-10").set_index("agency")
    assert list(october.index) == ["SOB", "SOG"]
    # Restated September: Beta (with Alpha) first, Gamma second — both kept their place; read
    # against Beta's own September (second) it would have shown ▲ 1.
    assert october.loc["SOB", "movement"] == 0
    assert october.loc["SOG", "movement"] == 0

    client.force_login(month.user("sam"))
    response = client.get("/dashboards/rankings/", {"period": "2026-10"})
    rows = {r["agency"]: r for r in response.context["rows"]}
    assert rows["SOB"]["lineage"] == "gồm Sở Alpha trước 01/10/2026"
    assert rows["SOG"]["lineage"] == ""
    assert "gồm Sở Alpha trước 01/10/2026" in response.content.decode()


def test_the_par_year_of_the_successor_spans_its_predecessors_months(merged):
    year = period_frame(ruleset_code=RULESET, label="2026").set_index("agency")
    assert list(year.index) == ["SOB"]  # Alpha's months are Beta's now, not a row beside it
    # August and September combined (11 of 13), October Beta's own (13, nobody rated yet).
    assert year.loc["SOB", "evaluated_pct"] == pytest.approx((11 / 13 + 11 / 13 + 0) / 3)
    feed = par_feed(ruleset_code=RULESET, year=2026).set_index("agency")
    assert list(feed.index) == ["SOB"]
    # CV-DG2 (all evaluated, threshold 0.98) is not reached; the points come from the figure.
    assert feed.loc["SOB", "CV-DG2"] == 0.0
    assert feed.loc["SOB", "points"] == pytest.approx(
        sum(feed.loc["SOB", c] for c in ("CV-DG1", "CV-DG2", "CV-DG3", "CV-DG4"))
    )
    # A closed month ranked alone is the month as it was: Alpha and Beta each on their own.
    assert set(period_frame(ruleset_code=RULESET, label="2026-09")["agency"]) == {"SOA", "SOB"}


# --- combining, on its own ----------------------------------------------------------------------


def _row(code, **figures) -> dict:
    return {**dict.fromkeys(COLUMNS), "agency": code, "agency_name": code, **figures}


def test_combining_adds_counts_and_recomputes_shares_and_means():
    a = _row(
        "A",
        headcount=10,
        rated=8,
        HTXSNV=2,
        HTTNV=6,
        HTNV=0,
        KHTNV=0,
        approval_on_time_pct=0.5,
        mean_score=90.0,
        score_spread=2.0,
        manager_self_gap=1.0,
        top_share_within=1.0,
        appeals=1,
    )
    b = _row(
        "B",
        headcount=30,
        rated=24,
        HTXSNV=0,
        HTTNV=12,
        HTNV=12,
        KHTNV=0,
        approval_on_time_pct=0.1,
        mean_score=80.0,
        score_spread=4.0,
        manager_self_gap=-1.0,
        top_share_within=0.0,
        appeals=2,
    )
    out = combine([b, a], {"agency": "B"})
    assert (out["agency"], out["headcount"], out["rated"], out["appeals"]) == ("B", 40, 32, 3)
    assert out["evaluated_pct"] == pytest.approx(32 / 40)
    assert out["approval_on_time_pct"] == pytest.approx((5 + 3) / 40)
    assert out["top_share"] == pytest.approx(2 / 32)
    assert out["excellent_per_good"] == pytest.approx(2 / 18)
    assert out["mean_score"] == pytest.approx((8 * 90 + 24 * 80) / 32)
    # The pooled spread of the 32 scores, from each part's count, mean and spread.
    mean = (8 * 90 + 24 * 80) / 32
    second = (8 * (4 + 90**2) + 24 * (16 + 80**2)) / 32
    assert out["score_spread"] == pytest.approx(math.sqrt(second - mean**2))
    assert out["manager_self_gap"] == pytest.approx((10 * 1 - 30 * 1) / 40)  # by headcount
    assert out["top_share_within"] == 0.0  # one part went beyond its quota
    assert combine([a]) == a and combine([{}, a]) == a and combine([]) == {}


def _succession(pred, succ, on, split=False) -> Succession:
    ids = {"A": 1, "B": 2, "C": 3, "D": 4}
    return Succession(ids[pred], pred, f"Sở {pred}", ids[succ], succ, f"Sở {succ}", "so", on, split)


def test_the_lineage_goes_through_earlier_mergers_and_only_before_each_date():
    march, june = dt.date(2026, 3, 1), dt.date(2026, 6, 1)
    lineage = Lineage([_succession("A", "B", march), _succession("B", "C", june)])
    december = dt.date(2026, 12, 31)
    assert lineage.members(3, starts_on=dt.date(2026, 1, 1), as_of=december) == [3, 2, 1]
    assert lineage.members(3, starts_on=dt.date(2026, 4, 1), as_of=december) == [3, 2]
    assert lineage.members(3, starts_on=dt.date(2026, 7, 1), as_of=december) == [3]
    # On the map of April, B had not joined C yet.
    assert lineage.members(3, starts_on=dt.date(2026, 1, 1), as_of=dt.date(2026, 4, 30)) == [3]
    assert lineage.heir(1, starts_on=dt.date(2026, 1, 1), as_of=december).successor_code == "C"
    notes = lineage.notes(3, as_of=december)
    assert [note_text(n) for n in notes] == [
        "gồm Sở B trước 01/06/2026",
        "gồm Sở A trước 01/03/2026",
    ]
    assert lineage.notes(3, as_of=december, since=march) == notes[:1]


def test_restating_a_month_joins_the_merged_rows_under_the_successor():
    lineage = Lineage([_succession("A", "B", OCTOBER_1)])
    frame = pd.DataFrame.from_records(
        [
            _row("A", headcount=11, rated=11, HTXSNV=2, agency_type="so"),
            _row("B", headcount=2, rated=0, HTXSNV=0, agency_type="so"),
            _row("D", headcount=5, rated=5, HTXSNV=1, agency_type="so"),
        ],
        columns=list(COLUMNS),
    )
    restated = lineage.restate(frame, starts_on=dt.date(2026, 9, 1), as_of=dt.date(2026, 10, 31))
    assert list(restated["agency"]) == ["B", "D"]
    assert list(restated["headcount"]) == [13, 5]
    # September on its own map (before the merger) is the frame as it was.
    same = lineage.restate(frame, starts_on=dt.date(2026, 9, 1), as_of=dt.date(2026, 9, 30))
    assert same is frame
