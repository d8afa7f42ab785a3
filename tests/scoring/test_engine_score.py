"""DOMAIN.md §3 and EXAMPLES.md §1, §6: the monthly score, task results and rounding."""

from dataclasses import replace
from decimal import Decimal as D

import pytest

from scoring.engine import monthly_score, rate_batch, round_ratio, task_result
from scoring.periods import parse_period
from scoring.rules import Level
from tests.scoring.builders import HN3814, ND335, ND335_TEMPLATE, person, product

OCTOBER = parse_period("2026-10")


def test_worked_example_task_points_from_products():
    products = (product(1, major_errors=1), product(1, delays=2), product(2))
    tasks = task_result(products, ND335_TEMPLATE)
    assert tasks is not None
    assert tasks.quantity == 1
    assert float(tasks.quality) == 0.9375
    assert float(tasks.progress) == 0.875
    assert tasks.points == D("65.63")  # 65.625 exactly, half-up
    assert tasks.numerator / tasks.denominator == D("65.625")


def test_worked_example_total_is_rounded_half_up_and_banded():
    p = person(
        "A", general=D(26), products=(product(1, major_errors=1), product(1, delays=2), product(2))
    )
    result = rate_batch([p], ND335, OCTOBER).people[0]
    assert result.score == D("91.63")
    assert result.band is Level.HTXSNV
    assert [r.code for r in result.reasons][:3] == ["tasks.products", "score.total", "band.HTXSNV"]
    assert "65,63" in result.reasons[0].message and "93,75%" in result.reasons[0].message


def test_objective_cause_removes_the_delays():
    products = (product(1, major_errors=1), product(1, delays=2, objective_cause=True), product(2))
    tasks = task_result(products, ND335_TEMPLATE)
    assert tasks.progress == 1
    # 70 × (1 + 0.9375 + 1) / 3 = 68.541666…
    assert tasks.points == D("68.54")
    result = monthly_score(person("A", general=D(26), products=products), ND335_TEMPLATE)
    assert result.score == D("94.54")


def test_uncompleted_product_counts_zero_everywhere():
    tasks = task_result((product(1, completed=False), product(1)), ND335_TEMPLATE)
    assert (tasks.quantity, tasks.quality, tasks.progress) == (D("0.5"), D("0.5"), D("0.5"))
    assert tasks.points == D(35)


def test_five_delays_floor_at_zero_not_below():
    tasks = task_result((product(1, delays=5),), ND335_TEMPLATE)
    assert tasks.progress == 0
    assert tasks.quality == 1
    assert tasks.points == D("46.67")  # 70 × 2/3


def test_errors_on_a_completed_product_lower_quality_by_a_quarter_each():
    tasks = task_result((product(2, major_errors=2),), ND335_TEMPLATE)
    assert tasks.quality == D("0.5")


def test_no_products_is_a_finding_not_a_zero():
    result = rate_batch([person("A", general=D(30))], ND335, OCTOBER).people[0]
    assert result.level is None and result.score is None
    assert result.reasons[-1].code == "tasks.no_products"
    assert "Không có sản phẩm" in result.reasons[-1].message


def test_products_of_weight_zero_only_cannot_be_rated():
    result = rate_batch([person("A", general=D(30), products=(product(0),))], ND335, OCTOBER)
    assert result.people[0].level is None


@pytest.mark.parametrize(
    ("score", "level"),
    [
        ("100", Level.HTXSNV),
        ("90", Level.HTXSNV),
        ("89.99", Level.HTTNV),
        ("70", Level.HTTNV),
        ("69.99", Level.HTNV),
        ("50", Level.HTNV),
        ("49.99", Level.KHTNV),
        ("0", Level.KHTNV),
    ],
)
def test_bands_at_their_edges(score, level):
    result = rate_batch([person("A", score)], ND335, OCTOBER).people[0]
    assert result.band is level
    # A lone HTXSNV is moved down by the quota; the band still records the score's level.
    assert result.level is (Level.HTTNV if level is Level.HTXSNV else level)


def test_rounding_reads_the_rounded_total():
    # 89.995 → 90.00 → HTXSNV; 69.994 → 69.99 → HTNV (EXAMPLES.md §6).
    up = rate_batch([person("A", general=D(30), task_points=D("59.995"))], ND335, OCTOBER).people[0]
    assert up.score == D("90.00") and up.band is Level.HTXSNV
    down = rate_batch([person("A", general=D(30), task_points=D("39.994"))], ND335, OCTOBER).people[
        0
    ]
    assert down.score == D("69.99") and down.band is Level.HTNV


def test_round_ratio_handles_negative_and_exact_halves():
    assert round_ratio(D(1), D(8)) == D("0.13")  # 0.125
    assert round_ratio(D(-1), D(8)) == D("-0.13")
    assert round_ratio(D(2), D(3)) == D("0.67")


def test_hanoi_bonus_adds_up_to_one_hundred():
    p = person("A", general=D(18), task_points=D(70), bonus=D(10))
    result = rate_batch([p], HN3814, OCTOBER).people[0]
    assert result.score == D(98)
    assert result.components.bonus == D(10)


def test_bonus_beyond_the_total_cap_is_cut_to_one_hundred():
    template = replace(ND335_TEMPLATE, bonus_max=D(10))
    rules = replace(ND335, template=template)
    p = person("A", general=D(30), task_points=D(68), bonus=D(5))
    result = rate_batch([p], rules, OCTOBER).people[0]
    assert result.score == D(100)
    assert "score.capped" in [r.code for r in result.reasons]


def test_deductions_are_subtracted_and_the_total_never_goes_negative():
    p = person("A", general=D(0), task_points=D(10), deductions=D(15))
    result = rate_batch([p], ND335, OCTOBER).people[0]
    assert result.score == D(0)
    assert result.level is Level.KHTNV
    assert "score.floored" in [r.code for r in result.reasons]


def test_general_given_per_criterion_is_summed():
    p = person("A", general={"G1": D(5), "G2": D("4.5")}, task_points=D(60))
    assert rate_batch([p], ND335, OCTOBER).people[0].components.general == D("9.5")
