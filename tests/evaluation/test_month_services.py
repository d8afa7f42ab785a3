"""A whole month of Sở Alpha through the services, with the real roles (DOMAIN.md §6)."""

from __future__ import annotations

import pytest

from evaluation.errors import WorkflowError
from evaluation.models import Evaluation, Notification, Status
from evaluation.services.appeals import appeal_file, appeal_resolve
from evaluation.services.approval import (
    Adjustment,
    agency_publish,
    approval_preview,
    head_approve,
    quota_exception_record,
    unit_approve,
)
from evaluation.services.period_close import period_close
from evaluation.services.periods import period_open
from evaluation.services.workflow import (
    evaluation_return,
    evaluation_self_assess,
)
from staff.audit import verify_chains
from staff.models import AuditEntry
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import (
    FLAWED,
    FULL,
    GOOD,
    allow_exceptions,
    ev,
    manager_score,
    province_approver,
    self_assess,
    verified_admin,
)


def test_a_whole_month(month):
    sam, alice, dave, bob = (month.user(n) for n in ("sam", "alice", "dave", "bob"))
    pct = province_approver(month)
    period, created = period_open(ruleset_code="ND335-2025", label="2026-10", user=sam)
    assert created == 13  # everyone of both agencies
    assert period_open(ruleset_code="ND335-2025", label="2026-10", user=sam)[1] == 0  # idempotent

    # The seven specialists: three excellent (100), four good (≈ 84).
    for name in STAFF_NAMES[:3]:
        self_assess(month, name, period)
    for name in STAFF_NAMES[3:]:
        self_assess(month, name, period, scores=GOOD, products=FLAWED)
    for name in STAFF_NAMES[:3]:
        manager_score(month, "bob", name, period, FULL)
    for name in STAFF_NAMES[3:]:
        manager_score(month, "bob", name, period, GOOD)
    # A return with its reason, then the person resubmits and is scored again.
    last = ev(month, STAFF_NAMES[-1], period)
    evaluation_return(evaluation=last, user=bob, to="person", reason="Thiếu minh chứng")
    assert ev(month, STAFF_NAMES[-1], period).status == Status.DRAFT
    assert Notification.objects.filter(
        recipient=month.user(STAFF_NAMES[-1]), kind="returned"
    ).exists()
    evaluation_self_assess(
        evaluation=ev(month, STAFF_NAMES[-1], period), user=month.user(STAFF_NAMES[-1]), submit=True
    )
    manager_score(month, "bob", STAFF_NAMES[-1], period, GOOD)

    # Bob (head of unit) is scored by Dave; Dave by Alice; Alice, the head of the agency, by the
    # province approver (DOMAIN.md §1) — never by her delegate.
    self_assess(month, "bob", period)
    manager_score(month, "dave", "bob", period, FULL)
    self_assess(month, "dave", period)
    manager_score(month, "alice", "dave", period, FULL)
    self_assess(month, "huong", period, scores=GOOD, products=FLAWED)
    manager_score(month, "alice", "huong", period, GOOD)
    self_assess(month, "alice", period)
    with pytest.raises(WorkflowError) as not_dave:
        manager_score(month, "dave", "alice", period, FULL)
    assert (not_dave.value.code, not_dave.value.status) == ("forbidden", 403)
    manager_score(month, "pct", "alice", period, FULL)

    # Approval of the unit: the quota, counted over the agency's duty group (Hương included),
    # bites: 3 candidates + 5 good → ⌊8/6⌋ = 1 keeps HTXSNV.
    preview = approval_preview(period=period, unit=month.planning, user=alice)
    cv = next(q for q in preview["quota"] if q["duty_group"] == "CV")
    assert (cv["candidates"], cv["good"], cv["allowed"]) == (3, 5, 1)
    signed = unit_approve(period=period, unit=month.planning, user=alice)
    levels = {e.staff.code: e.final_level for e in signed}
    assert [levels[month.staff[n].code] for n in STAFF_NAMES] == [
        "HTXSNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
    ]
    # Bob competes in group LD with the (unsigned) proposals of Dave and Alice: 3 + 0 → none.
    assert levels["A03"] == "HTTNV"
    with pytest.raises(WorkflowError) as again:
        unit_approve(period=period, unit=month.planning, user=alice)
    assert again.value.status == 409

    # Leadership: Alice signs Dave and Hương; her own rating waits for the province approver:
    # her delegate's approval of the unit does not sign it.
    unit_approve(
        period=period,
        unit=month.leadership_unit,
        user=alice,
        adjustments=[Adjustment(ev(month, "huong", period).pk, "HTNV", "Chậm nộp báo cáo quý")],
    )
    assert ev(month, "alice", period).status == Status.MANAGER_SCORED
    with pytest.raises(WorkflowError) as head_left:
        unit_approve(period=period, unit=month.leadership_unit, user=dave)
    assert (head_left.value.code, head_left.value.status) == ("head_for_superior", 409)
    assert "A01" in head_left.value.message and "A01" in head_left.value.message_en
    assert ev(month, "alice", period).status == Status.MANAGER_SCORED
    # Publication waits for the head's result, and says so.
    with pytest.raises(WorkflowError) as waits:
        agency_publish(period=period, agency=month.agency_a, user=alice)
    assert "người đứng đầu" in waits.value.message
    head_approve(evaluation=ev(month, "alice", period), user=pct)
    assert ev(month, "alice", period).approved_by == pct
    assert ev(month, "huong", period).final_level == "HTNV"

    # Sở Beta is not done: publishing Sở Alpha is independent of it.
    assert agency_publish(period=period, agency=month.agency_a, user=alice) == 11
    assert Notification.objects.filter(kind="published").count() == 11

    # An appeal revised within the quota: Tâm asks; the quota is full until an exception.
    tam = ev(month, STAFF_NAMES[1], period)
    appeal = appeal_file(evaluation=tam, user=month.user(STAFF_NAMES[1]), reason="Tôi đạt 100 điểm")
    with pytest.raises(WorkflowError) as full:
        appeal_resolve(
            appeal=appeal, user=alice, decision="revise", level="HTXSNV", reason="Xem xét lại"
        )
    assert full.value.code == "revision_outside_rules"
    allow_exceptions(period, 40)
    quota_exception_record(
        period=period,
        agency=month.agency_a,
        duty_group=tam.duty_group,
        ceiling=2,
        reference="QĐ 15/QĐ-UBND",
        reason="Đơn vị có thành tích xuất sắc",
        user=verified_admin(month),
    )
    appeal_resolve(
        appeal=appeal,
        user=alice,
        decision="revise",
        level="HTXSNV",
        reason="Có quyết định ngoại lệ",
    )
    tam.refresh_from_db()
    assert (tam.status, tam.final_level) == (Status.PUBLISHED, "HTXSNV")

    counts = period_close(period=period, user=sam)
    assert counts["closed"] == 11
    assert Evaluation.objects.filter(period=period, status=Status.CLOSED).count() == 11
    assert list(verify_chains()) == []
    assert AuditEntry.objects.filter(chained=True, agency=month.agency_a).count() >= 11 * 2 + 3
