"""Properties of the engine that must hold for every input, not only the worked examples."""

from dataclasses import replace
from decimal import Decimal as D
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import quota_allowed, rate_batch
from scoring.periods import parse_period
from scoring.rules import Level, QuotaBase
from scoring.simulator import simulate
from tests.scoring.builders import HN3814, ND335, person

OCTOBER = parse_period("2026-10")
cents = st.integers(min_value=0, max_value=10_000).map(lambda c: D(c).scaleb(-2))
percents = st.sampled_from([D("0.10"), D("0.15"), D("0.20"), D("0.25"), D("0.30"), D("0.5")])


@given(st.lists(cents, min_size=1, max_size=40, unique=True), percents)
def test_the_level_never_rises_when_the_score_falls(scores, percent):
    rules = replace(ND335, quota_percent=percent)
    people = [person(f"P{i:03d}", s) for i, s in enumerate(scores)]
    results = sorted(rate_batch(people, rules, OCTOBER).people, key=lambda r: r.score, reverse=True)
    ranked = [r.level for r in results]
    assert all(a >= b for a, b in pairwise(ranked))


@given(
    st.lists(
        st.tuples(cents, st.sampled_from(["A", "B", "C"]), st.sampled_from(["LD", "CV"])),
        min_size=1,
        max_size=60,
    ),
    percents,
)
def test_final_ratings_of_every_group_respect_the_quota(rows, percent):
    rules = replace(ND335, quota_percent=percent)
    people = [person(f"P{i:03d}", s, agency=a, duty_group=g) for i, (s, a, g) in enumerate(rows)]
    batch = rate_batch(people, rules, OCTOBER)
    groups: dict[tuple[str, str], list[Level]] = {}
    for result in batch.people:
        groups.setdefault((result.agency, result.duty_group), []).append(result.level)
    moved = {(q.agency, q.duty_group): len(q.moved_down) for q in batch.quota}
    for key, group_levels in groups.items():
        excellent = group_levels.count(Level.HTXSNV)
        good = group_levels.count(Level.HTTNV)
        assert excellent <= percent * good
        if moved[key]:
            # The quota keeps as many as it may: keeping one more would break the rule.
            assert excellent + 1 > percent * (good - 1)


@given(st.integers(0, 500), st.integers(0, 500), percents)
def test_quota_allowed_is_the_largest_count_that_respects_the_rule(e, g, percent):
    k = quota_allowed(percent=percent, candidates=e, good=g, rated=e + g, base=QuotaBase.GOOD)
    assert 0 <= k <= e
    assert k <= percent * (g + e - k)
    if k < e:
        assert k + 1 > percent * (g + e - k - 1)


product_json = st.fixed_dictionaries(
    {"weight": st.integers(0, 400).map(lambda w: w / 4)},
    optional={
        "completed": st.booleans(),
        "major_errors": st.integers(0, 8),
        "delays": st.integers(0, 8),
        "objective_cause": st.booleans(),
    },
)
person_json = st.fixed_dictionaries(
    {
        "agency": st.sampled_from(["SNV", "STC"]),
        "duty_group": st.sampled_from(["LD", "CV"]),
    },
    optional={
        "category": st.sampled_from(["CB", "CC", "VC", "NLD"]),
        "general": st.one_of(
            st.integers(0, 3000).map(lambda c: c / 100),
            st.dictionaries(st.sampled_from([f"G{i}" for i in range(1, 7)]), st.integers(0, 5)),
        ),
        "products": st.lists(product_json, max_size=6),
        "task_points": st.integers(0, 7000).map(lambda c: c / 100),
        "deductions": st.integers(0, 20),
        "discipline": st.sampled_from(["none", "reprimand", "warning", "demotion", "dismissal"]),
        "degradation": st.booleans(),
        "unit_corruption": st.booleans(),
        "leader": st.sampled_from(["none", "deputy", "head"]),
        "maternity_leave": st.booleans(),
        "months": st.lists(
            st.fixed_dictionaries(
                {
                    "period": st.sampled_from([f"2026-{m:02d}" for m in range(1, 13)]),
                    "score": st.integers(0, 10000).map(lambda c: c / 100),
                }
            ),
            max_size=12,
            unique_by=lambda m: m["period"],
        ),
    },
)


@st.composite
def batches(draw):
    period = draw(st.sampled_from(["2026-10", "2026-Q4", "2026", "2026-Q1"]))
    people = draw(st.lists(person_json, min_size=1, max_size=25))
    for i, p in enumerate(people):
        p["code"] = f"P{i:03d}"
        if period != "2026":
            allowed = set(parse_period(period).month_labels)
            p["months"] = [m for m in p.get("months", []) if m["period"] in allowed]
        # Subordinates only point to later people, so the chain of command has no cycle.
        later = [f"P{j:03d}" for j in range(i + 1, len(people))]
        if later:
            p["subordinates"] = draw(st.lists(st.sampled_from(later), unique=True, max_size=5))
    return {"ruleset": "ND335-2025", "period": period, "people": people}


@settings(max_examples=200, deadline=None)
@given(batches())
def test_valid_input_never_raises_and_every_person_gets_an_answer(batch):
    output = simulate(batch, ND335)
    assert [p["code"] for p in output["people"]] == [p["code"] for p in batch["people"]]
    for person_out in output["people"]:
        assert person_out["level"] in {None, "HTXSNV", "HTTNV", "HTNV", "KHTNV"}
        assert person_out["reasons"], "every decision carries a reason"
        if person_out["level"] is None:
            assert person_out["reasons"][-1]["code"].startswith(("tasks.", "aggregate.", "cap."))


@settings(max_examples=50, deadline=None)
@given(batches())
def test_valid_input_never_raises_under_the_hanoi_rules(batch):
    for p in batch["people"]:
        p.pop("general", None)
        p["bonus"] = 5
    simulate(batch, HN3814)
