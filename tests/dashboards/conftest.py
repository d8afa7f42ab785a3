"""The dashboards read the month the evaluation tests live through."""

import pytest

from evaluation.models import EarlyWarning, Period
from evaluation.services.approval import unit_approve
from evaluation.services.period_close import period_close
from tests.evaluation.conftest import STAFF_NAMES, month, standard_rules  # noqa: F401
from tests.evaluation.helpers import FLAWED, GOOD, manager_score, open_month, self_assess


@pytest.fixture
def october(month):  # noqa: F811 — the shared fixture
    """October 2026 closed: Sở Alpha's planning unit done (three excellent candidates, four
    good, Bob), the rest not; Sơn carries an early warning. November is open."""
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
    EarlyWarning.objects.create(
        staff=month.staff["Sơn"],
        agency=month.agency_a,
        period=period,
        kind="two_consecutive",
        months=["2026-09", "2026-10"],
    )
    period_close(period=period, user=month.user("sam"))
    open_month(month, "2026-11")
    return Period.objects.get(pk=period.pk)
