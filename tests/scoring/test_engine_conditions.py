"""Decree 90/48's conditions-based annual levels (DOMAIN.md §3 last paragraph, §5): the level is
the highest one all of whose conditions are met, with no points; then overrides, caps, gates and
the quota apply as usual."""

from dataclasses import replace

from scoring.engine import PersonInput, rate_batch, rate_individual
from scoring.periods import parse_period
from scoring.rules import (
    CapRule,
    ConditionScope,
    Discipline,
    Leadership,
    Level,
    LevelConditionRule,
    PeriodKind,
    RuleSetRules,
    TaskMode,
    TemplateRules,
)

YEAR = parse_period("2026")
L = ConditionScope.LEADERS
N = ConditionScope.NON_LEADERS

TEMPLATE = TemplateRules(
    code="VC",
    version=2,
    criteria=(),
    task_mode=TaskMode.CONDITIONS,
    conditions=(
        LevelConditionRule("HTXSNV1", Level.HTXSNV),
        LevelConditionRule("HTXSNV2", Level.HTXSNV, N),
        LevelConditionRule("HTXSNV3", Level.HTXSNV, L),
        LevelConditionRule("HTTNV1", Level.HTTNV),
        LevelConditionRule("HTTNV2", Level.HTTNV),
        LevelConditionRule("HTNV1", Level.HTNV),
        LevelConditionRule("HTNV2", Level.HTNV),
    ),
)
RULES = RuleSetRules(
    code="ND90-VC",
    version=2,
    template=TEMPLATE,
    cycle=PeriodKind.YEAR,
    quota_period_kinds=frozenset({PeriodKind.YEAR}),
    caps=(
        CapRule("Y0-5", PeriodKind.YEAR, 0, 5, None),
        CapRule("Y6-9", PeriodKind.YEAR, 6, 9, Level.HTNV),
    ),
)
NO_QUOTA = replace(RULES, quota_percent=None)
EXCELLENT = frozenset({"HTXSNV1", "HTXSNV2", "HTTNV1", "HTTNV2", "HTNV1", "HTNV2"})


def vc(code, met, **fields):
    return PersonInput(
        code=code,
        agency="A",
        duty_group="G",
        category="VC",
        conditions_met=None if met is None else frozenset(met),
        **fields,
    )


def codes(result):
    return [r.code for r in result.reasons]


def test_the_highest_level_whose_conditions_are_all_met_with_no_score():
    result = rate_individual(vc("A", EXCELLENT), NO_QUOTA, YEAR)
    assert result.score is None
    assert result.band is Level.HTXSNV and result.level is Level.HTXSNV
    assert codes(result) == ["conditions.met_HTXSNV"]
    assert "HTXSNV1, HTXSNV2" in result.reasons[0].message


def test_a_level_with_one_condition_missing_falls_to_the_next_met_and_names_what_is_missing():
    result = rate_individual(vc("A", {"HTXSNV1", "HTTNV1", "HTTNV2", "HTNV1"}), NO_QUOTA, YEAR)
    assert result.level is Level.HTTNV
    assert codes(result) == ["conditions.missing_HTXSNV", "conditions.met_HTTNV"]
    missing = result.reasons[0]
    assert missing.params["missing"] == "HTXSNV2" and missing.params["met"] == "HTXSNV1"
    assert "còn thiếu HTXSNV2" in missing.message
    assert "missing HTXSNV2" in missing.message_en


def test_higher_conditions_without_the_lower_ones_still_give_the_highest_fully_met_level():
    # Each level's article lists its conditions in full: HTXSNV's met alone is HTXSNV.
    result = rate_individual(vc("A", {"HTXSNV1", "HTXSNV2"}), NO_QUOTA, YEAR)
    assert result.level is Level.HTXSNV


def test_none_marked_is_khtnv_and_not_assessed_is_no_level():
    none = rate_individual(vc("A", set()), NO_QUOTA, YEAR)
    assert none.level is Level.KHTNV and none.score is None
    assert codes(none)[-1] == "conditions.none"
    assert [c for c in codes(none) if c.startswith("conditions.missing_")] == [
        "conditions.missing_HTXSNV",
        "conditions.missing_HTTNV",
        "conditions.missing_HTNV",
    ]
    unassessed = rate_individual(vc("B", None), NO_QUOTA, YEAR)
    assert unassessed.level is None and unassessed.band is None
    assert codes(unassessed) == ["conditions.not_assessed"]
    assert "chưa thể xếp loại" in unassessed.reasons[0].message


def test_leaders_and_non_leaders_meet_their_own_conditions():
    leader_met = {"HTXSNV1", "HTXSNV3", "HTTNV1", "HTTNV2"}
    head = rate_individual(vc("H", leader_met, leader=Leadership.HEAD), NO_QUOTA, YEAR)
    staff = rate_individual(vc("S", leader_met), NO_QUOTA, YEAR)
    assert head.level is Level.HTXSNV
    assert staff.level is Level.HTTNV  # HTXSNV2 (non-leaders) missing, HTXSNV3 not theirs


def test_overrides_and_caps_apply_after_the_conditions():
    disciplined = rate_individual(
        vc("A", EXCELLENT, discipline=Discipline.REPRIMAND), NO_QUOTA, YEAR
    )
    assert disciplined.band is Level.HTXSNV and disciplined.level is Level.KHTNV
    assert "override.discipline" in codes(disciplined)
    seven = rate_individual(vc("B", EXCELLENT, months_worked=7), NO_QUOTA, YEAR)
    assert seven.level is Level.HTNV and "cap.Y6-9" in codes(seven)
    assert seven.months_worked == 7
    four = rate_individual(vc("C", EXCELLENT, months_worked=4), NO_QUOTA, YEAR)
    assert four.level is None and "cap.Y0-5" in codes(four)
    full = rate_individual(vc("D", EXCELLENT), NO_QUOTA, YEAR)
    assert full.months_worked == 12


def test_the_approver_may_lower_a_conditions_level():
    lowered = rate_individual(
        vc("A", EXCELLENT, approver_max_level=Level.HTTNV, approver_reason="x"), NO_QUOTA, YEAR
    )
    assert lowered.level is Level.HTTNV and "approver.lowered" in codes(lowered)


def test_leader_gates_read_the_conditions_levels():
    reports = [vc(f"S{i}", {"HTNV1", "HTNV2"}) for i in range(3)]  # HTNV each: < 70 % HTTNV
    head = vc("H", {"HTXSNV1", "HTXSNV3"}, leader=Leadership.HEAD, subordinates=("S0", "S1", "S2"))
    batch = rate_batch([*reports, head], NO_QUOTA, YEAR)
    rated = {r.code: r for r in batch.people}
    assert rated["H"].level is Level.HTNV
    assert "gate.limited_HTNV" in codes(rated["H"])


def test_the_quota_ranks_conditions_candidates_by_code_without_a_score():
    candidates = [vc(f"E{i}", EXCELLENT) for i in range(3)]
    good = [vc(f"G{i}", {"HTTNV1", "HTTNV2"}) for i in range(9)]
    batch = rate_batch([*reversed(candidates), *good], RULES, YEAR)
    rated = {r.code: r for r in batch.people}
    # 3 candidates + 9 good → ⌊12 / 6⌋ = 2 keep HTXSNV, the first by code.
    assert [rated[f"E{i}"].level for i in range(3)] == [Level.HTXSNV, Level.HTXSNV, Level.HTTNV]
    assert batch.quota[0].allowed == 2
    assert "quota.moved_down" in codes(rated["E2"])
    assert all(r.score is None for r in batch.people)


def test_a_conditions_template_under_a_monthly_cycle_rates_the_month_and_has_no_year_mean():
    monthly = replace(NO_QUOTA, cycle=PeriodKind.MONTH)
    month = rate_individual(vc("A", EXCELLENT), monthly, parse_period("2026-03"))
    assert month.level is Level.HTXSNV
    year = rate_individual(vc("A", EXCELLENT), monthly, YEAR)
    assert year.level is None and codes(year) == ["aggregate.no_months"]
