"""The workflow's Celery tasks, gathered where Celery's autodiscovery looks (``<app>.tasks``).

Each task is declared beside the service it runs, so services queue their own tasks without an
import circle; this module only imports them, so that a worker registers them at start. Eager
in the embedded default (no broker).
"""

from evaluation.services.daily import run_daily_jobs_task as run_daily_jobs
from evaluation.services.notifications import send_notification_emails
from evaluation.services.period_jobs import run_period_job

__all__ = ["run_daily_jobs", "run_period_job", "send_notification_emails"]
