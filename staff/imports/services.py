"""Import services: preview (dry run) and confirmed import of staff and unit spreadsheets.

    report = import_preview(data=..., filename=..., user=request.user)      # nothing written
    report = import_run(data=..., filename=..., user=request.user)          # all or nothing

Rules (docs/imports.md, “Rules”):
- every row is checked before anything is written; one invalid row and nothing is written;
  a confirmed import is one transaction;
- importing the same file twice changes nothing (unchanged rows are skipped, not re-saved);
- a changed unit is a transfer (``staff.services.staff_transfer``), so the history is kept;
- people of the agency who are not in a full-agency file are listed, never deleted;
- an HR officer imports only into their own agency (``staff.access.scope_for``).

The file is read by ``reader``, checked across rows by ``checks`` and row by row by the
``resources``' widgets, then written (or rolled back) by the resource; what was found is an
``ImportReport`` (``report``). The background job around this is ``jobs``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import tablib
from django.db import transaction
from django.utils.translation import gettext as _
from import_export.results import Result

from staff.access import scope_for
from staff.imports import checks
from staff.imports import columns as cols
from staff.imports.reader import FileError, read_table
from staff.imports.report import CHANGED, ERROR, NEW, UNCHANGED, ImportReport, RowError, RowReport
from staff.imports.resources import StaffMemberResource, UnitResource
from staff.lib.text import bilingual
from staff.lib.uploads import Limits, UnsafeFile, check_upload
from staff.models import Agency

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# Told the stage and the percentage done ("reading" 5, "checking" 35, "writing" or
# "previewing" 50): the background job saves them for the polling page.
Progress = Callable[[str, int], None]


class ImportRefused(Exception):
    """The import may not run at all (scope, unknown agency); ``str()`` is the message."""


# --- entry points --------------------------------------------------------------------------


def import_preview(
    *,
    data: bytes,
    filename: str,
    user: AbstractBaseUser | None = None,
    agency_code: str | None = None,
    kind: str = cols.STAFF,
    full: bool = True,
    limits: Limits | None = None,
    progress: Progress | None = None,
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
        progress=progress,
    )


def import_run(
    *,
    data: bytes,
    filename: str,
    user: AbstractBaseUser | None = None,
    agency_code: str | None = None,
    kind: str = cols.STAFF,
    full: bool = True,
    effective_on: dt.date | None = None,
    reason: str = "",
    limits: Limits | None = None,
    progress: Progress | None = None,
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
        progress=progress,
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
    data: bytes,
    filename: str,
    user: AbstractBaseUser | None,
    agency_code: str | None,
    kind: str,
    full: bool,
    limits: Limits | None,
    dry_run: bool,
    effective_on: dt.date | None = None,
    reason: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    report = ImportReport(kind=kind, dry_run=dry_run)
    report.agency = resolve_agency(user, agency_code)
    layout = cols.layout(kind)
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
    if kind == cols.STAFF:
        resource = StaffMemberResource(
            agency=report.agency,
            user=user,
            effective_on=effective_on,
            reason=reason,
            checked=True,
        )
        checks.check_staff(report, table, index)
        if full:
            report.not_in_file = checks.not_in_file(report, table, index)
    else:
        resource = UnitResource(agency=report.agency, user=user, checked=True)
        checks.check_units(report, table, index)
        table.rows = checks.parents_first(table, index)

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


def _merge_result(
    report: ImportReport,
    resource: StaffMemberResource | UnitResource,
    result: Result,
    sheet_row: list[int],
) -> None:
    """Fold the resource's result into the report: its errors, by spreadsheet row and column
    header, and each valid row's status from the changes the resource noted."""
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
