"""Steps of the month, as the real roles take them through the services."""

from __future__ import annotations

from evaluation.models import Evaluation
from evaluation.services.periods import period_open
from evaluation.services.products import product_register, product_set_outcome
from evaluation.services.workflow import evaluation_manager_score, evaluation_self_assess

FULL = {f"G{i}": 5 for i in range(1, 7)}
GOOD = {f"G{i}": 4 for i in range(1, 7)}
PERFECT = ((1, True, 0, 0),)
# One product with an error and a delay: 70 × (1 + 0.75 + 0.75) / 3 = 58.33 → 24 + 58.33 = 82.33.
FLAWED = ((1, True, 1, 1),)


def open_month(month, label="2026-10"):
    return period_open(ruleset_code="ND335-2025", label=label, user=month.user("sam"))[0]


def ev(month, name, period) -> Evaluation:
    return Evaluation.objects.get(period=period, staff=month.staff[name])


def self_assess(month, name, period, *, scores=FULL, products=PERFECT, submit=True):
    evaluation = ev(month, name, period)
    for weight, completed, errors, delays in products:
        product = product_register(
            evaluation=evaluation, user=month.user(name), title=f"Báo cáo của {name}", weight=weight
        )
        product_set_outcome(
            product=product,
            user=month.user(name),
            completed=completed,
            major_errors=errors,
            delays=delays,
        )
    return evaluation_self_assess(
        evaluation=ev(month, name, period), user=month.user(name), scores=scores, submit=submit
    )


def manager_score(month, manager, name, period, scores=FULL, **fields):
    return evaluation_manager_score(
        evaluation=ev(month, name, period),
        user=month.user(manager),
        scores=scores,
        fields=fields,
        submit=True,
    )


def score_unit(month, period, names, scores=FULL, products=PERFECT, manager="bob"):
    for name in names:
        self_assess(month, name, period, scores=scores, products=products)
        manager_score(month, manager, name, period, scores)


def publish_alpha(month, label="2026-10"):
    """Sở Alpha's whole month through the services up to publication: the seven specialists
    and Hương excellent-to-good, the leaders scored by theirs, every unit approved (the head's
    own rating by her delegate), published. Returns the period."""
    from evaluation.services.approval import agency_publish, unit_approve
    from tests.evaluation.conftest import STAFF_NAMES

    period = open_month(month, label)
    score_unit(month, period, STAFF_NAMES)
    for manager, name in (("dave", "bob"), ("alice", "dave"), ("alice", "huong")):
        self_assess(month, name, period)
        manager_score(month, manager, name, period)
    self_assess(month, "alice", period)
    manager_score(month, "dave", "alice", period)
    alice, dave = month.user("alice"), month.user("dave")
    unit_approve(period=period, unit=month.planning, user=alice)
    unit_approve(period=period, unit=month.leadership_unit, user=alice)
    unit_approve(period=period, unit=month.leadership_unit, user=dave)
    agency_publish(period=period, agency=month.agency_a, user=alice)
    return period
