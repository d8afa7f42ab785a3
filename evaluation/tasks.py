"""Celery tasks of the evaluation app (eager in the embedded default)."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task
def send_notification_emails(ids: list[int]) -> int:
    from evaluation.services.notifications import send_emails

    return send_emails(ids)


@shared_task(name="evaluation.tasks.run_daily_jobs")
def run_daily_jobs(date: str | None = None) -> dict[str, Any]:
    """The daily job (``manage.py run_daily_jobs``), for Celery beat; returns its report."""
    import datetime as dt

    from evaluation.services.daily import run_daily_jobs as run

    return run(today=dt.date.fromisoformat(date) if date else None).as_dict()


@shared_task(name="evaluation.tasks.run_period_job")
def run_period_job(job_id: int) -> str:
    """Open or close a period for the whole province (``evaluation.services.period_jobs``)."""
    from evaluation.services.period_jobs import period_job_run

    return period_job_run(job_id).status
