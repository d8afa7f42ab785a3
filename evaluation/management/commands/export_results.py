"""Write the official results list of one agency for one period to an .xlsx file.

python manage.py export_results --period 2026-10 --agency SNV -o ket-qua.xlsx
python manage.py export_results --period ND90-VC:2026-10 --agency SNV -o ket-qua-vc.xlsx

One rule set's list: ``--period`` takes the period's key (CODE:label), or a bare label for the
agency's first rule set of that month; the agency's other lists of the month are named.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluation.exports import official_periods, official_results, official_results_xlsx
from evaluation.selectors.periods import period_from_param
from staff.lib.replica import reads_from_replica
from staff.models import Agency


class Command(BaseCommand):
    help = (
        "Xuất danh sách kết quả đánh giá, xếp loại chất lượng (.xlsx) — "
        "export the official results list."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--period",
            required=True,
            help="Kỳ, ví dụ 2026-10 hoặc ND90-VC:2026-10 — period label, or CODE:label for "
            "one of several rule sets' lists of the month.",
        )
        parser.add_argument("--agency", required=True, help="Mã cơ quan — agency code.")
        parser.add_argument("-o", "--output", required=True, help="Tệp .xlsx — output file.")

    @reads_from_replica()
    def handle(self, *args, **options):
        agency = Agency.objects.filter(code=options["agency"]).first()
        if agency is None:
            raise CommandError(
                f"Không tìm thấy cơ quan “{options['agency']}” — unknown agency", returncode=1
            )
        periods = official_periods(agency)
        period = period_from_param(periods, options["period"])
        if period is None:
            raise CommandError(
                f"Cơ quan {agency.code} không có kỳ “{options['period']}” — no such period",
                returncode=1,
            )
        data = official_results_xlsx(agency=agency, period=period)
        path = Path(options["output"])
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"Không ghi được tệp — cannot write {path}: {exc}") from exc
        count = official_results(agency=agency, period=period).count()
        self.stdout.write(
            f"{period.ruleset.code} v{period.ruleset.version} {period.label}: "
            f"{count} người — people → {path}"
        )
        others = [p.key for p in periods if p.label == period.label and p.pk != period.pk]
        if others:
            self.stdout.write(
                "Danh sách khác của tháng này / the month's other lists: --period "
                + ", --period ".join(others)
            )
