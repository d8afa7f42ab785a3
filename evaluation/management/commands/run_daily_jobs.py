"""``manage.py run_daily_jobs [--date YYYY-MM-DD]``: the daily job (evaluation.services.daily).

Run it once a day from cron (``0 6 * * *``) or let Celery beat run the same job at 06:00
Asia/Ho_Chi_Minh. Safe to run again: every step is idempotent. Exits 1 when a step failed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evaluation.services.daily import quiet_eager_task_logs, run_daily_jobs


class Command(BaseCommand):
    help = (
        "Việc hằng ngày: mở kỳ tháng mới (ngày 1), thêm người mới, nhắc hạn, gửi lại thư chưa "
        "gửi được / The daily job: open the new month, add joiners, remind, retry e-mails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help="Chạy như thể hôm nay là ngày này (YYYY-MM-DD) / run as if today were this date",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"Ngày không hợp lệ {options['date']!r}; cần dạng YYYY-MM-DD"
                ) from None
        with quiet_eager_task_logs():
            report = run_daily_jobs(today=today)
        self.stdout.write(report.summary())
        if report.errors:
            raise SystemExit(1)
