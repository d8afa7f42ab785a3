"""``python manage.py export_rankings --period 2026-10 [--type so] --format csv|xlsx [-o FILE]``.

The provincial ranking as a file, for scripting, with each agency's own rating (score, level,
decision) beside the composite. ``--type`` takes an agency-type code (so,
xa, dvsn in the demo) or its English name (department, …).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboards.agency_ratings import RATING_COLUMNS, with_agency_ratings
from dashboards.exports import to_csv, to_xlsx
from dashboards.frames import COLUMNS
from dashboards.rankings import ranking
from scoring.periods import PeriodFormatError, parse_period
from staff.lib.replica import reads_from_replica
from staff.models import AgencyType

HEADERS = {
    "rank": "Xếp hạng",
    "composite": "Điểm tổng hợp",
    "movement": "Thay đổi hạng",
    **RATING_COLUMNS,
}


class Command(BaseCommand):
    help = "Xuất bảng xếp hạng cơ quan / Export the provincial ranking (csv or xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="YYYY-MM, YYYY-Qn or YYYY")
        parser.add_argument("--ruleset", default="ND335-2025")
        parser.add_argument("--type", dest="agency_type", default=None)
        parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
        parser.add_argument("-o", "--output", default=None, help="file (default: standard output)")

    @reads_from_replica()
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            parse_period(options["period"])
        except PeriodFormatError:
            raise CommandError(
                f"Kỳ không hợp lệ {options['period']!r} / invalid period (YYYY-MM, YYYY-Qn, YYYY)"
            ) from None
        agency_type = self._agency_type(options["agency_type"])
        frame = ranking(
            ruleset_code=options["ruleset"], label=options["period"], agency_type=agency_type
        )
        if frame.empty:
            raise CommandError(
                f"Không có dữ liệu cho kỳ {options['period']} / no data for {options['period']}"
            )
        frame = with_agency_ratings(frame, options["period"])  # the agency's own rating
        columns = list(frame.columns)
        headers = [HEADERS.get(c) or COLUMNS.get(c, (c,))[0] for c in columns]
        records = frame.to_dict(orient="records")
        if options["format"] == "xlsx":
            content = to_xlsx(records, columns, headers, title=f"Xep hang {options['period']}")
        else:
            content = to_csv(records, columns, headers)
        if options["output"]:
            with open(options["output"], "wb") as handle:
                handle.write(content)
            self.stderr.write(f"{len(records)} cơ quan → {options['output']}")
        elif options["format"] == "xlsx":
            sys.stdout.buffer.write(content)
        else:
            self.stdout.write(content.decode("utf-8-sig"), ending="")

    def _agency_type(self, value: str | None) -> str | None:
        if not value:
            return None
        found = (
            AgencyType.objects.filter(code=value).first()
            or AgencyType.objects.filter(name_en__iexact=value).first()
        )
        if found is None:
            known = ", ".join(AgencyType.objects.values_list("code", flat=True))
            raise CommandError(f"Loại cơ quan không có: {value!r} (có: {known}) / unknown type")
        return found.code
