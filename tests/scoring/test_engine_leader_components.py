"""Decree 335's six components of a leader's task points (DOMAIN.md §3, EXAMPLES.md 3).

task points = task_max × (wq·quantity + wl·quality + wp·progress + wu·unit + wo·organising
+ wn·unity) / Σw, the unit % read from the scores of everyone under the leader (the whole
subtree of reports), after they are final."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from scoring.engine import PersonInput, rate_batch, rate_individual, unit_standing
from scoring.periods import parse_period
from scoring.rules import Band, Leadership, Level
from tests.scoring.builders import ND335, person, product

OCTOBER = parse_period("2026-10")
# Decree 335 as of 1/1/2026: leader components on, no Decree 90 gate, no monthly quota.
COMPONENTS = replace(
    ND335,
    gates_enabled=False,
    quota_percent=None,
    template=replace(ND335.template, leader_components=True),
)
# Example 3's own and directed products: quantity 100 %, quality 87.5 %, progress 100 %.
EXAMPLE_PRODUCTS = (product(1, major_errors=1), product(1))


def deputy(code="DEP", subordinates=(), **fields) -> PersonInput:
    fields.setdefault("general", D(28))
    fields.setdefault("products", EXAMPLE_PRODUCTS)
    fields.setdefault("organising", D(100))
    fields.setdefault("unity", D(100))
    return PersonInput(
        code=code,
        agency="SNV",
        duty_group="LD",
        leader=Leadership.DEPUTY,
        subordinates=tuple(subordinates),
        **fields,
    )


def team(scores, rules=COMPONENTS, **fields):
    """The deputy of example 3 over people scoring ``scores``; returns the deputy's result."""
    subs = [person(f"S{i}", score) for i, score in enumerate(scores)]
    leader = deputy(subordinates=[s.code for s in subs], **fields)
    return rate_batch([leader, *subs], rules, OCTOBER).people[0]


def reason(result, code):
    return next(r for r in result.reasons if r.code == code)


def test_example_3_one_of_eight_at_45_halves_the_unit_component():
    result = team([80, 75, 90, 60, 55, 70, 85, 45])
    # 70 × (100 + 87.5 + 100 + 50 + 100 + 100) / 600 = 62.708333…; + 28 = 90.708333… → 90.71.
    assert result.components.tasks == D("62.71")
    assert result.score == D("90.71")
    assert result.band is Level.HTXSNV and result.level is Level.HTXSNV
    leader = result.components.leader
    assert (leader.quantity, leader.quality, leader.progress) == (D(100), D("87.5"), D(100))
    assert (leader.unit, leader.organising, leader.unity) == (D(50), D(100), D(100))
    unit = reason(result, "tasks.leader_unit")
    assert unit.message_en == (
        "Unit result 50%: 1 of the 8 people under the leader's management score below 50"
    )
    shown = reason(result, "tasks.leader_components").message_en
    for part in ("quantity 100%", "quality 87.5%", "unit result 50%", "organising 100%"):
        assert part in shown
    assert "unity 100%" in shown and "62.71/70" in shown
    # The products give three of the six components, not task points of their own.
    assert reason(result, "tasks.products").message_en == (
        "Leader's products (own and directed, organised, guided, inspected): quantity 100%, "
        "quality 87.5%, progress 100% over a total weight of 2"
    )


def test_example_3_with_all_eight_at_or_above_fifty_gets_the_full_unit():
    result = team([80, 75, 90, 60, 55, 70, 85, 50])
    assert result.components.tasks == D("68.54")  # 70 × 587.5 / 600 = 68.541666…
    assert result.score == D("96.54")
    assert result.components.leader.unit == D(100)
    assert "all 8 people" in reason(result, "tasks.leader_unit").message_en


def test_the_total_is_rounded_once_from_the_exact_ratio():
    # 27.29 + 62.708333… = 89.998333… → 90.00 (HTXSNV): the task ratio is carried exactly,
    # never truncated to 62.70 on the way (which would give 89.99, HTTNV).
    result = team([45], general=D("27.29"))
    assert result.score == D("90.00") and result.level is Level.HTXSNV


def test_the_unit_reads_the_whole_subtree_not_only_direct_reports():
    # Deputy → head of unit (scores 80) → seven staff, one at 45: the deputy's unit is 50 %.
    staff = [person(f"S{i}", 80) for i in range(6)] + [person("S6", 45)]
    head = replace(
        person("HEAD", 80), leader=Leadership.HEAD, subordinates=tuple(s.code for s in staff)
    )
    head = replace(head, organising=D(100), unity=D(100))
    leader = deputy(subordinates=["HEAD"])
    results = {r.code: r for r in rate_batch([leader, head, *staff], COMPONENTS, OCTOBER).people}
    assert results["DEP"].score == D("90.71")
    assert results["DEP"].components.leader.unit == D(50)
    # The head of unit, a leader too, is rated first (bottom-up) with their own unit %.
    assert results["HEAD"].components.leader.unit == D(50)


def test_a_leader_whose_report_falls_below_fifty_through_their_own_unit_counts_it():
    # The sub-leader's score is final (with their own unit %) before the deputy reads it.
    staff = [person("S0", 30)]
    head = PersonInput(
        code="HEAD",
        agency="SNV",
        duty_group="LD",
        leader=Leadership.HEAD,
        subordinates=("S0",),
        general=D(0),
        task_points=D(58),
        organising=D(0),
        unity=D(0),
    )
    leader = deputy(subordinates=["HEAD"])
    results = {r.code: r for r in rate_batch([leader, head, *staff], COMPONENTS, OCTOBER).people}
    # The head alone would score 58; with unit 50 %, organising 0, unity 0:
    # 70 × (3 × 58/70 + 0.5) / 6 = 34.83 → below 50, so the deputy's unit is 50 %.
    assert results["HEAD"].score == D("34.83")
    assert results["DEP"].components.leader.unit == D(50)


def test_nobody_scored_under_the_leader_gives_the_full_unit_with_a_reason():
    result = team([])
    assert result.components.leader.unit == D(100)
    assert result.score == D("96.54")
    assert reason(result, "tasks.leader_unit").message_en == (
        "Unit result 100%: nobody under the leader's management has a score"
    )
    # Reports who cannot be rated (no products) are not "scored" either.
    cannot = PersonInput(code="S0", agency="SNV", duty_group="CV", general=D(20))
    leader = deputy(subordinates=["S0"])
    alone = rate_batch([leader, cannot], COMPONENTS, OCTOBER).people[0]
    assert alone.components.leader.unit == D(100)


def test_weights_are_configurable_and_normalised_by_their_sum():
    rules = replace(
        COMPONENTS,
        template=replace(
            COMPONENTS.template, weight_unit=D(2), weight_organising=D(1), weight_unity=D("0.5")
        ),
    )
    result = team([45], rules=rules, organising=D(75), unity=D(50))
    # 70 × (100 + 87.5 + 100 + 2 × 50 + 1 × 75 + 0.5 × 50) % / (1 + 1 + 1 + 2 + 1 + 0.5)
    # = 70 × 4.875 / 6.5 = 52.5 exactly; + 28 = 80.50.
    assert result.components.tasks == D("52.5")
    assert result.score == D("80.50")
    assert "weights 1 / 1 / 1 / 2 / 1 / 0.5" in reason(result, "tasks.leader_components").message_en


def test_the_unit_factor_is_the_templates():
    rules = replace(
        COMPONENTS, template=replace(COMPONENTS.template, unit_factor_if_khtnv=D("0.25"))
    )
    result = team([45], rules=rules)
    # 70 × (287.5 + 25 + 200) / 600 = 59.79…; + 28 = 87.79.
    assert result.components.leader.unit == D(25)
    assert result.score == D("87.79")


def test_the_floor_is_the_rule_sets_htnv_band():
    rules = replace(
        COMPONENTS,
        bands=(Band(D(90), Level.HTXSNV), Band(D(70), Level.HTTNV), Band(D(60), Level.HTNV)),
    )
    assert team([55], rules=rules).components.leader.unit == D(50)
    assert team([55]).components.leader.unit == D(100)
    assert unit_standing([D(60), D("59.99")], rules).below == 1


def test_components_off_keeps_the_old_formula():
    rules = replace(COMPONENTS, template=replace(COMPONENTS.template, leader_components=False))
    result = team([45], rules=rules, organising=None, unity=None)
    # 70 × (1 + 0.875 + 1) / 3 = 67.083…; + 28 = 95.08, no component, no reason about them.
    assert result.score == D("95.08")
    assert result.components.leader is None
    assert not [r for r in result.reasons if r.code.startswith("tasks.leader")]


def test_a_non_leader_under_a_components_template_keeps_the_old_formula():
    staff = PersonInput(
        code="S0", agency="SNV", duty_group="CV", general=D(28), products=EXAMPLE_PRODUCTS
    )
    result = rate_individual(staff, COMPONENTS, OCTOBER)
    assert result.score == D("95.08") and result.components.leader is None


@pytest.mark.parametrize(
    ("missing", "field"), [({"organising": None}, "organising"), ({"unity": None}, "unity")]
)
def test_a_missing_component_leaves_the_leader_without_a_level_naming_the_field(missing, field):
    result = team([80], **missing)
    assert result.score is None and result.level is None
    gap = reason(result, "tasks.leader_component_missing")
    assert gap.params["field"] == field
    assert f"({field})" in gap.message and f"({field})" in gap.message_en


def test_both_missing_are_named_and_so_is_no_products():
    result = team([80], organising=None, unity=None, products=())
    codes = [(r.code, r.params.get("field")) for r in result.reasons]
    assert ("tasks.no_products", None) in codes
    assert ("tasks.leader_component_missing", "organising") in codes
    assert ("tasks.leader_component_missing", "unity") in codes


def test_task_points_scored_directly_are_the_own_part():
    result = team([45], products=(), task_points=D(63), general=D(20))
    # own = 63/70 = 90 %: 70 × (3 × 0.9 + 0.5 + 1 + 1) / 6 = 60.666…; + 20 = 80.67.
    assert result.score == D("80.67")
    assert result.components.leader.own == D(90)
    assert result.components.leader.quantity is None


def test_no_decree_90_gate_applies_when_gates_are_off():
    # 3b's worst row (5 HTTNV, 3 KHTNV) would cap a Decree 90 leader at KHTNV.
    result = team([75, 75, 75, 75, 75, 40, 40, 40])
    assert result.level is Level.HTXSNV
    assert not [r for r in result.reasons if r.code.startswith("gate.")]


def test_gates_still_apply_with_components_when_the_rule_set_keeps_them():
    rules = replace(COMPONENTS, gates_enabled=True)
    result = team([75, 75, 75, 75, 75, 40, 40, 40], rules=rules)
    assert result.score == D("90.71")
    assert result.level is Level.KHTNV


def test_a_signed_leader_keeps_the_signed_level_with_the_unit_score():
    subs = [person("S0", 45)]
    leader = deputy(subordinates=["S0"], signed_level=Level.HTTNV)
    result = rate_batch([leader, *subs], COMPONENTS, OCTOBER).people[0]
    assert result.level is Level.HTTNV and result.signed
    assert result.score == D("90.71")
