"""Background exports of large dashboard tables (eager when no broker is configured).

The table is read from the read replica when one is configured; the job itself (written a
moment ago by the request) and its progress are read and written on the primary."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from celery import shared_task
from django.core.files.base import ContentFile
from django.utils import timezone

from dashboards.exports import to_csv, to_xlsx
from dashboards.models import ExportJob, ExportStatus
from dashboards.tables import build_table
from staff.lib.replica import reads_from_replica

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 500


@shared_task(name="dashboards.tasks.run_export")
def run_export(job_id: str) -> str:
    """Build the job's table from its spec and write the file, saving progress as rows go."""
    job = ExportJob.objects.get(pk=job_id)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING)
    try:
        with reads_from_replica():
            table = build_table(job.spec)
        ExportJob.objects.filter(pk=job.pk).update(rows=len(table))

        def counted() -> Iterator[dict[str, Any]]:
            for done, record in enumerate(table.records, start=1):
                if done % PROGRESS_EVERY == 0:
                    ExportJob.objects.filter(pk=job.pk).update(done_rows=done)
                yield record

        if job.fmt == "csv":
            body = to_csv(counted(), table.columns, table.headers)
        else:
            body = to_xlsx(counted(), table.columns, table.headers, title=table.name)
        job.refresh_from_db()
        job.file.save(f"{table.name}.{job.fmt}", ContentFile(body), save=False)
        job.status = ExportStatus.DONE
        job.done_rows = job.rows = len(table)
        job.finished_at = timezone.now()
        job.save()
    except Exception as error:  # the page shows the failure instead of spinning forever
        logger.exception("export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
    return str(job.pk)
