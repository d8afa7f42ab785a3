"""Agency indicators, snapshots, rankings, the PAR feed and exports on a small province."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pandas as pd
import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from dashboards.exports import to_csv, to_xlsx
from dashboards.frames import compute_indicators, indicators
from dashboards.models import RankingWeight
from dashboards.par import sub_criterion_points
from dashboards.rankings import composite, ranking
from evaluation.models import EarlyWarning, Evaluation, Period
from evaluation.services.approval import unit_approve
from evaluation.services.period_close import period_close
from staff.lib.spreadsheets import neutralise
from staff.models import Agency
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import FLAWED, GOOD, manager_score, open_month, self_assess


@pytest.fixture
def closed_october(month):
    """Sở Alpha's planning unit fully done (7 specialists + Bob), the rest not."""
    period = open_month(month)
    for name in STAFF_NAMES[:3]:
        self_assess(month, name, period)
        manager_score(month, "bob", name, period)
    for name in STAFF_NAMES[3:]:
        self_assess(month, name, period, scores=GOOD, products=FLAWED)
        manager_score(month, "bob", name, period, GOOD)
    self_assess(month, "bob", period)
    manager_score(month, "dave", "bob", period)
    unit_approve(period=period, unit=month.planning, user=month.user("alice"))
    period_close(period=period, user=month.user("sam"))
    return Period.objects.get(pk=period.pk)


def test_indicators_match_the_hand_computed_figures(closed_october):
    frame = compute_indicators(closed_october).set_index("agency")
    alpha = frame.loc["SOA"]
    assert alpha["headcount"] == 11  # Alice, Dave, Bob, seven specialists, Hương
    assert alpha["rated"] == 8
    assert alpha["evaluated_pct"] == pytest.approx(8 / 11)
    # CV: 3 candidates + 4 good → ⌊7/6⌋ = 1 kept; LD: Bob alone → 0 kept.
    assert (alpha["HTXSNV"], alpha["HTTNV"], alpha["HTNV"], alpha["KHTNV"]) == (1, 7, 0, 0)
    assert alpha["top_share"] == pytest.approx(1 / 8)
    assert alpha["top_share_within"] == 1.0
    assert alpha["self_on_time_pct"] == 0  # everyone self-assessed after 3 November (today)
    assert alpha["manager_self_gap"] == pytest.approx(0.0)
    beta = frame.loc["SOB"]
    assert (beta["headcount"], beta["rated"], beta["evaluated_pct"]) == (2, 0, 0)


def test_the_snapshot_does_not_move_when_a_closed_period_is_touched(closed_october):
    before = indicators(closed_october)
    Evaluation.objects.filter(period=closed_october).update(score=D("10"), final_level="KHTNV")
    after = indicators(closed_october)
    pd.testing.assert_frame_equal(before, after)
    assert compute_indicators(closed_october).set_index("agency").loc["SOA", "KHTNV"] == 8


def test_the_ranking_puts_the_agency_that_did_its_work_first(closed_october):
    table = ranking(ruleset_code="ND335-2025", label="2026-10")
    assert list(table["agency"]) == ["SOA", "SOB"]
    assert list(table["rank"]) == [1, 2]


def test_the_composite_weights_change_the_order():
    frame = pd.DataFrame(
        {"agency": ["X", "Y"], "evaluated_pct": [1.0, 0.6], "top_share": [0.9, 0.1]}
    )
    on_time = [RankingWeight(indicator="evaluated_pct", weight=D(1), direction="higher")]
    honest = [RankingWeight(indicator="top_share", weight=D(1), direction="lower")]
    assert list(composite(frame, on_time)) == [100.0, 60.0]
    assert list(composite(frame, honest)) == [10.0, 90.0]
    both = [*on_time, RankingWeight(indicator="top_share", weight=D(3), direction="lower")]
    assert list(composite(frame, both)) == [32.5, 82.5]


@pytest.mark.parametrize(
    ("rule", "value", "points"),
    [
        ("threshold", 0.97, 0.0),
        ("threshold", 0.98, 1.0),
        ("linear", 0.75, 0.5),
        ("linear", 0.4, 0.0),
        ("linear", 1.0, 1.0),
        ("linear", None, 0.0),
    ],
)
def test_par_sub_criterion_points(rule, value, points):
    from dashboards.models import ParSubCriterion

    threshold = D("0.98") if rule == "threshold" else D("1.0")
    criterion = ParSubCriterion(
        code="X", max_points=D(1), rule=rule, threshold=threshold, lower=D("0.5")
    )
    assert sub_criterion_points(criterion, value) == points


def test_exports_neutralise_formulas_in_both_formats(db):
    records = [
        {"name": '=HYPERLINK("http://x","y")', "n": 1},
        {"name": "@SUM(A1)", "n": 2},
        {"name": "Bình", "n": 3},
    ]
    csv_text = to_csv(records, ["name", "n"], ["Tên", "Số"]).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "'@SUM" in csv_text and "Bình" in csv_text
    workbook = load_workbook(io.BytesIO(to_xlsx(records, ["name", "n"], ["Tên", "Số"])))
    cells = [cell for row in workbook.active.iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    assert workbook.active["A2"].value == '\'=HYPERLINK("http://x","y")'
    assert neutralise("-1") == "'-1" and neutralise(-1) == -1


@pytest.fixture
def formula_name(month):
    """An agency whose name a spreadsheet would run as a command (before the month closes)."""
    Agency.objects.filter(code="SOA").update(name="=cmd|' /C calc'!A0")


def test_export_rankings_command_writes_csv_and_xlsx(
    formula_name, closed_october, tmp_path, capsys
):
    call_command("export_rankings", "--period", "2026-10", "--format", "csv")
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("Xếp hạng,Mã cơ quan,Cơ quan")
    assert "'=cmd" in out
    path = tmp_path / "xep-hang.xlsx"
    call_command(
        "export_rankings",
        "--period",
        "2026-10",
        "--type",
        "department",
        "--format",
        "xlsx",
        "-o",
        str(path),
    )
    sheet = load_workbook(path).active
    assert sheet["A1"].value == "Xếp hạng" and sheet.max_row == 3


def test_the_api_shows_a_head_only_her_agency_and_the_province_everything(
    closed_october, month, client
):
    client.force_login(month.user("alice"))
    rows = client.get("/api/v1/dashboards/indicators/?period=2026-10").json()["rows"]
    assert [r["agency"] for r in rows] == ["SOA"]
    assert client.get("/api/v1/dashboards/par/?year=2026").status_code == 403
    client.force_login(month.user("sam"))
    rows = client.get("/api/v1/dashboards/indicators/?period=2026-10").json()["rows"]
    assert [r["agency"] for r in rows] == ["SOA", "SOB"]
    ranking_csv = client.get("/api/v1/dashboards/rankings/?period=2026-10&download=csv")
    assert ranking_csv["Content-Type"].startswith("text/csv")
    assert ranking_csv.content.decode("utf-8-sig").startswith("Xếp hạng,")
    client.force_login(month.user("Sơn"))
    assert client.get("/api/v1/dashboards/rankings/?period=2026-10").status_code == 403


def test_the_dashboard_api_refuses_a_malformed_period(month, client):
    client.force_login(month.user("sam"))
    response = client.get("/api/v1/dashboards/rankings/?period=10-2026")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "period"


def warn(month, period) -> None:
    """A change to the open month's figures that does not depend on today's date."""
    EarlyWarning.objects.create(
        staff=month.staff["Sơn"],
        agency=month.agency_a,
        period=period,
        kind="two_consecutive",
        months=["2026-09", "2026-10"],
    )


def test_an_open_month_is_computed_once_then_read_from_the_cache(
    month, settings, django_assert_num_queries
):
    """At 50,000 staff the live figures take over a second; the ranking of a month under way
    reuses them for DASHBOARD_OPEN_PERIOD_SECONDS, then computes them afresh."""
    from django.core.cache import cache

    from dashboards.frames import indicators
    from tests.evaluation.helpers import open_month

    settings.DASHBOARD_OPEN_PERIOD_SECONDS = 60
    period = open_month(month)
    first = indicators(period)
    with django_assert_num_queries(0):
        again = indicators(period)
    pd.testing.assert_frame_equal(again, first, check_dtype=False)

    warn(month, period)  # the cached figure lags the rows until it expires
    pd.testing.assert_frame_equal(indicators(period), first, check_dtype=False)
    cache.clear()  # expiry
    assert not indicators(period).equals(first)


def test_without_the_cache_an_open_month_is_always_live(month, settings):
    from dashboards.frames import indicators
    from tests.evaluation.helpers import open_month

    settings.DASHBOARD_OPEN_PERIOD_SECONDS = 0
    period = open_month(month)
    before = indicators(period)
    warn(month, period)
    assert not indicators(period).equals(before)
