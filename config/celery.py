"""Celery application. With no broker configured tasks run eagerly in-process.

Beat runs the daily job at 06:00 in ``CELERY_TIMEZONE`` (Asia/Ho_Chi_Minh). Without a broker,
schedule ``manage.py run_daily_jobs`` from cron instead; it is the same job.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Each app's ``tasks`` module gathers the tasks declared beside their services.
app = Celery("danhgia")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "daily-jobs": {
        "task": "evaluation.tasks.run_daily_jobs",
        "schedule": crontab(hour=6, minute=0),
    },
}
