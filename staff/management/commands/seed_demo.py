"""``python manage.py seed_demo [--staff N] [--seed S]``: the demo province, deterministic and
safe to re-run (see ``staff.demo``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from staff.demo import build_demo_province


class Command(BaseCommand):
    help = "Tạo (hoặc làm mới) tỉnh demo: cơ quan, đơn vị, cán bộ và các tài khoản demo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--staff", type=int, default=600, help="Số cán bộ (mặc định 600).")
        parser.add_argument("--seed", type=int, default=2026, help="Hạt giống ngẫu nhiên.")

    def handle(self, *args, **options) -> None:
        if options["staff"] < 1:
            raise CommandError("--staff phải lớn hơn 0.")
        result = build_demo_province(staff_count=options["staff"], seed=options["seed"])
        self.stdout.write(
            self.style.SUCCESS(
                f"{result['province']}: {result['agencies']} cơ quan, {result['units']} đơn vị, "
                f"{result['staff']} cán bộ, {result['leave_periods']} lần nghỉ, "
                f"{result['transfers']} lần điều động."
            )
        )
        self.stdout.write("Tài khoản demo / demo logins:")
        self.stdout.write(f"  {'username':<12} {'password':<10} {'role':<15} vai trò")
        for login in result["logins"]:
            self.stdout.write(
                f"  {login['username']:<12} {login['password']:<10} {login['role']:<15} "
                f"{login['role_vi']}" + (f" — {login['staff_code']}" if login["staff_code"] else "")
            )
