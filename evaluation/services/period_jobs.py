"""Opening and closing a period as background jobs (Celery; eager without a broker).

The services that do the work stay ``period_open`` / ``period_close``; this module only queues
them for a worker (its task is declared here, beside the service it runs), records who asked,
and keeps the outcome — counts, or the precise error — for the page that polls the job.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from evaluation.errors import WorkflowError
from evaluation.models import Period, PeriodJob, PeriodJobKind, PeriodJobStatus
from evaluation.services.period_close import period_close
from evaluation.services.periods import period_label_parse, period_open, require_province_admin


def period_job_open(*, ruleset_code: str, label: str, user: Any) -> PeriodJob:
    """Queue opening ``label`` for a rule set. The caller's right and the label's form are
    checked now, so a mistake shows on the form instead of in a failed job."""
    require_province_admin(user)
    period_label_parse(label)
    return _queue(
        PeriodJob(kind=PeriodJobKind.OPEN, ruleset_code=ruleset_code, label=label, created_by=user)
    )


def period_job_close(*, period: Period, user: Any) -> PeriodJob:
    """Queue closing ``period`` (the service re-checks it is open and has no open appeal)."""
    require_province_admin(user)
    return _queue(
        PeriodJob(
            kind=PeriodJobKind.CLOSE,
            ruleset_code=period.ruleset.code,
            label=period.label,
            period=period,
            created_by=user,
        )
    )


def _queue(job: PeriodJob) -> PeriodJob:
    job.save()
    transaction.on_commit(lambda: run_period_job.delay(job.pk))
    return job


def period_job_run(job_id: int) -> PeriodJob:
    """Run one queued job (the worker's side). A job runs once: a second delivery of the same
    message finds it no longer queued and leaves it alone."""
    with transaction.atomic():
        job = PeriodJob.objects.select_for_update().get(pk=job_id)
        if job.status != PeriodJobStatus.QUEUED:
            return job
        job.status, job.started_at = PeriodJobStatus.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])
    try:
        if job.kind == PeriodJobKind.OPEN:
            period, created = period_open(
                ruleset_code=job.ruleset_code, label=job.label, user=job.created_by
            )
            job.period, job.result = period, {"created": created}
        else:
            assert job.period is not None
            job.result = period_close(period=job.period, user=job.created_by)
        job.status = PeriodJobStatus.DONE
    except WorkflowError as error:
        job.status, job.error = PeriodJobStatus.FAILED, error.as_dict()
    job.finished_at = timezone.now()
    job.save(update_fields=["period", "result", "error", "status", "finished_at"])
    return job


@shared_task(name="evaluation.tasks.run_period_job")
def run_period_job(job_id: int) -> str:
    """The worker's side of ``_queue``: open or close a period for the whole province."""
    return period_job_run(job_id).status
