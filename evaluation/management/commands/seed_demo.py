"""``python manage.py seed_demo [--staff N] [--seed S] [--no-evaluations]``: the demo province,
deterministic and safe to re-run (see ``staff.demo``), then its months of evaluations made by
the real services: last month done and closed, this month under way (see ``evaluation.demo``).

It lives in the workflow app because it builds both floors: the province (staff) and the months."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evaluation.demo import build_demo_months
from evaluation.services.daily import quiet_eager_task_logs
from staff.demo import build_demo_province


class Command(BaseCommand):
    help = (
        "Tạo (hoặc làm mới) tỉnh demo: cơ quan, đơn vị, cán bộ, các tài khoản demo, và phiếu "
        "đánh giá tháng trước (đã khóa) và tháng này (đang làm)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--staff", type=int, default=600, help="Số cán bộ (mặc định 600).")
        parser.add_argument("--seed", type=int, default=2026, help="Hạt giống ngẫu nhiên.")
        parser.add_argument(
            "--no-evaluations",
            action="store_true",
            help="Chỉ tạo tổ chức và cán bộ, không tạo phiếu đánh giá / skip the demo months.",
        )

    def handle(self, *args, **options) -> None:
        if options["staff"] < 1:
            raise CommandError("--staff phải lớn hơn 0.")
        started = time.monotonic()
        result = build_demo_province(staff_count=options["staff"], seed=options["seed"])
        self.stdout.write(
            self.style.SUCCESS(
                f"{result['province']}: {result['agencies']} cơ quan, {result['units']} đơn vị, "
                f"{result['staff']} cán bộ, {result['leave_periods']} lần nghỉ, "
                f"{result['transfers']} lần điều động."
            )
        )
        if not options["no_evaluations"]:
            with quiet_eager_task_logs():
                months = build_demo_months(seed=options["seed"])
            prev, cur = months["previous"], months["current"]
            self.stdout.write(
                self.style.SUCCESS(
                    f"Kỳ {prev['label']}: đã khóa ({prev['published']} kết quả công khai lần "
                    f"này). Kỳ {cur['label']}: đang mở — {cur['self_assessed']} phiếu tự đánh "
                    f"giá, {cur['manager_scored']} phiếu quản lý đã chấm lần này "
                    f"({time.monotonic() - started:.1f} s)."
                )
            )
        self.stdout.write("Tài khoản demo / demo logins:")
        self.stdout.write(f"  {'username':<12} {'password':<10} {'role':<15} vai trò")
        for login in result["logins"]:
            self.stdout.write(
                f"  {login['username']:<12} {login['password']:<10} {login['role']:<15} "
                f"{login['role_vi']}" + (f" — {login['staff_code']}" if login["staff_code"] else "")
            )
            if login["backup_codes"]:
                self.stdout.write(
                    f"  {'':<12} mã dự phòng xác thực hai lớp / 2FA backup codes (một lần / "
                    f"single use): {' '.join(login['backup_codes'])}"
                )
