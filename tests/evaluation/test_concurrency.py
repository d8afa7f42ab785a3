"""Two people acting at once (PostgreSQL: real row locks between real connections)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from evaluation.errors import WorkflowError
from evaluation.models import Evaluation, Status
from evaluation.services.approval import unit_approve
from staff.audit import verify_chains
from staff.models import AuditEntry
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import manager_score, open_month, score_unit, self_assess

pytestmark = [
    # serialized_rollback: every transactional test gives back the data migrations load, so
    # the next one finds the same rows (content types, default weights) under the same ids.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks need PostgreSQL; .ci/run runs this suite on PostgreSQL",
    ),
]


def run_together(*calls):
    """Start every call at the same moment in its own thread (own connection); collect
    each result or exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # collected and asserted by the test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_concurrent_approvals_of_one_batch_leave_exactly_one(month):
    period = open_month(month)
    score_unit(month, period, STAFF_NAMES)
    self_assess(month, "bob", period)
    manager_score(month, "dave", "bob", period)
    alice, dave = month.user("alice"), month.user("dave")
    outcomes = run_together(
        lambda: unit_approve(period=period, unit=month.planning, user=alice),
        lambda: unit_approve(period=period, unit=month.planning, user=dave),
    )
    successes = [o for o in outcomes if isinstance(o, list)]
    failures = [o for o in outcomes if isinstance(o, WorkflowError)]
    assert len(successes) == 1 and len(failures) == 1, outcomes
    assert failures[0].status == 409
    approved = Evaluation.objects.filter(period=period, unit=month.planning, status=Status.APPROVED)
    assert approved.count() == 8
    assert AuditEntry.objects.filter(action="evaluation.approved").count() == 8
    assert list(verify_chains()) == []


def test_two_concurrent_saves_of_one_version_let_one_through(month):
    from evaluation.services.workflow import evaluation_self_assess

    period = open_month(month)
    son = Evaluation.objects.get(period=period, staff=month.staff["Sơn"])
    user = month.user("Sơn")
    outcomes = run_together(
        lambda: evaluation_self_assess(
            evaluation=son, user=user, scores={"G1": 4}, version=son.version
        ),
        lambda: evaluation_self_assess(
            evaluation=son, user=user, scores={"G1": 5}, version=son.version
        ),
    )
    errors = [o for o in outcomes if isinstance(o, WorkflowError)]
    assert len(errors) == 1 and errors[0].code == "stale_version" and errors[0].status == 409
    son.refresh_from_db()
    assert son.version == 2


def test_two_concurrent_openings_of_one_month_create_each_evaluation_once(month):
    """The scheduled job and the admin's button at the same moment: the period's row lock
    makes the second opening wait and find everything there (COPY would not skip a duplicate)."""
    from evaluation.services.periods import period_open

    open_month(month, "2026-11")  # the period exists; its evaluations are then taken away
    Evaluation.objects.filter(period__label="2026-11").delete()
    sam = month.user("sam")
    outcomes = run_together(
        lambda: period_open(ruleset_code="ND335-2025", label="2026-11", user=sam),
        lambda: period_open(ruleset_code="ND335-2025", label="2026-11", user=sam),
    )
    created = sorted(o[1] for o in outcomes if isinstance(o, tuple))
    staff_with_logins = Evaluation.objects.filter(period__label="2026-11").count()
    assert created == [0, staff_with_logins] and staff_with_logins >= 10, outcomes
