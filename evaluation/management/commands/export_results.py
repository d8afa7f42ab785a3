"""Write the official results list of one agency for one period to an .xlsx file.

python manage.py export_results --period 2026-10 --agency SNV -o ket-qua.xlsx
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluation.exports import official_results, official_results_xlsx
from staff.lib.replica import reads_from_replica
from staff.models import Agency


class Command(BaseCommand):
    help = (
        "Xuất danh sách kết quả đánh giá, xếp loại chất lượng (.xlsx) — "
        "export the official results list."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="Kỳ, ví dụ 2026-10 — period label.")
        parser.add_argument("--agency", required=True, help="Mã cơ quan — agency code.")
        parser.add_argument("-o", "--output", required=True, help="Tệp .xlsx — output file.")

    @reads_from_replica()
    def handle(self, *args, **options):
        agency = Agency.objects.filter(code=options["agency"]).first()
        if agency is None:
            raise CommandError(
                f"Không tìm thấy cơ quan “{options['agency']}” — unknown agency", returncode=1
            )
        label = options["period"]
        data = official_results_xlsx(agency=agency, period_label=label)
        path = Path(options["output"])
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"Không ghi được tệp — cannot write {path}: {exc}") from exc
        count = official_results(agency=agency, period_label=label).count()
        self.stdout.write(f"{count} người — people → {path}")
