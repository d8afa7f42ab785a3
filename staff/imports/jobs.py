"""An upload as a background job: stored as an ``ImportJob``, run by the Celery task below.

    job = import_job_start(data=..., filename=..., user=request.user)   # a dry run, queued
    job = import_job_confirm(job_id=job.pk, user=request.user)          # the real run, queued
    import_job_cancel(job_id=job.pk, user=request.user)                 # drop the bytes

The file's bytes live in the job's row between the preview and the confirmation, so nothing
from the client but the job id is trusted, and a worker needs no shared disk. Without a broker
the task runs eagerly, in the request (``CELERY_TASK_ALWAYS_EAGER``).

The task is declared here, next to the body it runs, rather than in a ``tasks`` module: the
Celery app lists this module in its ``include`` (``config/celery.py``), so a worker registers
it at start; the queue it goes to is ``CELERY_TASK_ROUTES``' entry for its name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.audit import record
from staff.imports.columns import STAFF
from staff.imports.report import ERROR, ImportReport
from staff.imports.services import ImportRefused, import_preview, import_run, resolve_agency
from staff.lib.text import bilingual
from staff.models import ImportJob, ImportJobStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

MAX_JOB_MESSAGES = 200


# The name is what a queued message carries: it stays "staff.tasks.…" (the module that gathers
# the app's tasks for Celery's autodiscovery), like every task of the project.
@shared_task(name="staff.tasks.run_import_job")
def run_import_job(job_id: int) -> None:
    """Run one uploaded staff/unit spreadsheet (``import_job_run``)."""
    import_job_run(job_id)


def import_job_start(
    *,
    data: bytes,
    filename: str,
    user: AbstractBaseUser | None,
    agency_code: str | None = None,
    kind: str = STAFF,
    dry_run: bool = True,
    full: bool = True,
) -> ImportJob:
    """Store the upload as an ``ImportJob`` and queue it (Celery; runs at once when no broker
    is configured). Scope is checked here, so a refused user gets the answer immediately."""
    agency = resolve_agency(user, agency_code)
    job = ImportJob.objects.create(
        created_by=user if user is not None and user.is_authenticated else None,
        agency=agency,
        kind=kind,
        filename=filename[:255],
        data=data,
        dry_run=dry_run,
        full=full,
    )
    run_import_job.delay(job.pk)
    job.refresh_from_db()
    return job


def import_job_run(job_id: int) -> None:
    """The job's body: run the import, saving the stage and percentage as it goes (reading 5 %,
    checking 35 %, writing or previewing 50 %, done 100 %). Progress inside the write
    transaction is not reported row by row: it would not be visible until the commit."""
    job = ImportJob.objects.select_related("agency", "created_by").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING)

    def progress(stage: str, percent: int) -> None:
        # The import reports its stages before it opens the write transaction, so in a worker
        # (autocommit) each update is visible to the polling page at once.
        ImportJob.objects.filter(pk=job.pk).update(stage=stage, progress=percent)

    run = import_preview if job.dry_run else import_run
    try:
        report = run(
            data=bytes(job.data),
            filename=job.filename,
            user=job.created_by,
            agency_code=job.agency.code if job.agency else None,
            kind=job.kind,
            full=job.full,
            progress=progress,
        )
    except ImportRefused as exc:
        # The scope is checked again when the job runs (a role may have ended since the
        # preview): refused, nothing written.
        report = ImportReport(kind=job.kind, dry_run=job.dry_run, file_errors=[str(exc)])
    messages = [f"Lỗi tệp — file error: {e}" for e in report.file_errors]
    messages += [str(e) for e in report.errors]
    error_report = report.error_dataset().export("xlsx") if not report.ok and report.rows else None
    done = {
        "status": ImportJobStatus.DONE if report.ok else ImportJobStatus.FAILED,
        "stage": "done",
        "progress": 100,
        "written": report.written,
        "totals": {**report.totals, "not_in_file_codes": [c for c, _ in report.not_in_file][:500]},
        "messages": messages[:MAX_JOB_MESSAGES],
        "error_report": error_report,
        "preview": report.preview_data(),
        "finished_at": timezone.now(),
    }
    if report.written:
        done["data"] = b""  # the file has served its purpose; do not keep personal data
    ImportJob.objects.filter(pk=job.pk).update(**done)
    if report.written:
        record(
            "staff.imported",
            actor=job.created_by,
            agency=job.agency,
            obj=job,
            after={
                "kind": job.kind,
                "filename": job.filename,
                **{k: v for k, v in report.totals.items() if k != ERROR},
            },
        )


def _owned_job(job_id: int, user: AbstractBaseUser) -> QuerySet[ImportJob]:
    """The job, if it is this user's: somebody else's job is not found, never "forbidden"."""
    return ImportJob.objects.filter(pk=job_id, created_by_id=user.pk)


def import_job_confirm(*, job_id: int, user: AbstractBaseUser) -> ImportJob:
    """Write a previewed upload: only its owner, only once, only a clean preview.

    The claim is one conditional UPDATE, so two clicks (or two tabs) cannot both write; the
    import itself runs again from the stored bytes with every check (all or nothing)."""
    claimed = (
        _owned_job(job_id, user)
        .filter(
            dry_run=True,
            status=ImportJobStatus.DONE,
            confirmed_at__isnull=True,
            cancelled_at__isnull=True,
        )
        .update(
            confirmed_at=timezone.now(),
            dry_run=False,
            status=ImportJobStatus.PENDING,
            stage="",
            progress=0,
        )
    )
    if not claimed:
        raise ImportRefused(
            bilingual(
                _("Lượt nhập này đã được xác nhận, đã hủy hoặc có lỗi; không ghi gì thêm."),
                "this import was already confirmed, cancelled or has errors; nothing written",
            )
        )
    run_import_job.delay(job_id)
    return ImportJob.objects.get(pk=job_id)


def import_job_cancel(*, job_id: int, user: AbstractBaseUser) -> bool:
    """Drop a previewed upload (and its bytes); False when it was already confirmed."""
    return bool(
        _owned_job(job_id, user)
        .filter(confirmed_at__isnull=True, cancelled_at__isnull=True)
        .update(cancelled_at=timezone.now(), data=b"")
    )
