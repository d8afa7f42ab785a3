"""The year (DOMAIN.md §5): its deadline (before 15 December, or 15 January of the next year where
the superior allows), derived from the months signed so far before December is over, the
reminders and the late list before and on the deadline, and its own sign-off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from evaluation.models import Evaluation, Notification, Period, PeriodStatus, Status
from evaluation.rating import _rules_for
from evaluation.services.approval import (
    agency_publish,
    approval_preview,
    head_approve,
    unit_approve,
)
from evaluation.services.daily import run_daily_jobs
from evaluation.services.derive import period_derive
from evaluation.services.period_close import period_close
from evaluation.services.periods import period_open, year_due
from evaluation.services.year_deadline import YEAR_REMINDER_DAYS, late_agencies
from scoring.models import RuleSet
from scoring.services import ruleset_new_version, ruleset_publish
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import province_approver

D = dt.date
# Eleven months signed by early December: January to November.
MONTHS = [f"2026-{m:02d}" for m in range(1, 12)]


def _scores(month) -> dict[int, Decimal]:
    """Three specialists excellent, four good; everyone else good (85)."""
    scores = {member.pk: Decimal(85) for member in month.staff.values()}
    for i, name in enumerate(STAFF_NAMES):
        scores[month.staff[name].pk] = Decimal(95) if i < 3 else Decimal(80)
    return scores


def _signed_months(month, labels=MONTHS) -> None:
    """The months opened, then signed and closed as they would be (scores stored directly)."""
    scores = _scores(month)
    for label in labels:
        period, _ = period_open(ruleset_code="ND335-2025", label=label, user=month.user("sam"))
        for evaluation in period.evaluations.all():
            score = scores.get(evaluation.staff_id, Decimal(85))
            level = "HTXSNV" if score >= 90 else "HTTNV"
            Evaluation.objects.filter(pk=evaluation.pk).update(
                status=Status.CLOSED,
                score=score,
                final_level=level,
                proposed_level=level,
                approved_by=month.user("alice"),
            )
        Period.objects.filter(pk=period.pk).update(status=PeriodStatus.CLOSED)


@pytest.fixture
def january_deadline(month) -> Iterator[RuleSet]:
    """ND335-2025 version 2: the superior allows the year until 15 January of the next year.
    (Published rules are cached by id, and ids come back after a test's rollback.)"""
    _rules_for.cache_clear()
    yield _january_version(month)
    _rules_for.cache_clear()


def _january_version(month) -> RuleSet:
    sam = month.user("sam")
    current = RuleSet.objects.get(code="ND335-2025", status="published")
    draft = ruleset_new_version(ruleset=current, user=sam)
    draft.year_due_month = 1
    draft.save()
    return ruleset_publish(ruleset=draft, user=sam)


def test_the_year_is_due_on_15_december_by_default(month):
    ruleset = RuleSet.objects.get(code="ND335-2025", status="published")
    assert year_due(ruleset, 2026) == D(2026, 12, 15)
    year, _ = period_derive(ruleset=ruleset, label="2026", user=None)
    assert (year.self_assessment_due, year.manager_due, year.approval_due) == (
        D(2026, 12, 15),
        D(2026, 12, 15),
        D(2026, 12, 15),
    )


def test_the_year_is_due_on_15_january_next_year_when_configured(month, january_deadline):
    assert year_due(january_deadline, 2026) == D(2027, 1, 15)
    assert year_due(RuleSet(year_due_month=1, year_due_day=10), 2026) == D(2027, 1, 10)
    year, _ = period_derive(ruleset=january_deadline, label="2026", user=None)
    assert year.approval_due == D(2027, 1, 15)


def test_the_year_is_derived_from_the_months_signed_two_weeks_before_the_deadline(month):
    _signed_months(month)
    assert run_daily_jobs(today=D(2026, 11, 30)).year.derived == []
    assert not Period.objects.filter(kind="year").exists()
    report = run_daily_jobs(today=D(2026, 12, 1))
    assert report.year.derived == ["ND335-2025 2026 (13 evaluations)"]
    assert "year: derived ND335-2025 2026 (13 evaluations)" in report.summary()
    year = Period.objects.get(kind="year", label="2026")
    son = year.evaluations.get(staff=month.staff["Sơn"])
    # The months signed by then, January to November: December is not over.
    assert (son.score, son.months_worked, son.status) == (Decimal("95.00"), 11, "manager_scored")
    assert "2026-01" in son.reasons[0]["message"] and "2026-12" not in son.reasons[0]["message"]
    # Once derived, the next days derive nothing more.
    assert run_daily_jobs(today=D(2026, 12, 2)).year.derived == []


def test_a_january_deadline_derives_the_year_in_the_new_year(month, january_deadline):
    _signed_months(month)
    assert run_daily_jobs(today=D(2026, 12, 1)).year.derived == []
    report = run_daily_jobs(today=D(2027, 1, 1))
    assert report.year.derived == ["ND335-2025 2026 (13 evaluations)"]


def _year_reminders(day: dt.date) -> list[str]:
    return sorted(
        Notification.objects.filter(
            kind="reminder", dedup_key__startswith="year-reminder:", dedup_key__endswith=str(day)
        ).values_list("recipient__username", flat=True)
    )


def test_the_approvers_are_reminded_before_the_deadline_once_a_day(month):
    province_approver(month)
    _signed_months(month)
    run_daily_jobs(today=D(2026, 12, 1))
    assert YEAR_REMINDER_DAYS == (7, 2, 0)
    day = D(2026, 12, 8)  # 7 days before
    report = run_daily_jobs(today=day)
    # Sở Alpha's head and delegate, Sở Beta's head; the province approver for the heads' own.
    assert _year_reminders(day) == ["alice", "charlie", "dave", "pct"]
    assert report.year.reminders == 4
    alice = Notification.objects.get(recipient=month.user("alice"), dedup_key__endswith=str(day))
    assert "Hạn phê duyệt xếp loại năm 2026 là ngày 15/12/2026; còn 10 phiếu" in alice.body
    pct = Notification.objects.get(recipient=month.user("pct"), dedup_key__endswith=str(day))
    assert "còn 2 phiếu" in pct.body  # Alice's and Charlie's own
    assert "The 2026 annual rating must be approved on 2026-12-15" in alice.body
    assert run_daily_jobs(today=day).year.reminders == 0  # once a day
    assert run_daily_jobs(today=D(2026, 12, 9)).year.reminders == 0  # not a reminder day
    # Once Sở Alpha's specialists are signed, its approvers are still reminded of the rest.
    year = Period.objects.get(kind="year")
    unit_approve(period=year, unit=month.planning, user=month.user("alice"))
    run_daily_jobs(today=D(2026, 12, 13))
    alice = Notification.objects.get(
        recipient=month.user("alice"), dedup_key__endswith="2026-12-13"
    )
    assert "còn 2 phiếu" in alice.body  # Dave's and Hương's; her own is the province's


def test_on_the_deadline_day_the_province_admin_gets_the_late_agencies_once(month):
    _signed_months(month)
    run_daily_jobs(today=D(2026, 12, 1))
    year = Period.objects.get(kind="year")
    unit_approve(period=year, unit=month.planning, user=month.user("alice"))
    assert [(a.code, n) for a, n in late_agencies(year)] == [("SOA", 3), ("SOB", 2)]
    run_daily_jobs(today=D(2026, 12, 14))
    assert not Notification.objects.filter(dedup_key__startswith="year-late:").exists()

    report = run_daily_jobs(today=D(2026, 12, 15))
    assert report.year.late_notices == 1
    notice = Notification.objects.get(dedup_key=f"year-late:{year.pk}")
    assert notice.recipient == month.user("sam") and notice.kind == "warning"
    assert "2 cơ quan" in notice.subject and "2 agencies late" in notice.subject
    assert "SOA — Sở Alpha: 3; SOB — Sở Beta: 2" in notice.body
    assert "was due 2026-12-15" in notice.body
    assert run_daily_jobs(today=D(2026, 12, 15)).year.late_notices == 0  # once


def test_a_year_from_derivation_to_publication(month):
    _signed_months(month)
    province_approver(month)
    alice, pct, sam = month.user("alice"), month.user("pct"), month.user("sam")
    year, created = period_derive(
        ruleset=RuleSet.objects.get(code="ND335-2025", status="published"), label="2026", user=None
    )
    assert created == 13
    # The year's own quota (quota_applies_year): 3 candidates + 5 good → ⌊8/6⌋ = 1 keeps it.
    preview = approval_preview(period=year, unit=month.planning, user=alice)
    cv = next(q for q in preview["quota"] if q["duty_group"] == "CV")
    assert (cv["candidates"], cv["good"], cv["allowed"]) == (3, 5, 1)
    signed = unit_approve(period=year, unit=month.planning, user=alice)
    levels = sorted(e.final_level for e in signed if e.staff.code != month.staff["bob"].code)
    assert levels == ["HTTNV"] * 6 + ["HTXSNV"]
    # Leaders after their units: the leadership is signed last, the head's own by the province
    # approver (DOMAIN.md §1), as for a month.
    unit_approve(period=year, unit=month.leadership_unit, user=alice)
    head_approve(evaluation=year.evaluations.get(staff=month.staff["alice"]), user=pct)
    assert agency_publish(period=year, agency=month.agency_a, user=alice) == 11
    son = year.evaluations.get(staff=month.staff["Sơn"])
    assert son.status == Status.PUBLISHED and son.final_level == "HTXSNV"
    assert any(r["code"] == "quota.kept" for r in son.reasons)
    # The province closes the year: Sở Alpha's published ratings are closed.
    assert period_close(period=year, user=sam)["closed"] == 11
    year.refresh_from_db()
    assert year.status == PeriodStatus.CLOSED
    # December, signed after the year closed, is not part of it: the year is left as it was.
    december, _ = period_open(ruleset_code="ND335-2025", label="2026-12", user=sam)
    assert "year_evaluations" not in period_close(period=december, user=sam)
    assert year.evaluations.get(staff=month.staff["Sơn"]).months_worked == 11


def test_a_month_signed_after_the_year_was_derived_counts_when_the_year_is_signed(month):
    _signed_months(month, MONTHS[:-1])  # January to October signed by 1 December
    run_daily_jobs(today=D(2026, 12, 1))
    year = Period.objects.get(kind="year")
    son = year.evaluations.get(staff=month.staff["Sơn"])
    assert (son.months_worked, son.score) == (10, Decimal("95.00"))
    _signed_months(month, MONTHS[-1:])  # November approved on 7 December
    unit_approve(period=year, unit=month.planning, user=month.user("alice"))
    son.refresh_from_db()
    assert son.status == Status.APPROVED and son.months_worked == 11
    assert "trung bình 11 tháng làm việc" in son.reasons[0]["message"]
    assert "2026-11" in son.reasons[0]["message"]
