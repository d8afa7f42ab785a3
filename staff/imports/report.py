"""What an import found: one ``RowReport`` per data row, its ``RowError``s, and the
``ImportReport`` that gathers them with the file's own errors and the people not in the file.

The report is the only thing the callers see, so it carries its renderings: ``as_text`` for the
``import_staff`` command and the logs, ``error_dataset`` for the downloadable error report and
``preview_data`` for the import page (stored as JSON in ``ImportJob.preview``).

Row numbers are the spreadsheet's (1-based, the header and any title rows counted), so that the
HR officer finds the row the message names.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import tablib

from staff.lib.spreadsheets import neutralise

if TYPE_CHECKING:
    from staff.models import Agency

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Dòng {self.row}" + (f", cột “{self.column}”" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class RowReport:
    row: int
    code: str
    status: str = NEW
    changes: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    values: list[object] = field(default_factory=list)


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    headers: list[str] = field(default_factory=list)
    rows: list[RowReport] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    not_in_file: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    agency: Agency | None = None
    written: bool = False

    @property
    def errors(self) -> list[RowError]:
        return [e for r in self.rows for e in r.errors]

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(r.errors for r in self.rows)

    @property
    def totals(self) -> dict[str, int]:
        counts = Counter(r.status for r in self.rows)
        return {
            "total": len(self.rows),
            NEW: counts[NEW],
            CHANGED: counts[CHANGED],
            UNCHANGED: counts[UNCHANGED],
            ERROR: counts[ERROR],
            "not_in_file": len(self.not_in_file),
        }

    def as_text(self, *, limit: int = 1000) -> str:
        """The report for a terminal or a log: file errors, row errors, totals, not in file."""
        lines = [f"Lỗi tệp — file error: {e}" for e in self.file_errors]
        errors = self.errors
        lines += [str(e) for e in errors[:limit]]
        if len(errors) > limit:
            lines.append(f"… và {len(errors) - limit} lỗi khác — and {len(errors) - limit} more")
        t = self.totals
        lines.append(
            f"Tổng — totals: {t['total']} dòng/rows; mới/new {t[NEW]}; thay đổi/changed "
            f"{t[CHANGED]}; không đổi/unchanged {t[UNCHANGED]}; lỗi/errors {t[ERROR]}; "
            f"không có trong tệp/not in file {t['not_in_file']}"
        )
        for code, name in self.not_in_file[:limit]:
            lines.append(f"Không có trong tệp — not in file: {code} {name}")
        if self.written:
            lines.append("Đã ghi — written.")
        elif self.dry_run:
            lines.append("Chạy thử, chưa ghi — dry run, nothing written.")
        else:
            lines.append("Không ghi gì — nothing written.")
        return "\n".join(lines)

    def error_dataset(self) -> tablib.Dataset:
        """The original rows plus an error column (the downloadable error report)."""
        ds = tablib.Dataset(headers=["Dòng", *self.headers, "Lỗi"])
        for r in self.rows:
            if r.errors:
                message = "; ".join(
                    (f"{e.column}: " if e.column else "") + e.message for e in r.errors
                )
                # The original cells may hold "=…" read as text: written back, they must not
                # become live formulas in the report.
                ds.append([r.row, *(neutralise(v) for v in r.values), neutralise(message)])
        return ds

    def preview_data(self, *, limit: int = 1000) -> dict:
        """The preview table for the web page, JSON-ready: errors first, then changed, new and
        unchanged rows, each in sheet order, at most ``limit`` rows; and "not in file"."""
        order = {ERROR: 0, CHANGED: 1, NEW: 2, UNCHANGED: 3}
        rows = sorted(self.rows, key=lambda r: (order.get(r.status, 9), r.row))[:limit]
        return {
            "rows": [
                {
                    "row": r.row,
                    "code": r.code,
                    "status": r.status,
                    "changes": list(r.changes),
                    "errors": [{"column": e.column, "message": e.message} for e in r.errors],
                }
                for r in rows
            ],
            "not_in_file": [list(pair) for pair in self.not_in_file[:limit]],
            "file_errors": list(self.file_errors),
        }
