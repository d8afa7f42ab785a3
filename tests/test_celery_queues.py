"""Long jobs run on their own queues: a big export must not hold up the month's closing."""

from __future__ import annotations

import pytest

from config.celery import app


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("evaluation.tasks.run_period_job", "jobs"),
        ("staff.imports.jobs.run_import_job", "jobs"),
        ("dashboards.tasks.run_export", "exports"),
        ("evaluation.tasks.run_daily_jobs", "celery"),
    ],
)
def test_each_kind_of_job_goes_to_its_queue(task, queue):
    app.loader.import_default_modules()
    route = app.amqp.router.route({}, task)
    assert route["queue"].name == queue
