"""Criteria templates to and from .xlsx (``scoring.template_io``).

    python manage.py template_io export CODE [--version N] -o FILE
    python manage.py template_io import FILE

Export writes the given version (default: the latest). Import creates a NEW DRAFT version of
the code named in the file; it never changes a published version. Exit 1 with every row and
column error on standard output when the file is invalid — then nothing is written.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scoring.models import CriteriaTemplate
from scoring.template_io import TemplateFileInvalid, template_export_xlsx, template_import
from staff.lib.uploads import MAX_UPLOAD_BYTES


class Command(BaseCommand):
    help = "Xuất/nhập mẫu tiêu chí (.xlsx) — export/import criteria templates."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Xuất một phiên bản — export a version.")
        export.add_argument("code")
        export.add_argument("--version", type=int, dest="template_version")
        export.add_argument("-o", "--output", required=True)
        imp = sub.add_parser("import", help="Nhập thành phiên bản nháp mới — import as a draft.")
        imp.add_argument("file")

    def handle(self, *args, **options):
        if options["action"] == "export":
            return self._export(options)
        return self._import(options)

    def _export(self, options):
        versions = CriteriaTemplate._base_manager.filter(code=options["code"])
        if options["template_version"]:
            versions = versions.filter(version=options["template_version"])
        template = versions.order_by("-version").first()
        if template is None:
            raise CommandError(
                f"Không tìm thấy mẫu tiêu chí “{options['code']}” — template not found",
                returncode=1,
            )
        path = Path(options["output"])
        try:
            path.write_bytes(template_export_xlsx(template=template))
        except OSError as exc:
            raise CommandError(f"Không ghi được tệp — cannot write {path}: {exc}") from exc
        self.stdout.write(f"{template.code} v{template.version} → {path}")

    def _import(self, options):
        path = Path(options["file"])
        try:
            if path.stat().st_size > MAX_UPLOAD_BYTES:
                raise CommandError(f"Tệp quá lớn — file too large: {path}", returncode=1)
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp — cannot read {path}: {exc}") from exc
        try:
            template = template_import(data=data, filename=path.name)
        except TemplateFileInvalid as exc:
            for error in exc.errors:
                self.stdout.write(str(error))
            raise CommandError(
                f"{len(exc.errors)} lỗi, không ghi gì — errors found, nothing written",
                returncode=1,
            ) from exc
        self.stdout.write(
            f"Đã tạo bản nháp {template.code} v{template.version} — draft created; "
            "công bố trong trang quản trị — publish it in the admin."
        )
