"""DOMAIN.md §5 (Decree 335 tracks results monthly or quarterly) and EXAMPLES.md §4–5 under a
quarterly cycle: the quarter is scored from its own criteria and products, the year is the
mean of the quarters worked, and the caps count three months for each quarter worked."""

from dataclasses import replace
from decimal import Decimal as D

import pytest

from scoring.engine import MonthScore, is_tracked, rate_batch, rate_individual
from scoring.periods import parse_period
from scoring.rules import Discipline, Level, PeriodKind
from scoring.simulator import SimulationError, simulate
from tests.scoring.builders import ND335, person, product

QUARTERLY = replace(ND335, quota_percent=None, cycle=PeriodKind.QUARTER)
Q1 = parse_period("2026-Q1")
YEAR = parse_period("2026")


def codes(result):
    return [r.code for r in result.reasons]


def test_the_periods_know_their_quarters_and_tracked_labels():
    assert YEAR.quarter_labels == ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
    assert Q1.quarter_labels == ("2026-Q1",)
    assert parse_period("2026-03").quarter_labels == ()
    assert YEAR.tracked_labels(PeriodKind.QUARTER) == YEAR.quarter_labels
    assert YEAR.tracked_labels(PeriodKind.MONTH) == YEAR.month_labels
    assert (Q1.months, YEAR.months, parse_period("2026-03").months) == (3, 12, 1)


def test_the_tracked_period_is_the_cycle():
    assert is_tracked(Q1, QUARTERLY) and not is_tracked(YEAR, QUARTERLY)
    assert is_tracked(parse_period("2026-01"), ND335) and not is_tracked(Q1, ND335)


def test_a_quarterly_quarter_is_scored_from_its_products_like_a_month():
    # EXAMPLES.md §1, in a quarter: task points 65.625 + general 26 → 91.63.
    products = (product(1, major_errors=1), product(1, delays=2), product(2))
    result = rate_individual(person("A", general=D(26), products=products), QUARTERLY, Q1)
    assert result.score == D("91.63") and result.level is Level.HTXSNV
    assert "tasks.products" in codes(result) and "aggregate.mean" not in codes(result)
    assert result.months_worked == 3


def test_a_quarterly_year_is_the_mean_of_the_quarters_worked_not_zero_for_the_missing_one():
    # EXAMPLES.md §4 read for quarters: 88.5 and 91.5, a quarter not worked → 90.00.
    months = (MonthScore("2026-Q1", D("88.5")), MonthScore("2026-Q2", D("91.5")))
    three = (*months, MonthScore("2026-Q4", D("90")))
    result = rate_batch([person("A", months=three)], QUARTERLY, YEAR).people[0]
    assert result.score == D("90.00") and result.band is Level.HTXSNV
    assert codes(result)[0] == "aggregate.mean_quarters"
    assert "3 quý làm việc (2026-Q1, 2026-Q2, 2026-Q4)" in result.reasons[0].message
    assert "3 quarters worked" in result.reasons[0].message_en
    # Three quarters worked are nine months: at most HTNV (DOMAIN.md §4.3).
    assert result.months_worked == 9 and result.level is Level.HTNV
    two = rate_batch([person("B", months=months)], QUARTERLY, YEAR).people[0]
    assert (two.score, two.months_worked, two.level) == (D("90.00"), 6, Level.HTNV)


def test_a_quarterly_year_of_four_quarters_is_not_capped_and_one_quarter_gives_no_level():
    four = tuple(MonthScore(f"2026-Q{q}", D("92")) for q in range(1, 5))
    result = rate_batch([person("A", months=four)], QUARTERLY, YEAR).people[0]
    assert (result.score, result.months_worked, result.level) == (D("92.00"), 12, Level.HTXSNV)
    one = rate_batch([person("B", months=four[:1])], QUARTERLY, YEAR).people[0]
    assert one.level is None and "cap.year_under_6_months" in codes(one)
    maternity = rate_batch(
        [person("C", months=four[:1], maternity_leave=True)], QUARTERLY, YEAR
    ).people[0]
    assert maternity.level is Level.HTXSNV


def test_a_quarterly_year_ignores_monthly_scores_and_names_the_missing_quarters():
    months = tuple(MonthScore(f"2026-{m:02d}", D(95)) for m in range(1, 13))
    result = rate_batch([person("A", months=months)], QUARTERLY, YEAR).people[0]
    assert result.score is None and result.level is None
    assert codes(result) == ["aggregate.no_quarters"]
    assert "Không có quý làm việc nào trong kỳ 2026" in result.reasons[0].message


def test_a_quarterly_year_with_a_reprimand_is_khtnv_and_has_its_quota():
    four = tuple(MonthScore(f"2026-Q{q}", D("96")) for q in range(1, 5))
    result = rate_batch(
        [person("A", months=four, discipline=Discipline.REPRIMAND)], QUARTERLY, YEAR
    ).people[0]
    assert result.score == D("96.00") and result.level is Level.KHTNV
    with_quota = replace(QUARTERLY, quota_percent=D("0.20"))
    people = [person(f"X{i}", months=four) for i in range(2)]
    people += [
        person(f"G{i}", months=tuple(replace(m, score=D(80)) for m in four)) for i in range(3)
    ]
    batch = rate_batch(people, with_quota, YEAR)
    # 2 candidates + 3 good: ⌊5 / 6⌋ = 0 keep HTXSNV (EXAMPLES.md §2).
    assert all(r.level is Level.HTTNV for r in batch.people)
    assert batch.quota and batch.quota[0].allowed == 0


def test_a_monthly_rule_set_is_unchanged_by_quarter_scores():
    quarter = (MonthScore("2026-Q1", D(95)),)
    result = rate_batch([person("A", months=quarter)], replace(ND335, quota_percent=None), YEAR)
    assert codes(result.people[0]) == ["aggregate.no_months"]


def test_the_simulator_rates_a_quarterly_year_from_quarter_scores():
    data = {
        "ruleset": "ND335-2025",
        "period": "2026",
        "people": [
            {
                "code": "A",
                "agency": "SNV",
                "months": [
                    {"period": "2026-Q1", "score": 88.5},
                    {"period": "2026-Q2", "score": 91.5},
                    {"period": "2026-Q3", "score": 90},
                    {"period": "2026-Q4", "score": 90},
                ],
            }
        ],
    }
    out = simulate(data, QUARTERLY)
    assert out["people"][0]["score"] == 90 and out["people"][0]["level"] == "HTXSNV"
    data["people"][0]["months"][0]["period"] = "2026-01"
    with pytest.raises(SimulationError) as caught:
        simulate(data, QUARTERLY)
    assert caught.value.path == "people[0].months[0].period"
    assert "theo dõi theo quý" in caught.value.message and "YYYY-Qn" in caught.value.message_en
    data["people"][0]["months"][0]["period"] = "2025-Q1"
    with pytest.raises(SimulationError) as caught:
        simulate(data, QUARTERLY)
    assert "quý 2025-Q1 không thuộc kỳ 2026" in caught.value.message


def test_a_period_is_named_as_pages_name_it():
    october = parse_period("2026-10")
    assert (Q1.title(), Q1.title("en")) == ("Quý 1/2026", "Q1 2026")
    assert (october.title(), october.title("en")) == ("Tháng 10/2026", "October 2026")
    assert (YEAR.title(), YEAR.title("en-us")) == ("Năm 2026", "Year 2026")
