"""A quarterly rule set (DOMAIN.md §5: Decree 335 tracks results monthly or quarterly): its
quarters are opened and walked like months — products, self-assessment, manager scoring,
approval, publication, close — it has no months, and its year is derived from its quarters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from evaluation.errors import WorkflowError
from evaluation.models import Evaluation, Notification, Period, Status
from evaluation.rating import _rules_for
from evaluation.services.daily import run_daily_jobs
from evaluation.services.derive import period_derive
from evaluation.services.period_close import period_close
from evaluation.services.periods import period_open
from scoring.models import RuleSet
from scoring.services import ruleset_new_version, ruleset_publish
from tests.evaluation.helpers import publish_alpha


def quarterly_version(month) -> RuleSet:
    """ND335-2025 version 2, the same rules tracked by quarter."""
    sam = month.user("sam")
    current = RuleSet.objects.get(code="ND335-2025", status="published")
    draft = ruleset_new_version(ruleset=current, user=sam)
    draft.cycle = "quarter"
    draft.save()
    return ruleset_publish(ruleset=draft, user=sam)


@pytest.fixture
def quarterly(month) -> Iterator[RuleSet]:
    # Published rules are cached by rule-set id, and ids come back after each test's rollback:
    # the cache must not carry this version's quarterly cycle into another test.
    _rules_for.cache_clear()
    yield quarterly_version(month)
    _rules_for.cache_clear()


def _refused(call, code: str) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        call()
    assert caught.value.code == code, caught.value
    assert caught.value.path == "period"
    return caught.value


def test_a_quarterly_rule_set_opens_quarters_and_refuses_months(month, quarterly):
    sam = month.user("sam")
    error = _refused(
        lambda: period_open(ruleset_code="ND335-2025", label="2026-10", user=sam), "not_a_quarter"
    )
    assert "ND335-2025 đánh giá theo quý: không mở kỳ 2026-10" in error.message
    assert "ví dụ 2026-Q4" in error.message
    assert "evaluates by quarter: 2026-10 is not opened" in error.message_en
    _refused(
        lambda: period_open(ruleset_code="ND335-2025", label="2026", user=sam), "not_a_quarter"
    )
    assert not Period.objects.filter(kind="month").exists()

    period, created = period_open(ruleset_code="ND335-2025", label="2026-Q4", user=sam)
    assert (period.kind, period.ruleset, created) == ("quarter", quarterly, 13)
    assert (period.starts_on, period.ends_on) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    # Deadlines: days of the month after the quarter's last month, as for a month.
    assert (period.self_assessment_due, period.manager_due, period.approval_due) == (
        dt.date(2027, 1, 3),
        dt.date(2027, 1, 5),
        dt.date(2027, 1, 7),
    )
    # Its quarters are opened, never derived from months.
    _refused(lambda: period_derive(ruleset=quarterly, label="2026-Q4", user=sam), "not_derived")


def test_a_monthly_rule_set_still_refuses_quarters(month):
    with pytest.raises(WorkflowError) as caught:
        period_open(ruleset_code="ND335-2025", label="2026-Q4", user=month.user("sam"))
    assert caught.value.code == "not_a_month"


def test_a_whole_quarter_and_the_year_derived_from_the_quarters(month, quarterly):
    sam = month.user("sam")
    q3 = publish_alpha(month, "2026-Q3")
    son = Evaluation.objects.get(period=q3, staff=month.staff["Sơn"])
    # Scored from its own criteria and products (30 + 70), like a month.
    assert son.score == Decimal("100.00") and son.status == Status.PUBLISHED
    codes = [r["code"] for r in son.reasons]
    assert "tasks.products" in codes and "aggregate.mean" not in codes
    counts = period_close(period=q3, user=sam)
    assert "year_evaluations" not in counts and "quarter_evaluations" not in counts
    assert not Period.objects.filter(kind="year").exists()

    q4 = publish_alpha(month, "2026-Q4")
    counts = period_close(period=q4, user=sam)
    assert counts["year_evaluations"] >= 10
    year = Period.objects.get(kind="year", label="2026", ruleset__code="ND335-2025")
    assert year.approval_due == dt.date(2026, 12, 15)
    for evaluation in year.evaluations.select_related("staff"):
        quarters = Evaluation.objects.filter(
            staff=evaluation.staff, period__in=[q3, q4], score__isnull=False
        ).values_list("score", flat=True)
        assert evaluation.score == sum(quarters) / 2, evaluation.staff.code
        # Two quarters worked are six months (DOMAIN.md §4.3): at most HTNV.
        assert evaluation.months_worked == 6
        assert evaluation.status == Status.MANAGER_SCORED
        assert evaluation.reasons[0]["code"] == "aggregate.mean_quarters"
        assert "trung bình 2 quý làm việc (2026-Q3, 2026-Q4)" in evaluation.reasons[0]["message"]
        assert evaluation.proposed_level in ("HTNV", "KHTNV", "")
    # No quarter was derived from months, and no month exists.
    assert set(Period.objects.values_list("kind", flat=True)) == {"quarter", "year"}


def test_the_daily_job_opens_the_quarter_on_its_first_day_and_reminds_its_deadlines(
    month, quarterly
):
    report = run_daily_jobs(today=dt.date(2026, 10, 1))
    assert report.opened == ["ND335-2025 2026-Q4 (13 evaluations)"]
    assert run_daily_jobs(today=dt.date(2026, 10, 1)).opened == []  # once
    assert run_daily_jobs(today=dt.date(2026, 11, 1)).opened == []  # no month under it
    assert not Period.objects.filter(kind="month").exists()
    quarter = Period.objects.get(label="2026-Q4")
    # Reminders 2 days before the quarter's self-assessment deadline (3 January), as for a month.
    day = quarter.self_assessment_due - dt.timedelta(days=2)
    assert day == dt.date(2027, 1, 1)
    run_daily_jobs(today=day)
    key = f"reminder:{quarter.pk}:self:{day.isoformat()}"
    assert Notification.objects.filter(dedup_key=key).count() == 12  # everyone with a login
