"""Opening and closing a month as background jobs: queued after commit, run once, outcome kept."""

from __future__ import annotations

import pytest

from evaluation.errors import WorkflowError
from evaluation.models import Evaluation, PeriodJob, PeriodJobStatus, PeriodStatus
from evaluation.services.period_jobs import period_job_close, period_job_open, period_job_run


def test_opening_is_queued_after_commit_and_creates_every_evaluation(
    month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = period_job_open(ruleset_code="ND335-2025", label="2026-10", user=month.user("sam"))
        assert Evaluation.objects.count() == 0  # nothing happens before the commit
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == PeriodJobStatus.DONE
    assert job.result == {"created": 13}
    assert job.period.label == "2026-10"
    assert job.period.evaluations.count() == 13
    assert job.started_at <= job.finished_at


def test_a_job_runs_once_even_if_the_message_comes_twice(month, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = period_job_open(ruleset_code="ND335-2025", label="2026-10", user=month.user("sam"))
    finished = PeriodJob.objects.get(pk=job.pk).finished_at
    assert period_job_run(job.pk).finished_at == finished


def test_only_the_province_admin_queues_and_a_bad_label_is_refused_at_once(month):
    with pytest.raises(WorkflowError) as refused:
        period_job_open(ruleset_code="ND335-2025", label="2026-10", user=month.user("alice"))
    assert refused.value.status == 403
    with pytest.raises(WorkflowError) as bad:
        period_job_open(ruleset_code="ND335-2025", label="2026-13", user=month.user("sam"))
    assert bad.value.status == 400 and bad.value.path
    assert PeriodJob.objects.count() == 0


def test_a_refused_step_is_kept_on_the_job_with_its_vietnamese_message(
    month, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = period_job_open(ruleset_code="KHONG-CO", label="2026-10", user=month.user("sam"))
    job.refresh_from_db()
    assert job.status == PeriodJobStatus.FAILED
    assert job.error["code"] == "unknown_ruleset"
    assert "bộ quy tắc" in job.error["message"] and "rule set" in job.error["message_en"]


def test_closing_is_a_job_too(month, django_capture_on_commit_callbacks):
    sam = month.user("sam")
    with django_capture_on_commit_callbacks(execute=True):
        opened = period_job_open(ruleset_code="ND335-2025", label="2026-10", user=sam)
    opened.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        job = period_job_close(period=opened.period, user=sam)
    job.refresh_from_db()
    assert job.status == PeriodJobStatus.DONE
    assert job.period.status == PeriodStatus.CLOSED
    assert "snapshots" in job.result
