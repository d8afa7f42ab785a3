"""Import a staff (or, with --units, a unit) spreadsheet from the command line.

    python manage.py import_staff FILE [--dry-run] [--agency CODE] [--units] [--partial]

Exit 0 when the file was written (or a dry run is clean); exit 1 with the report on standard
output when any row is invalid — and then nothing was written. A bad file (wrong type, damaged
zip, empty) is a report line, never a traceback. Runs as the system (province-wide) unless
--agency restricts it; the rules are those of ``staff.imports.services`` and ``.checks``.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from staff.imports.columns import STAFF, UNITS
from staff.imports.services import ImportRefused, import_preview, import_run
from staff.lib.uploads import MAX_UPLOAD_BYTES


class Command(BaseCommand):
    help = "Nhập danh sách cán bộ (hoặc đơn vị) từ tệp .xlsx/.csv — import staff or units."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Chạy thử — check only.")
        parser.add_argument("--agency", help="Mã cơ quan — restrict to one agency.")
        parser.add_argument("--units", action="store_true", help="Tệp đơn vị — a unit file.")
        parser.add_argument(
            "--partial",
            action="store_true",
            help="Tệp không đủ cả cơ quan: không liệt kê người vắng — not a full-agency file.",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            if path.stat().st_size > MAX_UPLOAD_BYTES:
                raise CommandError(f"Tệp quá lớn — file too large: {path}", returncode=1)
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp — cannot read {path}: {exc}") from exc
        run = import_preview if options["dry_run"] else import_run
        try:
            report = run(
                data=data,
                filename=path.name,
                agency_code=options["agency"],
                kind=UNITS if options["units"] else STAFF,
                full=not options["partial"],
            )
        except ImportRefused as exc:
            raise CommandError(str(exc), returncode=1) from exc
        self.stdout.write(report.as_text())
        if not report.ok:
            raise CommandError(
                f"{len(report.errors) + len(report.file_errors)} lỗi, không ghi gì — "
                "errors found, nothing written",
                returncode=1,
            )
