"""``python manage.py rate FILE.json`` (or ``-`` for standard input): the offline simulator.

Rates a batch with a published rule set from the database and prints JSON; writes nothing.
Bad input exits with status 2 and one line naming the JSON path, in Vietnamese and English.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from scoring.selectors import ruleset_simulate
from scoring.simulator import SimulationError


class Command(BaseCommand):
    help = (
        "Xếp loại thử một lô cán bộ theo bộ quy tắc, in kết quả JSON, không ghi gì vào CSDL. "
        "/ Rate a batch offline with a rule set and print JSON; writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON file, or - for standard input")
        parser.add_argument(
            "--ruleset-version", type=int, default=None, help="version (default: latest published)"
        )
        parser.add_argument("--indent", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        data = self._read(options["file"])
        code = data.get("ruleset") if isinstance(data, dict) else None
        try:
            output = ruleset_simulate(code=code, data=data, version=options["ruleset_version"])
        except SimulationError as error:
            self._fail(str(error))
        indent = options["indent"] or None
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=indent))

    def _read(self, name: str) -> Any:
        try:
            if name == "-":
                text = sys.stdin.read()
            else:
                with open(name, encoding="utf-8-sig") as handle:
                    text = handle.read()
        except OSError as error:
            self._fail(f"không đọc được tệp {name!r} ({error.strerror}) / cannot read {name!r}")
        except UnicodeDecodeError:
            self._fail(f"tệp {name!r} không phải UTF-8 / {name!r} is not UTF-8 text")
        try:
            return json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as error:
            self._fail(
                f"JSON không hợp lệ ở dòng {error.lineno}, cột {error.colno}: {error.msg} / "
                f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
            )

    def _fail(self, message: str) -> None:
        self.stderr.write(f"Lỗi / Error: {message}")
        sys.exit(2)
