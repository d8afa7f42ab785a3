"""Steps of the month, as the real roles take them through the services."""

from __future__ import annotations

from evaluation.models import Evaluation
from evaluation.rating import _rules_for
from evaluation.services.periods import period_open
from evaluation.services.products import product_register, product_set_outcome
from evaluation.services.workflow import evaluation_manager_score, evaluation_self_assess
from staff.models import Role
from tests.factories import RoleAssignmentFactory, UserFactory, verify_otp

FULL = {f"G{i}": 5 for i in range(1, 7)}
GOOD = {f"G{i}": 4 for i in range(1, 7)}
PERFECT = ((1, True, 0, 0),)
# One product with an error and a delay: 70 × (1 + 0.75 + 0.75) / 3 = 58.33 → 24 + 58.33 = 82.33.
FLAWED = ((1, True, 1, 1),)


def province_approver(month):
    """Phúc (``pct``), vice-chair of the provincial People's Committee, who rates and signs the
    heads of agencies — Alice and Charlie (DOMAIN.md §1) — signed in with the second factor.
    Created on first use, then ``month.user("pct")``."""
    if "pct" not in month.users:
        user = UserFactory(username="pct")
        RoleAssignmentFactory(user=user, role=Role.PROVINCE_APPROVER)
        verify_otp(user)
        month.users["pct"] = user
    return month.users["pct"]


def add_headed_agencies(month, period, n: int) -> list[str]:
    """``n`` more agencies of Sở Alpha's type, each with a head (a director with no manager)
    and one person under the head, all scored, in ``period``; returns the heads' codes."""
    import datetime as dt

    from scoring.models import RuleSetCoverage
    from staff.models import DutyGroup, Position
    from tests.factories import AgencyFactory, StaffMemberFactory, UnitFactory

    director = Position.objects.get(code="GD")
    group = DutyGroup.objects.get(code="LD")
    start = len(month.extra.setdefault("headed", []))
    heads = []
    for i in range(start, start + n):
        agency = AgencyFactory(
            code=f"QH{i:03d}",
            name=f"Sở Thử {i}",
            province=month.agency_a.province,
            agency_type=month.agency_a.agency_type,
        )
        RuleSetCoverage.objects.create(agency=agency, ruleset_code=period.ruleset.code)
        unit = UnitFactory(agency=agency, code=f"QH{i:03d}-LD", name="Lãnh đạo")
        joined = dt.date(2020, 1, 1)
        head = StaffMemberFactory(
            code=f"QH{i:03d}-1", unit=unit, position=director, duty_group=group, joined_on=joined
        )
        StaffMemberFactory(
            code=f"QH{i:03d}-2", unit=unit, duty_group=group, manager=head, joined_on=joined
        )
        month.extra["headed"].append(agency.code)
        heads.append(head.code)
    period_open(ruleset_code=period.ruleset.code, label=period.label, user=month.user("sam"))
    return heads


def verified_admin(month):
    """Sam, the province admin, signed in with the second factor (to record an exception)."""
    verify_otp(month.users["sam"])
    return month.users["sam"]


def allow_exceptions(period, percent=40, *, monthly_quota=True):
    """Let the period's rule set allow quota exceptions up to ``percent`` (None: none), and
    apply the quota to months: the test's own reading of a rule set, whatever the shipped one
    says (DOMAIN.md §4.5; a published version refuses changes, so this goes around it)."""
    from django.db.models import QuerySet

    from scoring.models import RuleSet

    QuerySet.update(
        RuleSet.objects.filter(pk=period.ruleset_id),
        quota_exception_max_percent=percent,
        quota_applies_month=monthly_quota,
    )
    _rules_for.cache_clear()
    period.ruleset.refresh_from_db()


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
    own rating by the province approver), published. Returns the period."""
    from evaluation.services.approval import agency_publish, head_approve, unit_approve
    from tests.evaluation.conftest import STAFF_NAMES

    province_approver(month)
    period = open_month(month, label)
    score_unit(month, period, STAFF_NAMES)
    for manager, name in (("dave", "bob"), ("alice", "dave"), ("alice", "huong")):
        self_assess(month, name, period)
        manager_score(month, manager, name, period)
    self_assess(month, "alice", period)
    manager_score(month, "pct", "alice", period)
    alice = month.user("alice")
    unit_approve(period=period, unit=month.planning, user=alice)
    unit_approve(period=period, unit=month.leadership_unit, user=alice)
    head_approve(evaluation=ev(month, "alice", period), user=month.user("pct"))
    agency_publish(period=period, agency=month.agency_a, user=alice)
    return period
