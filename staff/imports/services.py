"""Import services: preview (dry run) and confirmed import of staff and unit spreadsheets.

    report = import_preview(data=..., filename=..., user=request.user)      # nothing written
    report = import_run(data=..., filename=..., user=request.user)          # all or nothing

Rules (issue 6):
- every row is checked before anything is written; one invalid row and nothing is written;
  a confirmed import is one transaction;
- importing the same file twice changes nothing (unchanged rows are skipped, not re-saved);
- a changed unit is a transfer (``staff.services.staff_transfer``), so the history is kept;
- people of the agency who are not in a full-agency file are listed, never deleted;
- an HR officer imports only into their own agency (``staff.access.scope_for``).

Row numbers in messages are the spreadsheet's (1-based, the header and any title rows counted).
Per-cell problems (bad date, unknown unit or category, missing value) come from the resource's
widgets; cross-row ones (duplicates, managers, e-mails, another agency's people) from here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import tablib
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from staff.access import scope_for
from staff.imports import columns as cols
from staff.imports.reader import FileError, Table, read_table
from staff.imports.resources import StaffMemberResource, UnitResource, bilingual
from staff.lib.spreadsheets import neutralise
from staff.lib.uploads import Limits, UnsafeFile, check_upload
from staff.models import Agency, StaffMember, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"
STAFF, UNITS = "staff", "units"
CHUNK = 5000


class ImportRefused(Exception):
    """The import may not run at all (scope, unknown agency); ``str()`` is the message."""


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


# --- entry points --------------------------------------------------------------------------


def import_preview(
    *,
    data: bytes,
    filename: str,
    user: AbstractBaseUser | None = None,
    agency_code: str | None = None,
    kind: str = STAFF,
    full: bool = True,
    limits: Limits | None = None,
) -> ImportReport:
    """Dry run: every row classified as new / changed / unchanged / error; nothing written."""
    return _import(
        data=data,
        filename=filename,
        user=user,
        agency_code=agency_code,
        kind=kind,
        full=full,
        limits=limits,
        dry_run=True,
    )


def import_run(
    *,
    data: bytes,
    filename: str,
    user: AbstractBaseUser | None = None,
    agency_code: str | None = None,
    kind: str = STAFF,
    full: bool = True,
    effective_on: dt.date | None = None,
    reason: str = "",
    limits: Limits | None = None,
) -> ImportReport:
    """Confirmed import: one transaction, written only if every row is valid."""
    return _import(
        data=data,
        filename=filename,
        user=user,
        agency_code=agency_code,
        kind=kind,
        full=full,
        limits=limits,
        dry_run=False,
        effective_on=effective_on,
        reason=reason or _("Nhập từ tệp %(name)s") % {"name": filename},
    )


# --- the work ------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def resolve_agency(user: AbstractBaseUser | None, agency_code: str | None) -> Agency | None:
    """The agency the import is restricted to; None = province-wide (admin or command line).

    A user who may not manage that agency's staff gets the same message as for an unknown code
    (out of scope is "not found", never a confirmation that it exists)."""
    not_found = ImportRefused(
        bilingual(
            _("Không tìm thấy cơ quan “%(code)s” trong phạm vi được giao.") % {"code": agency_code},
            f"agency “{agency_code}” not found in your scope",
        )
    )
    scope = scope_for(user) if user is not None else None
    if agency_code:
        agency = Agency.objects.filter(code=agency_code).first()
        if agency is None or (scope is not None and not scope.can_manage_staff_of(agency.pk)):
            raise not_found
        return agency
    if scope is None or scope.writes_province:
        return None
    if len(scope.hr_agency_ids) == 1:
        return Agency.objects.get(pk=next(iter(scope.hr_agency_ids)))
    if scope.hr_agency_ids:
        raise ImportRefused(
            bilingual(_("Hãy chọn cơ quan cần nhập."), "choose the agency to import into")
        )
    raise ImportRefused(
        bilingual(_("Bạn không có quyền nhập danh sách cán bộ."), "you may not import staff lists")
    )


def _import(
    *,
    data,
    filename,
    user,
    agency_code,
    kind,
    full,
    limits,
    dry_run,
    effective_on=None,
    reason="",
    progress=None,
) -> ImportReport:
    report = ImportReport(kind=kind, dry_run=dry_run)
    report.agency = resolve_agency(user, agency_code)
    layout = cols.STAFF_COLUMNS if kind == STAFF else cols.UNIT_COLUMNS
    step = progress or (lambda stage, percent: None)
    step("reading", 5)
    try:
        file_kind = check_upload(data, filename, limits)
        table = read_table(data, file_kind, layout)
    except (UnsafeFile, FileError) as exc:
        report.file_errors.append(str(exc))
        return report
    report.headers = table.headers
    index = {h: i for i, h in enumerate(table.headers)}
    code_col = index[layout[0].header]
    report.rows = [
        RowReport(row=number, code=str(values[code_col]), values=values)
        for number, values in table.rows
    ]
    if not report.rows:
        report.file_errors.append(bilingual(_("Tệp không có dòng dữ liệu nào."), "no data rows"))
        return report

    step("checking", 35)
    if kind == STAFF:
        resource = StaffMemberResource(
            agency=report.agency,
            user=user,
            effective_on=effective_on,
            reason=reason,
            checked=True,
        )
        _check_staff(report, table, index)
        if full:
            report.not_in_file = _not_in_file(report, table, index)
    else:
        resource = UnitResource(agency=report.agency, user=user, checked=True)
        _check_units(report, table, index)
        table.rows = _parents_first(table, index)

    dataset = tablib.Dataset(*[values for _, values in table.rows], headers=table.headers)
    sheet_row = [number for number, _ in table.rows]
    write = not dry_run and report.ok
    step("writing" if write else "previewing", 50)
    try:
        with transaction.atomic():
            result = resource.import_data(
                dataset, dry_run=not write, use_transactions=True, raise_errors=False
            )
            _merge_result(report, resource, result, sheet_row)
            if not write or not report.ok:
                raise _Rollback
    except _Rollback:
        pass
    else:
        report.written = True
    return report


def _merge_result(report: ImportReport, resource, result, sheet_row: list[int]) -> None:
    by_row = {r.row: r for r in report.rows}
    header_of = {f.attribute: f.column_name for f in resource.fields.values() if f.attribute}
    for invalid in result.invalid_rows:
        row = by_row[sheet_row[invalid.number - 1]]
        for attr, messages in invalid.field_specific_errors.items():
            for message in messages:
                row.errors.append(RowError(row.row, header_of.get(attr, attr), str(message)))
        for message in invalid.non_field_specific_errors:
            row.errors.append(RowError(row.row, "", str(message)))
    for number, errors in result.row_errors():
        row = by_row[sheet_row[number - 1]]
        for err in errors:
            row.errors.append(
                RowError(
                    row.row,
                    "",
                    bilingual(_("Lỗi không xử lý được"), f"unexpected error: {err.error}"),
                )
            )
    for err in result.base_errors:
        report.file_errors.append(bilingual(_("Lỗi khi ghi dữ liệu"), str(err.error)))
    status_by_row: dict[int, tuple[str, list[str]]] = {}
    for i, number in enumerate(sheet_row, 1):
        changes = resource.changes.get(i)
        if changes is None:
            status_by_row[number] = (NEW, [])
        else:
            status_by_row[number] = (CHANGED if changes else UNCHANGED, changes)
    for row in report.rows:
        if row.errors:
            row.status = ERROR
        else:
            row.status, row.changes = status_by_row.get(row.row, (NEW, []))


# --- cross-row checks: staff ---------------------------------------------------------------


def _chunks(items):
    items = sorted(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _cell(values: list[object], index: dict[str, int], header: str) -> str:
    i = index.get(header)
    return "" if i is None else str(values[i] or "").strip()


def _check_staff(report: ImportReport, table: Table, index: dict[str, int]) -> None:
    rows = report.rows
    codes = [_cell(v, index, cols.STAFF_CODE) for _, v in table.rows]
    first_row: dict[str, int] = {}
    for row, code in zip(rows, codes, strict=True):
        if not code:
            continue  # "missing required value" comes from the widget
        key = code.casefold()
        if key in first_row:
            row.errors.append(
                RowError(
                    row.row,
                    cols.STAFF_CODE,
                    bilingual(
                        f"Mã cán bộ “{code}” trùng với dòng {first_row[key]}",
                        f"duplicate code in the file (row {first_row[key]})",
                    ),
                )
            )
        else:
            first_row[key] = row.row

    # Who exists already: code → (pk, agency_id, manager_id, email)
    existing: dict[str, tuple[int, int, int | None]] = {}
    for chunk in _chunks(set(codes) - {""}):
        for pk, code, agency_id, manager_id in StaffMember.objects.filter(
            code__in=chunk
        ).values_list("pk", "code", "agency_id", "manager_id"):
            existing[code.casefold()] = (pk, agency_id, manager_id)
    agency = report.agency
    if agency is not None:
        for row, code in zip(rows, codes, strict=True):
            hit = existing.get(code.casefold())
            if hit and hit[1] != agency.pk:
                row.errors.append(
                    RowError(
                        row.row,
                        cols.STAFF_CODE,
                        bilingual(
                            f"Mã cán bộ “{code}” đã thuộc cơ quan khác",
                            "the code belongs to a person of another agency",
                        ),
                    )
                )

    # The agency each row will be in (from its unit); unknown units are the widget's error.
    unit_agency = dict(Unit.objects.values_list("code", "agency_id"))
    unit_agency = {k.casefold(): v for k, v in unit_agency.items()}
    row_agency = [
        unit_agency.get(_cell(v, index, cols.STAFF_UNIT).casefold()) for _, v in table.rows
    ]
    if cols.STAFF_MANAGER in index:
        _check_managers(report, table, index, codes, row_agency)
    if cols.STAFF_EMAIL in index:
        _check_emails(report, table, index, codes)


def _check_managers(report, table, index, codes, row_agency) -> None:
    rows = report.rows
    in_file = {c.casefold(): i for i, c in enumerate(codes) if c}
    wanted = [_cell(v, index, cols.STAFF_MANAGER) for _, v in table.rows]
    outside = {m for m in wanted if m and m.casefold() not in in_file}
    db: dict[str, tuple[int, int, str]] = {}  # code → (agency_id, manager code)
    for chunk in _chunks(outside):
        for code, agency_id, manager_code in StaffMember.objects.filter(code__in=chunk).values_list(
            "code", "agency_id", "manager__code"
        ):
            db[code.casefold()] = (agency_id, manager_code or "")
    for i, (row, manager) in enumerate(zip(rows, wanted, strict=True)):
        if not manager:
            continue
        key = manager.casefold()
        if key == codes[i].casefold():
            row.errors.append(
                RowError(
                    row.row,
                    cols.STAFF_MANAGER,
                    bilingual(
                        "Cán bộ không thể là người quản lý của chính mình",
                        "a person cannot be their own manager",
                    ),
                )
            )
            continue
        if key in in_file:
            manager_agency = row_agency[in_file[key]]
        elif key in db:
            manager_agency = db[key][0]
        else:
            row.errors.append(
                RowError(
                    row.row,
                    cols.STAFF_MANAGER,
                    bilingual(
                        f"Không tìm thấy người quản lý “{manager}”",
                        f"manager “{manager}” not found",
                    ),
                )
            )
            continue
        if row_agency[i] is not None and manager_agency != row_agency[i]:
            row.errors.append(
                RowError(
                    row.row,
                    cols.STAFF_MANAGER,
                    bilingual(
                        f"Người quản lý “{manager}” thuộc cơ quan khác",
                        f"manager “{manager}” is in another agency",
                    ),
                )
            )

    # Loops: follow each chain through the file's links, then the stored ones (loaded as far
    # as the chains go), and flag the rows on a cycle.
    link = {c.casefold(): m.casefold() for c, m in zip(codes, wanted, strict=True) if c and m}
    stored = {k: v[1].casefold() for k, v in db.items() if v[1]}
    frontier = {m for m in stored.values() if m not in link and m not in stored}
    while frontier:
        found: dict[str, str] = {}
        for chunk in _chunks(frontier):
            found.update(
                (c.casefold(), (m or "").casefold())
                for c, m in StaffMember.objects.filter(code__in=chunk).values_list(
                    "code", "manager__code"
                )
            )
        stored.update({k: v for k, v in found.items() if v})
        frontier = {v for v in found.values() if v and v not in link and v not in stored}
        frontier -= set(found)

    def nxt(node: str) -> str:
        return link[node] if node in link else stored.get(node, "")

    done: set[str] = set()
    on_loop: set[str] = set()
    for start in link:
        path: dict[str, int] = {}
        node = start
        while node and node not in path and node not in done:
            path[node] = len(path)
            node = nxt(node)
        if node in path:
            order = list(path)
            on_loop.update(order[path[node] :])
        done.update(path)
    for i, row in enumerate(rows):
        code = codes[i].casefold()
        if code in on_loop and link.get(code) != code:
            row.errors.append(
                RowError(
                    row.row,
                    cols.STAFF_MANAGER,
                    bilingual("Vòng lặp người quản lý (A quản lý B, B quản lý A…)", "manager loop"),
                )
            )


def _check_emails(report, table, index, codes) -> None:
    rows = report.rows
    emails = [_cell(v, index, cols.STAFF_EMAIL).lower() for _, v in table.rows]
    first: dict[str, tuple[int, str]] = {}
    for row, email, code in zip(rows, emails, codes, strict=True):
        if not email:
            continue
        if email in first and first[email][1].casefold() != code.casefold():
            row.errors.append(
                RowError(
                    row.row,
                    cols.STAFF_EMAIL,
                    bilingual(
                        f"Email “{email}” trùng với dòng {first[email][0]}",
                        f"e-mail already used in row {first[email][0]}",
                    ),
                )
            )
        first.setdefault(email, (row.row, code))
    owners: dict[str, set[str]] = {}
    for chunk in _chunks(set(first)):
        for email, code in (
            StaffMember.objects.annotate(e=Lower("email"))
            .filter(e__in=chunk)
            .values_list("e", "code")
        ):
            owners.setdefault(email, set()).add(code.casefold())
    for row, email, code in zip(rows, emails, codes, strict=True):
        others = owners.get(email, set()) - {code.casefold()}
        if email and others:
            row.errors.append(
                RowError(
                    row.row,
                    cols.STAFF_EMAIL,
                    bilingual(
                        f"Email “{email}” đã được người khác sử dụng", "e-mail used by someone else"
                    ),
                )
            )


def _not_in_file(
    report: ImportReport, table: Table, index: dict[str, int]
) -> list[tuple[str, str]]:
    """Active people of the agency (or of the agencies the file's units belong to) whose codes
    are not in the file: listed for the HR officer to decide, never deleted."""
    if report.agency is not None:
        agency_ids = {report.agency.pk}
    else:
        unit_codes = {_cell(v, index, cols.STAFF_UNIT) for _, v in table.rows} - {""}
        agency_ids = set()
        for chunk in _chunks(unit_codes):
            agency_ids |= set(
                Unit.objects.filter(code__in=chunk).values_list("agency_id", flat=True)
            )
    in_file = {r.code.casefold() for r in report.rows}
    people = (
        StaffMember.objects.active()
        .filter(agency_id__in=sorted(agency_ids))
        .order_by("sort_key", "code")
        .values_list("code", "full_name")
    )
    return [(c, n) for c, n in people if c.casefold() not in in_file]


# --- cross-row checks: units ---------------------------------------------------------------


def _check_units(report: ImportReport, table: Table, index: dict[str, int]) -> None:
    rows = report.rows
    codes = [_cell(v, index, cols.UNIT_CODE) for _, v in table.rows]
    parents = [_cell(v, index, cols.UNIT_PARENT) for _, v in table.rows]
    first: dict[str, int] = {}
    for row, code in zip(rows, codes, strict=True):
        if code and code.casefold() in first:
            row.errors.append(
                RowError(
                    row.row,
                    cols.UNIT_CODE,
                    bilingual(
                        f"Mã đơn vị “{code}” trùng với dòng {first[code.casefold()]}",
                        "duplicate code in the file",
                    ),
                )
            )
        elif code:
            first[code.casefold()] = row.row
        if "/" in code:
            row.errors.append(
                RowError(
                    row.row,
                    cols.UNIT_CODE,
                    bilingual("Mã đơn vị không được chứa “/”", "a unit code cannot contain “/”"),
                )
            )
    known = {c.casefold() for c in Unit.objects.values_list("code", flat=True)}
    agencies = {c.casefold() for c in Agency.objects.values_list("code", flat=True)}
    link = {}
    for row, code, parent in zip(rows, codes, parents, strict=True):
        if not parent:
            if report.agency is None:
                row.errors.append(
                    RowError(
                        row.row,
                        cols.UNIT_PARENT,
                        bilingual(
                            "Thiếu mã đơn vị cha hoặc mã cơ quan", "missing parent or agency code"
                        ),
                    )
                )
            continue
        key = parent.casefold()
        if key not in first and key not in known and key not in agencies:
            row.errors.append(
                RowError(
                    row.row,
                    cols.UNIT_PARENT,
                    bilingual(
                        f"Không tìm thấy đơn vị cha “{parent}”", f"unknown parent unit “{parent}”"
                    ),
                )
            )
        if key in first:
            link[code.casefold()] = key
    for start in link:
        seen, node = set(), start
        while node in link and node not in seen:
            seen.add(node)
            node = link[node]
        if node == start or node in seen:
            row = rows[[c.casefold() for c in codes].index(start)]
            row.errors.append(
                RowError(row.row, cols.UNIT_PARENT, bilingual("Vòng lặp đơn vị cha", "parent loop"))
            )


def _parents_first(table: Table, index: dict[str, int]) -> list[tuple[int, list[object]]]:
    """Order unit rows so that a parent defined in the file is saved before its children."""
    rows = table.rows
    code_of = [_cell(v, index, cols.UNIT_CODE).casefold() for _, v in rows]
    parent_of = [_cell(v, index, cols.UNIT_PARENT).casefold() for _, v in rows]
    pos = {c: i for i, c in enumerate(code_of)}
    done: set[int] = set()
    out: list[tuple[int, list[object]]] = []

    def visit(i: int, depth: int = 0) -> None:
        if i in done or depth > len(rows):
            return
        p = pos.get(parent_of[i])
        if p is not None and p != i:
            visit(p, depth + 1)
        if i not in done:
            done.add(i)
            out.append(rows[i])

    for i in range(len(rows)):
        visit(i)
    return out


def check_dataset(dataset, *, kind: str = STAFF, agency: Agency | None = None) -> list[RowError]:
    """The cross-row checks for a dataset that did not come through ``_import`` (the admin's
    import, via ``staff.imports.formats``): the resource calls this from ``before_import``."""
    headers = list(dataset.headers or [])
    numbers = getattr(dataset, "sheet_rows", None) or list(range(2, len(dataset) + 2))
    table = Table(
        headers=headers, rows=[(n, list(r)) for n, r in zip(numbers, dataset, strict=False)]
    )
    layout = cols.STAFF_COLUMNS if kind == STAFF else cols.UNIT_COLUMNS
    report = ImportReport(kind=kind, dry_run=True, headers=headers, agency=agency)
    index = {h: i for i, h in enumerate(headers)}
    if layout[0].header not in index:
        return [RowError(1, layout[0].header, bilingual("Thiếu cột", "missing column"))]
    report.rows = [RowReport(row=n, code=str(v[index[layout[0].header]])) for n, v in table.rows]
    if kind == STAFF:
        _check_staff(report, table, index)
    else:
        _check_units(report, table, index)
    return report.errors


# --- background jobs -----------------------------------------------------------------------

MAX_JOB_MESSAGES = 200


def import_job_start(
    *,
    data: bytes,
    filename: str,
    user: AbstractBaseUser | None,
    agency_code: str | None = None,
    kind: str = STAFF,
    dry_run: bool = True,
    full: bool = True,
):
    """Store the upload as an ``ImportJob`` and queue it (Celery; runs at once when no broker
    is configured). Scope is checked here, so a refused user gets the answer immediately."""
    from staff.models import ImportJob
    from staff.tasks import run_import_job

    agency = resolve_agency(user, agency_code)
    job = ImportJob.objects.create(
        created_by=user if user is not None and user.is_authenticated else None,
        agency=agency,
        kind=kind,
        filename=filename[:255],
        data=data,
        dry_run=dry_run,
        full=full,
    )
    run_import_job.delay(job.pk)
    job.refresh_from_db()
    return job


def import_job_run(job_id: int) -> None:
    """The job's body: run the import, saving the stage and percentage as it goes (reading 5 %,
    checking 35 %, writing or previewing 50 %, done 100 %). Progress inside the write
    transaction is not reported row by row: it would not be visible until the commit."""
    from django.utils import timezone

    from staff.models import ImportJob, ImportJobStatus

    job = ImportJob.objects.select_related("agency", "created_by").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING)

    def progress(stage: str, percent: int) -> None:
        # _import reports its stages before it opens the write transaction, so in a worker
        # (autocommit) each update is visible to the polling page at once.
        ImportJob.objects.filter(pk=job.pk).update(stage=stage, progress=percent)

    try:
        report = _import(
            data=bytes(job.data),
            filename=job.filename,
            user=job.created_by,
            agency_code=job.agency.code if job.agency else None,
            kind=job.kind,
            full=job.full,
            limits=None,
            dry_run=job.dry_run,
            reason=_("Nhập từ tệp %(name)s") % {"name": job.filename},
            progress=progress,
        )
    except ImportRefused as exc:
        # The scope is checked again when the job runs (a role may have ended since the
        # preview): refused, nothing written.
        report = ImportReport(kind=job.kind, dry_run=job.dry_run, file_errors=[str(exc)])
    messages = [f"Lỗi tệp — file error: {e}" for e in report.file_errors]
    messages += [str(e) for e in report.errors]
    error_report = report.error_dataset().export("xlsx") if not report.ok and report.rows else None
    done = {
        "status": ImportJobStatus.DONE if report.ok else ImportJobStatus.FAILED,
        "stage": "done",
        "progress": 100,
        "written": report.written,
        "totals": {**report.totals, "not_in_file_codes": [c for c, _ in report.not_in_file][:500]},
        "messages": messages[:MAX_JOB_MESSAGES],
        "error_report": error_report,
        "preview": report.preview_data(),
        "finished_at": timezone.now(),
    }
    if report.written:
        done["data"] = b""  # the file has served its purpose; do not keep personal data
    ImportJob.objects.filter(pk=job.pk).update(**done)
    if report.written:
        from staff.audit import record

        record(
            "staff.imported",
            actor=job.created_by,
            agency=job.agency,
            obj=job,
            after={
                "kind": job.kind,
                "filename": job.filename,
                **{k: v for k, v in report.totals.items() if k != ERROR},
            },
        )


def _owned_job(job_id: int, user: AbstractBaseUser):
    from staff.models import ImportJob

    return ImportJob.objects.filter(pk=job_id, created_by_id=user.pk)


def import_job_confirm(*, job_id: int, user: AbstractBaseUser):
    """Write a previewed upload: only its owner, only once, only a clean preview.

    The claim is one conditional UPDATE, so two clicks (or two tabs) cannot both write; the
    import itself runs again from the stored bytes with every check (all or nothing)."""
    from django.utils import timezone

    from staff.models import ImportJob, ImportJobStatus
    from staff.tasks import run_import_job

    claimed = (
        _owned_job(job_id, user)
        .filter(
            dry_run=True,
            status=ImportJobStatus.DONE,
            confirmed_at__isnull=True,
            cancelled_at__isnull=True,
        )
        .update(
            confirmed_at=timezone.now(),
            dry_run=False,
            status=ImportJobStatus.PENDING,
            stage="",
            progress=0,
        )
    )
    if not claimed:
        raise ImportRefused(
            bilingual(
                _("Lượt nhập này đã được xác nhận, đã hủy hoặc có lỗi; không ghi gì thêm."),
                "this import was already confirmed, cancelled or has errors; nothing written",
            )
        )
    run_import_job.delay(job_id)
    return ImportJob.objects.get(pk=job_id)


def import_job_cancel(*, job_id: int, user: AbstractBaseUser) -> bool:
    """Drop a previewed upload (and its bytes); False when it was already confirmed."""
    from django.utils import timezone

    return bool(
        _owned_job(job_id, user)
        .filter(confirmed_at__isnull=True, cancelled_at__isnull=True)
        .update(cancelled_at=timezone.now(), data=b"")
    )
