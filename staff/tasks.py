"""Celery tasks of the staff app. Without a broker (the embedded default) they run eagerly."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="staff.tasks.run_import_job")
def run_import_job(job_id: int) -> None:
    """Run one uploaded staff/unit spreadsheet (``staff.imports.services.import_job_run``)."""
    from staff.imports.services import import_job_run

    import_job_run(job_id)
