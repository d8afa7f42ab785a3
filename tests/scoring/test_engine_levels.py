"""DOMAIN.md §4 and EXAMPLES.md §2–5: overrides, caps, leader gates, quota, aggregation."""

from dataclasses import replace
from decimal import Decimal as D

import pytest

from scoring.engine import (
    MonthScore,
    QuotaException,
    leader_ceiling,
    quota_allowed,
    rate_batch,
)
from scoring.periods import parse_period
from scoring.rules import Discipline, Leadership, Level, QuotaBase, QuotaScope
from tests.scoring.builders import HN3814, ND335, person

OCTOBER = parse_period("2026-10")
Q4 = parse_period("2026-Q4")
YEAR = parse_period("2026")
NO_QUOTA = replace(ND335, quota_percent=None)


def levels(batch):
    return {r.code: r.level for r in batch.people}


def codes(result):
    return [r.code for r in result.reasons]


# --- overrides


@pytest.mark.parametrize(
    "discipline",
    [Discipline.REPRIMAND, Discipline.WARNING, Discipline.DEMOTION, Discipline.DISMISSAL],
)
def test_discipline_at_reprimand_or_above_overrides_to_khtnv(discipline):
    result = rate_batch([person("A", 98, discipline=discipline)], NO_QUOTA, OCTOBER).people[0]
    assert result.band is Level.HTXSNV
    assert result.level is Level.KHTNV
    assert "override.discipline" in codes(result)


def test_discipline_override_threshold_is_configurable():
    rules = replace(NO_QUOTA, discipline_override_from=Discipline.WARNING)
    result = rate_batch([person("A", 98, discipline=Discipline.REPRIMAND)], rules, OCTOBER)
    assert result.people[0].level is Level.HTXSNV


def test_degradation_overrides_to_khtnv():
    result = rate_batch([person("A", 95, degradation=True)], NO_QUOTA, OCTOBER).people[0]
    assert result.level is Level.KHTNV and "override.degradation" in codes(result)


def test_unit_corruption_overrides_a_leader_but_not_a_non_leader():
    leader = person("L", 95, leader=Leadership.HEAD, unit_corruption=True)
    staff = person("S", 95, unit_corruption=True)
    batch = rate_batch([leader, staff], NO_QUOTA, OCTOBER)
    assert levels(batch) == {"L": Level.KHTNV, "S": Level.HTXSNV}
    assert "override.unit_corruption_not_leader" in codes(batch.people[1])


# --- quarter and year: aggregation and caps


def test_quarter_is_the_mean_of_the_months_worked_not_zero_for_leave():
    p = person("A", months=(MonthScore("2026-10", D("88.5")), MonthScore("2026-11", D("91.5"))))
    result = rate_batch([p], NO_QUOTA, Q4).people[0]
    assert result.score == D("90.00")
    assert result.band is Level.HTXSNV
    assert result.months_worked == 2


def test_quarter_ignores_months_outside_it_and_has_no_level_without_months():
    p = person("A", months=(MonthScore("2026-01", D(95)),))
    result = rate_batch([p], NO_QUOTA, Q4).people[0]
    assert result.level is None and codes(result) == ["aggregate.no_months"]


def test_quarter_mean_is_rounded_half_up():
    months = tuple(
        MonthScore(m, s)
        for m, s in [("2026-10", D("90")), ("2026-11", D("90")), ("2026-12", D("89.99"))]
    )
    # 269.99 / 3 = 89.99666… → 90.00
    assert rate_batch([person("A", months=months)], NO_QUOTA, Q4).people[0].score == D("90.00")


def _year(months_worked: int, score: str = "92", **fields):
    months = tuple(MonthScore(f"2026-{m:02d}", D(score)) for m in range(1, months_worked + 1))
    return person("A", months=months, **fields)


def test_year_with_seven_months_is_capped_at_htnv():
    result = rate_batch([_year(7)], NO_QUOTA, YEAR).people[0]
    assert (result.score, result.band, result.level) == (D("92.00"), Level.HTXSNV, Level.HTNV)
    assert "cap.year_6_to_9_months" in codes(result)


@pytest.mark.parametrize(
    ("months", "level"), [(5, None), (6, Level.HTNV), (9, Level.HTNV), (10, Level.HTXSNV)]
)
def test_year_caps_at_their_edges(months, level):
    assert rate_batch([_year(months)], NO_QUOTA, YEAR).people[0].level is level


def test_year_with_four_months_has_no_level_unless_maternity_leave():
    result = rate_batch([_year(4)], NO_QUOTA, YEAR).people[0]
    assert result.level is None and "cap.year_under_6_months" in codes(result)
    assert "tự kiểm điểm" in result.reasons[-1].message
    maternity = rate_batch([_year(4, maternity_leave=True)], NO_QUOTA, YEAR).people[0]
    assert maternity.level is Level.HTXSNV
    assert "cap.year_under_6_months.maternity_exempt" in codes(maternity)


def test_year_averaging_96_with_a_reprimand_is_khtnv():
    result = rate_batch([_year(12, "96", discipline=Discipline.REPRIMAND)], NO_QUOTA, YEAR).people[
        0
    ]
    assert result.score == D("96.00") and result.level is Level.KHTNV


def test_caps_do_not_apply_to_months():
    assert rate_batch([person("A", 95)], NO_QUOTA, OCTOBER).people[0].level is Level.HTXSNV


# --- leader gates


def _team(sub_levels: dict[Level, int], leader_score=95, rules=NO_QUOTA):
    scores = {Level.HTXSNV: 95, Level.HTTNV: 80, Level.HTNV: 60, Level.KHTNV: 40}
    subs = []
    for level, count in sub_levels.items():
        subs += [person(f"{level.name}-{i}", scores[level]) for i in range(count)]
    leader = person(
        "LEAD", leader_score, leader=Leadership.HEAD, subordinates=tuple(s.code for s in subs)
    )
    # The leader comes first in the batch: the engine must still rate subordinates first.
    batch = rate_batch([leader, *subs], rules, OCTOBER)
    return batch.people[0]


@pytest.mark.parametrize(
    ("subs", "ceiling"),
    [
        ({Level.HTTNV: 6, Level.HTNV: 2}, Level.HTXSNV),  # 75 % good: no limit
        ({Level.HTTNV: 5, Level.HTNV: 3}, Level.HTNV),  # 62.5 % good
        ({Level.HTTNV: 7, Level.KHTNV: 1}, Level.HTNV),  # one KHTNV, 87.5 % ≥ HTNV
        ({Level.HTTNV: 5, Level.KHTNV: 3}, Level.KHTNV),  # 62.5 % ≥ HTNV
    ],
)
def test_leader_gates_from_the_worked_examples(subs, ceiling):
    leader = _team(subs)
    assert leader.level is ceiling
    expected = "gate.passed" if ceiling is Level.HTXSNV else f"gate.limited_{ceiling.name}"
    assert expected in codes(leader)


def test_gate_counts_exactly_seventy_percent_as_enough():
    assert leader_ceiling([Level.HTTNV] * 7 + [Level.HTNV] * 3, ND335)[0] is None
    assert leader_ceiling([Level.HTTNV] * 7 + [Level.KHTNV] * 3, ND335)[0] is Level.HTNV
    assert leader_ceiling([Level.HTTNV] * 6 + [Level.KHTNV] * 4, ND335)[0] is Level.KHTNV


def test_gate_reads_levels_after_overrides_not_the_score():
    subs = [person(f"S{i}", 85) for i in range(3)] + [
        person("BAD", 85, discipline=Discipline.REPRIMAND)
    ]
    leader = person("L", 95, leader=Leadership.DEPUTY, subordinates=tuple(s.code for s in subs))
    batch = rate_batch([leader, *subs], NO_QUOTA, OCTOBER)
    assert batch.people[0].level is Level.HTNV  # 3/4 good but one KHTNV


def test_gate_reads_subordinate_leaders_after_their_own_gate():
    workers = [person(f"W{i}", 40) for i in range(4)]  # all KHTNV
    deputy = person(
        "DEP", 95, leader=Leadership.DEPUTY, subordinates=tuple(w.code for w in workers)
    )
    others = [person(f"O{i}", 85) for i in range(2)]
    head = person("HEAD", 95, leader=Leadership.HEAD, subordinates=("DEP", "O0", "O1"))
    batch = {
        r.code: r for r in rate_batch([head, deputy, *workers, *others], NO_QUOTA, OCTOBER).people
    }
    assert batch["DEP"].level is Level.KHTNV
    # HEAD: 2 of 3 good, one KHTNV (the gated deputy) → 66.7 % ≥ HTNV < 70 % → KHTNV.
    assert batch["HEAD"].level is Level.KHTNV


def test_gate_ignores_quota_so_a_moved_down_subordinate_still_counts_as_good():
    subs = [person(f"S{i}", 95) for i in range(5)]  # five HTXSNV candidates, quota keeps 0
    leader = person(
        "L", 80, leader=Leadership.HEAD, subordinates=tuple(s.code for s in subs), duty_group="LD"
    )
    batch = rate_batch([leader, *subs], ND335, OCTOBER)
    assert levels(batch)["L"] is Level.HTTNV
    assert all(level is Level.HTTNV for code, level in levels(batch).items() if code != "L")


def test_a_non_leader_with_subordinates_listed_is_not_gated():
    subs = [person("S", 40)]
    p = person("P", 95, subordinates=("S",))
    assert rate_batch([p, *subs], NO_QUOTA, OCTOBER).people[0].level is Level.HTXSNV


# --- quota


def test_quota_worked_example_three_candidates_nine_good():
    people = [person("E95", 95), person("E92", 92), person("E91", 91)]
    people += [person(f"G{i}", 80) for i in range(9)]
    batch = rate_batch(people, ND335, OCTOBER)
    lv = levels(batch)
    assert (lv["E95"], lv["E92"], lv["E91"]) == (Level.HTXSNV, Level.HTXSNV, Level.HTTNV)
    (quota,) = batch.quota
    assert (quota.candidates, quota.good, quota.allowed) == (3, 9, 2)
    assert quota.kept == ("E95", "E92") and quota.moved_down == ("E91",)
    moved = next(r for r in batch.people if r.code == "E91")
    assert moved.reasons[-1].code == "quota.moved_down"
    assert "3/3" in moved.reasons[-1].message


def test_quota_two_candidates_three_good_keeps_none():
    people = [person("E1", 95), person("E2", 93)] + [person(f"G{i}", 75) for i in range(3)]
    batch = rate_batch(people, ND335, OCTOBER)
    assert batch.quota[0].allowed == 0
    assert list(levels(batch).values()).count(Level.HTXSNV) == 0


@pytest.mark.parametrize(
    ("candidates", "good", "allowed"),
    [(6, 12, 3), (3, 9, 2), (2, 3, 0), (1, 5, 1), (1, 4, 0), (10, 0, 1), (0, 50, 0), (12, 0, 2)],
)
def test_quota_base_grows_with_those_moved_down(candidates, good, allowed):
    assert (
        quota_allowed(
            percent=D("0.2"), candidates=candidates, good=good, rated=0, base=QuotaBase.GOOD
        )
        == allowed
    )


def test_quota_tie_breaks_on_general_points_then_code():
    people = [
        person("B", general=D(25), task_points=D(70)),  # 95, general 25
        person("A", general=D(25), task_points=D(70)),  # 95, general 25, code A first
        person("C", general=D(30), task_points=D(65)),  # 95, general 30 → first
    ] + [person(f"G{i}", 80) for i in range(9)]
    batch = rate_batch(people, ND335, OCTOBER)
    assert batch.quota[0].kept == ("C", "A")
    assert batch.quota[0].moved_down == ("B",)


def test_quota_never_touches_lower_levels_and_counts_groups_separately():
    people = [person("E1", 95, duty_group="LD"), person("G1", 80, duty_group="LD")]
    people += [person("E2", 95, duty_group="CV")] + [
        person(f"C{i}", 80, duty_group="CV") for i in range(5)
    ]
    people += [person("E3", 95, agency="STC")] + [
        person(f"T{i}", 80, agency="STC") for i in range(5)
    ]
    people += [person("H", 60), person("K", 30)]
    batch = rate_batch(people, ND335, OCTOBER)
    lv = levels(batch)
    assert lv["E1"] is Level.HTTNV  # LD: 1 + 1 → 0 allowed
    assert lv["E2"] is Level.HTXSNV  # SNV/CV: 1 + 5 → 1 allowed
    assert lv["E3"] is Level.HTXSNV  # STC/CV: counted apart
    assert lv["H"] is Level.HTNV and lv["K"] is Level.KHTNV
    assert [(q.agency, q.duty_group) for q in batch.quota] == [
        ("SNV", "CV"),
        ("SNV", "LD"),
        ("STC", "CV"),
    ]


def test_quota_scope_agency_pools_duty_groups():
    rules = replace(ND335, quota_scope=QuotaScope.AGENCY)
    people = [person("E1", 95, duty_group="LD"), person("E2", 95, duty_group="CV")]
    people += [person(f"G{i}", 80, duty_group="CV") for i in range(10)]
    batch = rate_batch(people, rules, OCTOBER)
    assert batch.quota[0].allowed == 2 and batch.quota[0].duty_group == ""


def test_quota_applies_to_quarters_and_years_too():
    months = lambda s: tuple(MonthScore(f"2026-{m}", D(s)) for m in ("10", "11", "12"))  # noqa: E731
    people = [person("E", months=months(95)), person("G", months=months(80))]
    assert levels(rate_batch(people, ND335, Q4))["E"] is Level.HTTNV


def test_quota_can_be_switched_off_for_a_period_kind():
    rules = replace(ND335, quota_period_kinds=frozenset())
    assert rate_batch([person("E", 95)], rules, OCTOBER).quota == []


def test_quota_exception_sets_a_recorded_ceiling():
    people = [person("E1", 95), person("E2", 93), person("G", 80)]
    exception = QuotaException("SNV", "CV", 2, "QĐ 12/QĐ-UBND")
    batch = rate_batch(people, ND335, OCTOBER, [exception])
    assert levels(batch)["E1"] is Level.HTXSNV and levels(batch)["E2"] is Level.HTXSNV
    assert batch.quota[0].exception == "QĐ 12/QĐ-UBND"
    assert "QĐ 12/QĐ-UBND" in batch.people[0].reasons[-1].message


def test_hanoi_quota_is_thirty_percent_of_everyone_rated():
    people = [person(f"E{i}", general=D(20), task_points=D(70)) for i in range(5)]
    people += [person(f"B{i}", general=D(10), task_points=D(65)) for i in range(5)]
    batch = rate_batch(people, HN3814, OCTOBER)
    assert batch.quota[0].allowed == 3  # ⌊0.3 × 10⌋
    assert list(levels(batch).values()).count(Level.HTXSNV) == 3


def test_unrated_people_are_outside_the_quota():
    people = [person("E", 95), person("NOPROD", general=D(30))] + [
        person(f"G{i}", 80) for i in range(5)
    ]
    batch = rate_batch(people, ND335, OCTOBER)
    assert batch.quota[0].rated == 6


# --- the approver's decisions and ratings already signed ---------------------------------------


def test_the_approver_may_lower_a_level_with_a_reason_and_the_slot_passes_on():
    people = [person("E1", 95), person("E2", 93)] + [person(f"G{i}", 80) for i in range(4)]
    batch = rate_batch(people, ND335, OCTOBER)
    assert levels(batch)["E1"] is Level.HTXSNV and levels(batch)["E2"] is Level.HTTNV
    lowered = replace(
        people[0], approver_max_level=Level.HTTNV, approver_reason="Chưa đủ minh chứng"
    )
    batch = rate_batch([lowered, *people[1:]], ND335, OCTOBER)
    assert levels(batch)["E1"] is Level.HTTNV and levels(batch)["E2"] is Level.HTXSNV
    reason = next(r for r in batch.people[0].reasons if r.code == "approver.lowered")
    assert "Chưa đủ minh chứng" in reason.message


def test_the_approver_can_never_raise_a_level():
    raised = person("A", 60, approver_max_level=Level.HTXSNV, approver_reason="x")
    assert rate_batch([raised], NO_QUOTA, OCTOBER).people[0].level is Level.HTNV


def test_signed_ratings_keep_their_slot_and_newcomers_compete_for_the_rest():
    # Unit 1 approved earlier: S1 kept HTXSNV with 5 good. Unit 2 now: two candidates, 5 good.
    signed = [person("S1", 91, signed_level=Level.HTXSNV)]
    signed += [person(f"SG{i}", 80, signed_level=Level.HTTNV) for i in range(5)]
    new = [person("N1", 99), person("N2", 92)] + [person(f"NG{i}", 80) for i in range(5)]
    batch = rate_batch(signed + new, ND335, OCTOBER)
    lv = levels(batch)
    # e = 3, g = 10 → ⌊13/6⌋ = 2: S1 keeps its slot even with a lower score, N1 takes the other.
    assert (lv["S1"], lv["N1"], lv["N2"]) == (Level.HTXSNV, Level.HTXSNV, Level.HTTNV)
    assert batch.quota[0].kept == ("S1", "N1")


def test_a_signed_leader_is_not_gated_again():
    subs = [person(f"S{i}", 40) for i in range(3)]
    leader = person(
        "L", 95, leader=Leadership.HEAD, subordinates=("S0", "S1", "S2"), signed_level=Level.HTTNV
    )
    assert levels(rate_batch([leader, *subs], NO_QUOTA, OCTOBER))["L"] is Level.HTTNV


# --- the unit component of a leader's task results (DOMAIN.md §3) -------------------------------


def _unit_rules(share="0.5"):
    return replace(NO_QUOTA, template=replace(ND335.template, leader_unit_share=D(share)))


def test_a_deputy_whose_reports_all_complete_gets_the_full_unit_component():
    subs = [person(f"S{i}", 80) for i in range(4)]
    # Own work: 20 general + 40 task points; unit component 70 × 100 % at half weight.
    deputy = person(
        "DEP",
        general=D(20),
        task_points=D(40),
        leader=Leadership.DEPUTY,
        subordinates=("S0", "S1", "S2", "S3"),
    )
    result = rate_batch([deputy, *subs], _unit_rules(), OCTOBER).people[0]
    assert result.components.tasks == D(55)  # 0.5 × 40 + 0.5 × 70
    assert result.score == D(75)
    reason = next(r for r in result.reasons if r.code == "tasks.unit_component")
    assert "100%" in reason.message and "50%" in reason.message


def test_one_report_not_completing_halves_the_unit_component():
    subs = [person(f"S{i}", 80) for i in range(3)] + [person("S3", 40)]
    deputy = person(
        "DEP",
        general=D(20),
        task_points=D(40),
        leader=Leadership.DEPUTY,
        subordinates=("S0", "S1", "S2", "S3"),
    )
    result = rate_batch([deputy, *subs], _unit_rules(), OCTOBER).people[0]
    assert result.components.tasks == D("37.5")  # 0.5 × 40 + 0.5 × 35
    assert result.score == D("57.5")
    assert result.level is Level.HTNV  # gate: a KHTNV report → at most HTNV


def test_the_unit_component_is_off_by_default_and_for_quarters():
    subs = [person("S0", 40)]
    deputy = person(
        "DEP", general=D(20), task_points=D(40), leader=Leadership.DEPUTY, subordinates=("S0",)
    )
    assert rate_batch([deputy, *subs], NO_QUOTA, OCTOBER).people[0].score == D(60)
