"""Quota exceptions are recorded decisions of the province (Sở Nội vụ), bounded by the rule
set, never recorded by the agency for itself (DOMAIN.md §4.5).

Phòng Kế hoạch: Sơn, Tâm and Uyên score 100 (HTXSNV candidates), the four others ≈ 82 (HTTNV).
Group CV: 3 candidates + 4 good → the quota keeps ⌊7 / 6⌋ = 1; with exceptions allowed up to
40 % of the same base, at most ⌊0.4 × 7 / 1.4⌋ = 2.
"""

from __future__ import annotations

import pytest
from django.test import Client

from evaluation.errors import WorkflowError
from evaluation.models import QuotaException
from evaluation.services.approval import quota_exception_record, unit_approve
from staff.models import AuditEntry, DutyGroup
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import (
    FLAWED,
    GOOD,
    allow_exceptions,
    manager_score,
    open_month,
    self_assess,
    verified_admin,
)


@pytest.fixture
def period(month):
    period = open_month(month)
    for name in STAFF_NAMES[:3]:
        self_assess(month, name, period)
        manager_score(month, "bob", name, period)
    for name in STAFF_NAMES[3:]:
        self_assess(month, name, period, scores=GOOD, products=FLAWED)
        manager_score(month, "bob", name, period, GOOD)
    allow_exceptions(period, 40)
    return period


def record(month, period, user, ceiling=2, reference="QĐ 15/QĐ-UBND"):
    return quota_exception_record(
        period=period,
        agency=month.agency_a,
        duty_group=DutyGroup.objects.get(code="CV"),
        ceiling=ceiling,
        reference=reference,
        reason="Đơn vị có thành tích xuất sắc",
        user=user,
    )


def refused(call, code: str, status: int) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        call()
    assert (caught.value.code, caught.value.status) == (code, status), caught.value
    return caught.value


def test_the_agency_s_own_approvers_are_refused(month, period):
    for name in ("alice", "dave", "charlie"):  # head, delegate, another agency's head
        error = refused(
            lambda name=name: record(month, period, month.user(name)),
            *("exception_by_province", 403),
        )
        assert "Sở Nội vụ" in error.message and "province" in error.message_en
    assert not QuotaException.objects.exists()


def test_the_province_admin_records_one_within_the_bound_and_the_approval_keeps_that_many(
    month, period
):
    sam = verified_admin(month)
    refused(lambda: record(month, period, sam, reference=" "), "reason_required", 400)
    exception = record(month, period, sam, ceiling=2)
    assert (exception.ceiling, exception.decided_by) == (2, sam)
    signed = unit_approve(period=period, unit=month.planning, user=month.user("alice"))
    levels = {e.staff.code: e.final_level for e in signed}
    assert sorted(levels.values()).count("HTXSNV") == 2
    assert [levels[month.staff[n].code] for n in STAFF_NAMES[:3]] == ["HTXSNV", "HTXSNV", "HTTNV"]
    entry = AuditEntry.objects.get(action="quota.exception_recorded")
    assert (entry.actor, entry.chained, entry.before) == (sam, True, {})
    assert entry.after["ceiling"] == 2 and entry.after["maximum"] == 2
    assert entry.after["reference"] == "QĐ 15/QĐ-UBND" and entry.after["decided_by"] == "sam"


def test_a_second_decision_is_audited_with_what_it_replaced(month, period):
    sam = verified_admin(month)
    record(month, period, sam, ceiling=1, reference="QĐ 14/QĐ-UBND")
    record(month, period, sam, ceiling=2)
    latest = AuditEntry.objects.filter(action="quota.exception_recorded").order_by("pk").last()
    assert latest.before == {"ceiling": 1, "reference": "QĐ 14/QĐ-UBND", "decided_by": "sam"}
    assert latest.after["ceiling"] == 2
    assert QuotaException.objects.get().ceiling == 2


def test_above_the_bound_is_refused_with_the_maximum_named(month, period):
    error = refused(
        lambda: record(month, period, verified_admin(month), ceiling=3),
        *("exception_over_bound", 409),
    )
    assert error.path == "ceiling" and error.extra["maximum"] == 2
    assert "là 2 HTXSNV" in error.message and "ND335-2025 v1" in error.message
    assert "at most 2 HTXSNV" in error.message_en and "40 %" in error.message_en
    assert not QuotaException.objects.exists()


def test_no_exception_when_the_rule_set_allows_none(month, period):
    allow_exceptions(period, None)
    error = refused(
        lambda: record(month, period, verified_admin(month), ceiling=1),
        *("exception_not_allowed", 409),
    )
    assert "không cho phép ngoại lệ" in error.message
    assert not QuotaException.objects.exists()


def test_over_the_api_the_head_is_refused_and_the_admin_is_answered_who_decided(month, period):
    body = {
        "period": period.pk,
        "agency": "SOA",
        "duty_group": "CV",
        "ceiling": 2,
        "reference": "QĐ 15/QĐ-UBND",
    }
    head = Client()
    head.force_login(month.user("alice"))
    response = head.post("/api/v1/quota-exceptions/", body, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "exception_by_province"
    admin = Client()
    admin.force_login(verified_admin(month))
    over = admin.post(
        "/api/v1/quota-exceptions/", body | {"ceiling": 3}, content_type="application/json"
    )
    assert over.status_code == 409
    (error,) = over.json()["errors"]
    assert (error["code"], error["path"], error["maximum"]) == (
        "exception_over_bound",
        "ceiling",
        2,
    )
    response = admin.post("/api/v1/quota-exceptions/", body, content_type="application/json")
    assert response.status_code == 201
    assert (response.json()["ceiling"], response.json()["decided_by"]) == (2, "sam")
