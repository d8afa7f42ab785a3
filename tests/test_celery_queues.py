"""Long jobs run on their own queues: a big export must not hold up the month's closing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.celery import app

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("evaluation.tasks.run_period_job", "jobs"),
        ("staff.tasks.run_import_job", "jobs"),
        ("dashboards.tasks.run_export", "exports"),
        ("evaluation.tasks.run_daily_jobs", "celery"),
    ],
)
def test_each_kind_of_job_goes_to_its_queue(task, queue):
    app.loader.import_default_modules()
    route = app.amqp.router.route({}, task)
    assert route["queue"].name == queue


def test_a_worker_registers_every_task_at_start():
    # A fresh process, as a worker starts: Django set up, then Celery's autodiscovery of the
    # apps' ``tasks`` modules. With ``celery worker --skip-checks`` the URLconf (which imports
    # the services that declare the tasks) is never loaded, so only ``<app>.tasks`` can.
    names = [
        "evaluation.tasks.run_period_job",
        "evaluation.tasks.run_daily_jobs",
        "evaluation.tasks.send_notification_emails",
        "staff.tasks.run_import_job",
        "dashboards.tasks.run_export",
    ]
    code = (
        "import django; django.setup()\n"
        "from config.celery import app\n"
        "app.loader.import_default_modules()\n"
        f"print(all(name in app.tasks for name in {names!r}))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "CELERY_SKIP_CHECKS": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "True"
