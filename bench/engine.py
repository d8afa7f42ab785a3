"""Rate a synthetic province-month in one batch and print how fast the engine is.

    python bench/engine.py [--people 50000] [--seed 2026] [--repeat 5]

Prints one line per figure, ``name: value unit``. The engine is single-threaded, so the figure
is per core. The people are realistic in shape: 3–6 products each with some errors and delays,
general criteria per criterion, units of ~12 led by a head with a deputy, three duty groups,
disciplines and leave here and there, and the ND335-2025 rules (quota on, gates on).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from scoring.engine import PersonInput, ProductOutcome, rate_batch
from scoring.periods import parse_period
from scoring.rules import (
    CapRule,
    CriterionRule,
    Discipline,
    Leadership,
    Level,
    PeriodKind,
    RuleSetRules,
    TemplateRules,
)
from scoring.simulator import simulate

RULES = RuleSetRules(
    code="ND335-2025",
    version=1,
    template=TemplateRules(
        code="ND335-2025-TPL",
        version=1,
        criteria=tuple(CriterionRule(f"G{i}", Decimal(5)) for i in range(1, 7)),
    ),
    caps=(
        CapRule("year_under_6_months", PeriodKind.YEAR, 0, 5, None),
        CapRule("year_6_to_9_months", PeriodKind.YEAR, 6, 9, Level.HTNV),
    ),
)
WEIGHTS = [Decimal(w) for w in ("0.5", "1", "1", "1", "1.5", "2")]


def synthetic_province(count: int, seed: int) -> list[dict]:
    """People as simulator JSON (dicts): the same shape the API and command accept."""
    rng = random.Random(seed)
    people: list[dict] = []
    unit_size = 12
    for start in range(0, count, unit_size):
        unit = start // unit_size
        agency = f"AG{unit // 8:04d}"
        members = list(range(start, min(start + unit_size, count)))
        for position, index in enumerate(members):
            leader = "head" if position == 0 else "deputy" if position == 1 else "none"
            products = [
                {
                    "weight": rng.choice(WEIGHTS),
                    "completed": rng.random() > 0.04,
                    "major_errors": rng.choice((0, 0, 0, 0, 1)),
                    "delays": rng.choice((0, 0, 0, 1, 2)),
                    "objective_cause": rng.random() < 0.05,
                }
                for _ in range(rng.randint(3, 6))
            ]
            person = {
                "code": f"P{index:06d}",
                "agency": agency,
                "duty_group": "LD" if leader != "none" else rng.choice(("CV", "CV", "NV")),
                "leader": leader,
                "general": {f"G{i}": Decimal(rng.choice((3, 4, 4.5, 5, 5))) for i in range(1, 7)},
                "products": products,
            }
            if leader == "head":
                person["subordinates"] = [f"P{i:06d}" for i in members[1:]]
            if rng.random() < 0.01:
                person["discipline"] = Discipline.REPRIMAND.value
            people.append(person)
    return people


def as_inputs(people: list[dict]) -> list[PersonInput]:
    """The same people as engine input (what the workflow builds from the database)."""
    return [
        PersonInput(
            code=p["code"],
            agency=p["agency"],
            duty_group=p["duty_group"],
            leader=Leadership(p["leader"]),
            subordinates=tuple(p.get("subordinates", ())),
            general=p["general"],
            products=tuple(ProductOutcome(**prod) for prod in p["products"]),
            discipline=Discipline(p.get("discipline", "none")),
        )
        for p in people
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    people = synthetic_province(args.people, args.seed)
    inputs = as_inputs(people)
    period = parse_period("2026-10")

    engine_times, simulate_times = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = rate_batch(inputs, RULES, period)
        engine_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        simulate({"ruleset": RULES.code, "period": period.label, "people": people}, RULES)
        simulate_times.append(time.perf_counter() - started)

    engine = statistics.median(engine_times)
    sim = statistics.median(simulate_times)
    levels = [r.level for r in result.people]
    print(f"people: {args.people} people")
    print(f"engine_batch_seconds: {engine:.3f} s (median of {args.repeat})")
    print(f"engine_rate: {args.people / engine:,.0f} people/s (target: 20,000)")
    print(f"simulator_batch_seconds: {sim:.3f} s (validate + rate + render JSON)")
    print(f"simulator_rate: {args.people / sim:,.0f} people/s")
    for level in Level:
        print(f"level_{level.name}: {levels.count(level)} people")
    print(f"unrated: {levels.count(None)} people")


if __name__ == "__main__":
    main()
