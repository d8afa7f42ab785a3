"""Load the standard templates and rule sets version by version (``fixtures/scoring_standard.json``
unless files are given), never touching a version already in the database.

    python manage.py load_standard_rules [FILE ...] [--published-by YYYY-MM-DD]

A (code, version) of a template or rule set that the database lacks is created with all its rows
(groups, criteria, adjustment items, level conditions, caps) in one transaction; one already
there — published and perhaps used by periods, or a draft someone is editing — is left exactly
as it is and reported "đã có, giữ nguyên / already present, unchanged". So a changed rule
ships as a new version in the fixture and history is never rewritten (plain ``loaddata`` over a
published version is refused by ``scoring.receivers.refuse_raw_rewrite``). ``scripts/run`` runs
this at every start. ``--published-by`` loads only the versions published by that day (the
standard rules as they stood then: the tests written for the rules of 1 January 2026 use it).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from scoring.models import CriteriaTemplate, RuleSet
from scoring.receivers import raw_versions_forgotten

# The version header each fixture model belongs to, and the field naming it on a part.
HEADERS: dict[str, type] = {
    "scoring.criteriatemplate": CriteriaTemplate,
    "scoring.ruleset": RuleSet,
}
PARTS: dict[str, tuple[str, str]] = {
    "scoring.criteriongroup": ("scoring.criteriatemplate", "template"),
    "scoring.criterion": ("scoring.criteriatemplate", "template"),
    "scoring.adjustmentitem": ("scoring.criteriatemplate", "template"),
    "scoring.levelcondition": ("scoring.criteriatemplate", "template"),
    "scoring.caprule": ("scoring.ruleset", "ruleset"),
}

Key = tuple[str, str, int]  # (header model, code, version)


def default_files() -> list[Path]:
    return [Path(settings.FIXTURE_DIRS[0]) / "scoring_standard.json"]


def version_groups(objects: list[dict[str, Any]], source: str) -> dict[Key, list[dict[str, Any]]]:
    """The file's objects by the version they belong to, header first, in the file's order."""
    groups: dict[Key, list[dict[str, Any]]] = {}
    for index, obj in enumerate(objects):
        model, fields = obj.get("model", ""), obj.get("fields", {})
        if "pk" in obj:
            raise CommandError(f"{source} #{index}: dùng khóa tự nhiên, không pk / no pk")
        if model in HEADERS:
            key: Key = (model, fields["code"], int(fields["version"]))
            groups.setdefault(key, []).insert(0, obj)
        elif model in PARTS:
            header, field = PARTS[model]
            code, version = fields[field][:2]
            groups.setdefault((header, code, int(version)), []).append(obj)
        else:
            raise CommandError(f"{source} #{index}: không nhận mô hình / unknown model {model!r}")
    for (model, code, version), rows in groups.items():
        if rows[0]["model"] != model:
            raise CommandError(
                f"{source}: {code} v{version} thiếu dòng phiên bản / has no version row"
            )
    return groups


def published_by(header: dict[str, Any], until: dt.date) -> bool:
    """Whether a version row was published on or before ``until`` (drafts never are)."""
    published_at = header["fields"].get("published_at")
    if header["fields"].get("status") != "published" or not published_at:
        return False
    return dt.datetime.fromisoformat(published_at).date() <= until


def load_version(rows: list[dict[str, Any]]) -> int:
    """Create one version's rows in one transaction (deserialised one by one, so a criterion's
    group is found once the group is saved). Returns the number of rows written."""
    with raw_versions_forgotten(), transaction.atomic():
        count = 0
        for obj in serializers.deserialize(
            "json", json.dumps(rows), handle_forward_references=False
        ):
            obj.save()
            count += 1
    return count


class Command(BaseCommand):
    help = (
        "Nạp mẫu tiêu chí, bộ quy tắc chuẩn theo từng phiên bản; phiên bản đã có giữ nguyên. "
        "/ Load the standard templates and rule sets version by version; present ones unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="Tệp JSON (mặc định: scoring_standard.json)")
        parser.add_argument(
            "--published-by",
            type=dt.date.fromisoformat,
            help="Chỉ các phiên bản công bố đến ngày này / only versions published by this day",
        )

    def handle(self, *args, **options):
        files = [Path(f) for f in options["files"]] or default_files()
        until: dt.date | None = options.get("published_by")
        quiet = options.get("verbosity", 1) == 0
        added = kept = 0
        for path in files:
            try:
                objects = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise CommandError(f"{path}: {error}") from None
            for (model, code, version), rows in version_groups(objects, str(path)).items():
                name = f"{code} v{version}"
                if until is not None and not published_by(rows[0], until):
                    continue
                if HEADERS[model]._base_manager.filter(code=code, version=version).exists():
                    kept += 1
                    if not quiet:
                        self.stdout.write(
                            f"  = {name}: đã có, giữ nguyên / already present, unchanged"
                        )
                    continue
                try:
                    count = load_version(rows)
                except (
                    ObjectDoesNotExist,
                    ValidationError,
                    serializers.base.DeserializationError,
                ) as error:
                    raise CommandError(f"{name}: {error}") from None
                added += 1
                if not quiet:
                    rows_en = "1 row" if count == 1 else f"{count} rows"
                    self.stdout.write(f"  + {name}: đã thêm {count} dòng / added, {rows_en}")
        if not quiet:
            self.stdout.write(
                f"Bộ quy tắc chuẩn: thêm {added} phiên bản, giữ nguyên {kept} "
                f"/ Standard rules: {added} versions added, {kept} already present, unchanged"
            )
