"""The head of an agency is rated by the superior authority, never by their own delegate
(DOMAIN.md §1): Alice heads Sở Alpha and Dave is her delegate; Phúc (``pct``), vice-chair of the
provincial People's Committee, scores and signs Alice and Charlie, the heads, and nobody else.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from evaluation.errors import WorkflowError
from evaluation.models import Appeal, AppealStatus, Evaluation, Notification, Status
from evaluation.services.appeals import appeal_file, appeal_resolve
from evaluation.services.approval import agency_publish, head_approve, unit_approve
from evaluation.services.daily import owed_steps
from evaluation.services.workflow import evaluation_return
from staff.access import scope_for
from staff.models import AuditEntry
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import (
    FULL,
    ev,
    manager_score,
    open_month,
    province_approver,
    score_unit,
    self_assess,
)


def refused(call, code: str, status: int) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        call()
    assert (caught.value.code, caught.value.status) == (code, status), caught.value
    return caught.value


@pytest.fixture
def period(month):
    """Sở Alpha scored up to its head: the planning unit, Bob, Dave and Hương scored; Alice
    self-assessed and waiting for whoever rates the head."""
    province_approver(month)
    period = open_month(month)
    score_unit(month, period, STAFF_NAMES)
    for manager, name in (("dave", "bob"), ("alice", "dave"), ("alice", "huong")):
        self_assess(month, name, period)
        manager_score(month, manager, name, period)
    self_assess(month, "alice", period)
    return period


def test_the_scope_of_the_province_approver_is_the_heads_and_nothing_else(month, period):
    scope = scope_for(month.user("pct"))
    seen = Evaluation.objects.filter(scope.person_records_filter(), period=period)
    assert {e.staff.code for e in seen} == {"A01", "B01"}  # Alice and Charlie
    assert set(scope.staff_members().values_list("code", flat=True)) == {"A01", "B01"}
    assert not scope.agencies().exists() and not scope.units().exists()
    alice, tam = ev(month, "alice", period), ev(month, "Tâm", period)
    assert scope.can_score_as_manager(alice) and scope.can_sign(alice)
    assert not scope.can_score_as_manager(tam) and not scope.can_sign(tam)
    for name in ("dave", "alice"):  # the delegate, and the head on her own
        agency = scope_for(month.user(name))
        assert not agency.can_score_as_manager(alice) and not agency.can_sign(alice), name


def test_the_province_approver_s_scope_is_resolved_in_the_one_query(
    month, period, django_assert_num_queries
):
    user = get_user_model().objects.get(username="pct")
    with django_assert_num_queries(1):
        scope = scope_for(user)
    assert scope.approves_heads() and not scope.approver_agency_ids and not scope.sees_all


def test_the_delegate_can_neither_score_nor_approve_the_head(month, period):
    dave = month.user("dave")
    error = refused(lambda: manager_score(month, "dave", "alice", period, FULL), "forbidden", 403)
    assert "Chủ tịch UBND tỉnh" in error.message and "People's Committee" in error.message_en
    manager_score(month, "pct", "alice", period, FULL)
    # Alice signs the leadership but her own; Dave's approval of what is left signs nothing.
    unit_approve(period=period, unit=month.planning, user=month.user("alice"))
    signed = unit_approve(period=period, unit=month.leadership_unit, user=month.user("alice"))
    assert {e.staff.code for e in signed} == {"A02", "A20"}
    error = refused(
        lambda: unit_approve(period=period, unit=month.leadership_unit, user=dave),
        "head_for_superior",
        409,
    )
    assert "(A01)" in error.message and "(A01)" in error.message_en
    refused(
        lambda: head_approve(evaluation=ev(month, "alice", period), user=dave), "forbidden", 403
    )
    refused(
        lambda: evaluation_return(
            evaluation=ev(month, "alice", period), user=dave, to="manager", reason="Xem lại"
        ),
        "forbidden",
        403,
    )
    assert ev(month, "alice", period).status == Status.MANAGER_SCORED


def test_the_province_approver_signs_the_head_counted_in_the_agency_s_quota(month, period):
    pct = province_approver(month)
    manager_score(month, "pct", "alice", period, FULL)
    alice = month.user("alice")
    unit_approve(period=period, unit=month.planning, user=alice)
    unit_approve(period=period, unit=month.leadership_unit, user=alice)
    signed = head_approve(evaluation=ev(month, "alice", period), user=pct)
    assert (signed.status, signed.approved_by) == (Status.APPROVED, pct)
    # Group LD: Bob and Dave signed HTTNV, Alice the only candidate: ⌊(1 + 2) / 6⌋ = 0 keep it —
    # the head is counted in her agency's quota like anyone signed in it.
    assert signed.final_level == "HTTNV"
    assert any(r["code"] == "quota.moved_down" for r in signed.reasons)
    entry = AuditEntry.objects.get(action="evaluation.approved", evaluation=signed)
    assert (entry.actor, entry.chained) == (pct, True)
    assert Notification.objects.filter(recipient=alice, kind="approved").exists()
    # Publication stays with the agency, and includes the head's result.
    assert agency_publish(period=period, agency=month.agency_a, user=alice) == 11
    assert ev(month, "alice", period).status == Status.PUBLISHED


def test_a_head_is_signed_after_their_reports_and_only_within_the_rules(month):
    province_approver(month)
    period = open_month(month)
    self_assess(month, "alice", period)
    manager_score(month, "pct", "alice", period, FULL)
    pct = month.user("pct")
    error = refused(
        lambda: head_approve(evaluation=ev(month, "alice", period), user=pct),
        "leaders_first_units",
        409,
    )
    assert "A01" in error.message
    for manager, name in (("alice", "dave"), ("alice", "huong")):
        self_assess(month, name, period)
        manager_score(month, manager, name, period)
    # Lowering needs a reason; a level above the rules is refused at the field.
    alice_ev = ev(month, "alice", period)
    error = refused(
        lambda: head_approve(evaluation=alice_ev, user=pct, level="HTNV"), "reason_required", 400
    )
    signed = head_approve(evaluation=alice_ev, user=pct, level="HTNV", reason="Chậm báo cáo")
    assert (signed.final_level, signed.approver_reason) == ("HTNV", "Chậm báo cáo")


def test_the_province_approver_needs_the_second_factor(month, period):
    manager_score(month, "pct", "alice", period, FULL)
    for name in ("dave", "huong"):
        assert ev(month, name, period).status == Status.MANAGER_SCORED
    password_only = get_user_model().objects.get(username="pct")
    refused(
        lambda: head_approve(evaluation=ev(month, "alice", period), user=password_only),
        "otp_required",
        403,
    )
    assert ev(month, "alice", period).status == Status.MANAGER_SCORED


@pytest.fixture
def head_appeal(month, period):
    manager_score(month, "pct", "alice", period, FULL)
    alice = month.user("alice")
    unit_approve(period=period, unit=month.planning, user=alice)
    unit_approve(period=period, unit=month.leadership_unit, user=alice)
    head_approve(evaluation=ev(month, "alice", period), user=month.user("pct"))
    agency_publish(period=period, agency=month.agency_a, user=alice)
    return appeal_file(evaluation=ev(month, "alice", period), user=alice, reason="Xin xem lại")


def test_an_appeal_of_the_head_goes_to_the_province_approver_only(month, head_appeal):
    # The province approver is told, not the agency's approvers.
    told = set(
        Notification.objects.filter(kind="appealed").values_list("recipient__username", flat=True)
    )
    assert told == {"pct"}
    for name in ("dave", "alice"):
        refused(
            lambda name=name: appeal_resolve(
                appeal=head_appeal, user=month.user(name), decision="uphold", reason="Đúng"
            ),
            "forbidden",
            403,
        )
    appeal_resolve(appeal=head_appeal, user=month.user("pct"), decision="uphold", reason="Đúng")
    head_appeal.refresh_from_db()
    assert (head_appeal.status, head_appeal.resolved_by) == (AppealStatus.UPHELD, month.user("pct"))


def test_over_the_api_the_delegate_is_refused_and_a_non_head_is_out_of_sight(month, head_appeal):
    dave, pct = Client(), Client()
    dave.force_login(month.user("dave"))
    pct.force_login(month.user("pct"))
    alice = ev(month, "alice", head_appeal.evaluation.period)
    tam = ev(month, "Tâm", head_appeal.evaluation.period)
    resolve = {"decision": "uphold", "reason": "Đúng"}
    url = f"/api/v1/appeals/{head_appeal.pk}/resolve/"
    response = dave.post(url, resolve, content_type="application/json")
    assert response.status_code == 403
    assert "Chủ tịch UBND tỉnh" in response.json()["errors"][0]["message"]
    response = dave.post(
        "/api/v1/approvals/heads/", {"evaluation": alice.pk}, content_type="application/json"
    )
    assert response.status_code == 403
    assert dave.get(f"/api/v1/approvals/heads/?period={alice.period_id}").status_code == 403
    # The province approver: 404 on anyone but a head, whatever the step.
    assert pct.get(f"/api/v1/evaluations/{tam.pk}/").status_code == 404
    for path, body in (
        ("/api/v1/approvals/heads/", {"evaluation": tam.pk}),
        (f"/api/v1/evaluations/{tam.pk}/manager-score/", {"scores": FULL}),
        (f"/api/v1/evaluations/{tam.pk}/return/", {"to": "manager", "reason": "x"}),
    ):
        response = pct.post(path, body, content_type="application/json")
        assert response.status_code == 404, path
    assert pct.get(f"/api/v1/evaluations/{alice.pk}/").status_code == 200
    response = pct.post(url, resolve, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "upheld"
    assert Appeal.objects.get().status == AppealStatus.UPHELD


def test_the_province_approver_is_reminded_of_the_heads_and_the_delegate_is_not(month, period):
    """Reminders follow who owes the step (DOMAIN.md §5): the head's scoring and signature are
    the province approver's."""
    owed = owed_steps(period, today=period.manager_due)
    pct, dave = month.user("pct"), month.user("dave")
    assert owed["manager"][pct.pk] == 2  # Alice, self-assessed; Charlie, a draft past due
    assert owed["manager"][dave.pk] == 0  # Bob, his report, is scored; Alice is not his
    manager_score(month, "pct", "alice", period, FULL)
    owed = owed_steps(period, today=period.approval_due - dt.timedelta(days=2))
    assert owed["approval"][pct.pk] == 1  # Alice, waiting for the province approver's signature
    scored_in_alpha = Evaluation.objects.filter(
        period=period, agency=month.agency_a, status=Status.MANAGER_SCORED
    ).count()
    assert owed["approval"][dave.pk] == owed["approval"][month.user("alice").pk]
    assert owed["approval"][dave.pk] == scored_in_alpha - 1  # everyone but the head
