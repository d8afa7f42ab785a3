"""The daily job: it opens the month on the 1st, adds joiners, reminds whoever still owes a step
(once per deadline per day) and is safe to run again."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from evaluation.models import Evaluation, Notification, Period
from evaluation.services.approval import unit_approve
from evaluation.services.daily import run_daily_jobs
from staff.models import AuditEntry
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import manager_score, open_month, self_assess
from tests.factories import StaffMemberFactory, UserFactory

D = dt.date


def _reminded(**filters) -> list[str]:
    return sorted(
        Notification.objects.filter(kind="reminder", **filters).values_list(
            "recipient__username", flat=True
        )
    )


def test_it_opens_the_month_on_the_first_as_the_scheduled_job(month):
    report = run_daily_jobs(today=D(2026, 11, 1))
    period = Period.objects.get(label="2026-11")
    assert report.opened == ["ND335-2025 2026-11 (13 evaluations)"]
    assert period.evaluations.count() == 13 and period.opened_by is None
    assert AuditEntry.objects.get(action="period.opened").actor is None
    # HN-3814 is published but covers no agency: nothing is opened for it.
    assert list(Period.objects.values_list("ruleset__code", flat=True)) == ["ND335-2025"]
    again = run_daily_jobs(today=D(2026, 11, 1))
    assert again.opened == [] and Evaluation.objects.count() == 13


def test_it_opens_nothing_on_other_days(month):
    assert run_daily_jobs(today=D(2026, 11, 2)).opened == []
    assert not Period.objects.exists()


def test_it_adds_staff_who_joined_since(month):
    period = open_month(month, "2026-11")
    StaffMemberFactory(
        code="A99", unit=month.planning, manager=month.staff["bob"], joined_on=D(2026, 11, 10)
    )
    report = run_daily_jobs(today=D(2026, 11, 12))
    assert report.joiners == 1
    assert period.evaluations.filter(staff__code="A99").exists()
    assert run_daily_jobs(today=D(2026, 11, 13)).joiners == 0


@pytest.fixture
def october(month):
    """2026-10 under way: Sơn scored by Bob, Tâm self-assessed, everyone else still drafting."""
    period = open_month(month, "2026-10")
    self_assess(month, STAFF_NAMES[0], period)
    manager_score(month, "bob", STAFF_NAMES[0], period)
    self_assess(month, STAFF_NAMES[1], period)
    return period


def test_reminders_go_to_the_people_still_drafting_once_a_day(month, october):
    two_days_before = october.self_assessment_due - dt.timedelta(days=2)
    report = run_daily_jobs(today=two_days_before)
    drafting = sorted(
        Evaluation.objects.filter(
            period=october, status="draft", staff__user__isnull=False
        ).values_list("staff__user__username", flat=True)
    )
    assert "cv1" not in drafting and "cv2" not in drafting  # Sơn and Tâm are done
    assert _reminded() == drafting
    assert report.reminders == len(drafting)
    # Bea has no account: no one to remind. A rerun the same day sends nothing again.
    assert run_daily_jobs(today=two_days_before).reminders == 0
    assert _reminded() == drafting
    # The day in between is quiet.
    assert run_daily_jobs(today=two_days_before + dt.timedelta(days=1)).reminders == 0
    # The deadline itself reminds again (the manager's reminder, 2 days before theirs, too).
    run_daily_jobs(today=october.self_assessment_due)
    key = f"reminder:{october.pk}:self:{october.self_assessment_due.isoformat()}"
    assert _reminded(dedup_key=key) == drafting


def test_the_manager_is_reminded_of_what_waits_for_them(month, october):
    day = october.manager_due - dt.timedelta(days=2)
    assert day == october.self_assessment_due  # drafts are not the manager's yet on that day
    run_daily_jobs(today=day)
    key = f"reminder:{october.pk}:manager:{day.isoformat()}"
    assert _reminded(dedup_key=key) == ["bob"]  # Tâm, self-assessed
    assert "1 phiếu" in Notification.objects.get(dedup_key=key).body

    # After the self-assessment deadline, the drafts are the manager's to score too.
    run_daily_jobs(today=october.manager_due)
    key = f"reminder:{october.pk}:manager:{october.manager_due.isoformat()}"
    reminders = Notification.objects.filter(dedup_key=key)
    by_user = dict(reminders.values_list("recipient__username", "body"))
    assert "6 phiếu" in by_user["bob"]  # Tâm + the five still drafting
    assert {"alice", "dave", "bob", "charlie"} <= set(by_user)
    assert "cv1" not in by_user


def test_the_approvers_are_reminded_of_scored_evaluations(month, october):
    day = october.approval_due - dt.timedelta(days=2)
    run_daily_jobs(today=day)
    key = f"reminder:{october.pk}:approval:{day.isoformat()}"
    assert _reminded(dedup_key=key) == ["alice", "dave"]  # Sở Alpha's head and delegate
    unit_approve(period=october, unit=month.planning, user=month.user("alice"))
    run_daily_jobs(today=october.approval_due)
    key = f"reminder:{october.pk}:approval:{october.approval_due.isoformat()}"
    assert _reminded(dedup_key=key) == []  # nothing left to approve


def test_a_closed_month_reminds_nobody(month, october):
    from evaluation.services.period_close import period_close

    period_close(period=october, user=month.user("sam"))
    assert run_daily_jobs(today=october.self_assessment_due).reminders == 0


def test_the_command_prints_one_line(month):
    UserFactory(username="unused")
    out = StringIO()
    call_command("run_daily_jobs", "--date", "2026-11-01", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines == [
        "2026-11-01: opened ND335-2025 2026-11 (13 evaluations); 0 joiners added; "
        "0 reminders; 0 e-mails sent"
    ]


def test_the_command_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("run_daily_jobs", "--date", "1/11/2026")


def test_the_celery_task_runs_the_same_job_and_is_scheduled_daily(month):
    from config.celery import app
    from evaluation.tasks import run_daily_jobs as task

    result = task.delay("2026-11-01").get()
    assert result["opened"] == ["ND335-2025 2026-11 (13 evaluations)"]
    entry = app.conf.beat_schedule["daily-jobs"]
    assert entry["task"] == task.name == "evaluation.tasks.run_daily_jobs"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({6}, {0})
    assert app.conf.timezone == "Asia/Ho_Chi_Minh"
