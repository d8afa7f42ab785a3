"""Cross-row checks of a staff or unit file, run before anything is written.

A django-import-export resource sees one row at a time, so what needs the whole file (and the
stored people) is checked here: duplicate codes, a code that belongs to another agency,
managers (known, same agency, not oneself, no loop through the file or the stored links),
e-mails used twice or by someone else, unit parents and parent loops. Per-cell problems (bad
date, unknown unit or category, missing value) are the widgets' (``resources``).

Every check appends ``RowError``s to the report's rows and never stops at the first one, so the
HR officer gets every problem of the file at once (docs/imports.md, “Errors”). Lookups go by
chunks of ``CHUNK`` codes: SQLite allows about 32,000 parameters per query.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import tablib
from django.db.models.functions import Lower

from staff.imports import columns as cols
from staff.imports.reader import Table
from staff.imports.report import ImportReport, RowError, RowReport
from staff.lib.text import bilingual
from staff.models import Agency, StaffMember, Unit

CHUNK = 5000


def _chunks(items: Iterable[str]) -> Iterator[list[str]]:
    items = sorted(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _cell(values: list[object], index: dict[str, int], header: str) -> str:
    i = index.get(header)
    return "" if i is None else str(values[i] or "").strip()


# --- staff ---------------------------------------------------------------------------------


def check_staff(report: ImportReport, table: Table, index: dict[str, int]) -> None:
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

    # Who exists already: code → (pk, agency_id, manager_id)
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


def _check_managers(
    report: ImportReport,
    table: Table,
    index: dict[str, int],
    codes: list[str],
    row_agency: list[int | None],
) -> None:
    """Each named manager exists (in the file or stored), is in the row's agency and is not
    the person; then no chain of managers loops, through the file or the stored links."""
    rows = report.rows
    in_file = {c.casefold(): i for i, c in enumerate(codes) if c}
    wanted = [_cell(v, index, cols.STAFF_MANAGER) for _, v in table.rows]
    stored = _stored_managers({m for m in wanted if m and m.casefold() not in in_file})
    _check_manager_refs(rows, codes, wanted, in_file, stored, row_agency)

    link = {c.casefold(): m.casefold() for c, m in zip(codes, wanted, strict=True) if c and m}
    on_loop = _manager_loops(link, _stored_chains(link, stored))
    for i, row in enumerate(rows):
        code = codes[i].casefold()
        # Someone named as their own manager already has the clearer "own manager" error.
        if code in on_loop and link.get(code) != code:
            row.errors.append(
                RowError(
                    row.row,
                    cols.STAFF_MANAGER,
                    bilingual("Vòng lặp người quản lý (A quản lý B, B quản lý A…)", "manager loop"),
                )
            )


def _stored_managers(outside: set[str]) -> dict[str, tuple[int, str]]:
    """The stored people named as managers but not rows of the file:
    folded code → (agency_id, their own manager's code, "" when none)."""
    found: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(outside):
        for code, agency_id, manager_code in StaffMember.objects.filter(code__in=chunk).values_list(
            "code", "agency_id", "manager__code"
        ):
            found[code.casefold()] = (agency_id, manager_code or "")
    return found


def _check_manager_refs(
    rows: list[RowReport],
    codes: list[str],
    wanted: list[str],
    in_file: dict[str, int],
    stored: dict[str, tuple[int, str]],
    row_agency: list[int | None],
) -> None:
    """Row by row: not one's own manager, a manager who exists, in the row's agency."""
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
        elif key in stored:
            manager_agency = stored[key][0]
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


def _stored_chains(link: dict[str, str], stored: dict[str, tuple[int, str]]) -> dict[str, str]:
    """The stored manager links (folded code → manager code) a chain from the file can reach:
    starting from the stored managers named by the file, loaded level by level as far as the
    chains go (until they end, or come back into the file or to someone already loaded)."""
    chains = {k: v[1].casefold() for k, v in stored.items() if v[1]}
    frontier = {m for m in chains.values() if m not in link and m not in chains}
    while frontier:
        found: dict[str, str] = {}
        for chunk in _chunks(frontier):
            found.update(
                (c.casefold(), (m or "").casefold())
                for c, m in StaffMember.objects.filter(code__in=chunk).values_list(
                    "code", "manager__code"
                )
            )
        chains.update({k: v for k, v in found.items() if v})
        frontier = {v for v in found.values() if v and v not in link and v not in chains}
        frontier -= set(found)
    return chains


def _manager_loops(link: dict[str, str], stored: dict[str, str]) -> set[str]:
    """The codes on a cycle of "is managed by": each chain is followed from every row of the
    file, through the file's links first (the file wins over what is stored), then the stored
    ones. Each code is walked once, so this is linear in the number of links."""

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
    return on_loop


def _check_emails(
    report: ImportReport, table: Table, index: dict[str, int], codes: list[str]
) -> None:
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


def not_in_file(report: ImportReport, table: Table, index: dict[str, int]) -> list[tuple[str, str]]:
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


# --- units ---------------------------------------------------------------------------------


def check_units(report: ImportReport, table: Table, index: dict[str, int]) -> None:
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


def parents_first(table: Table, index: dict[str, int]) -> list[tuple[int, list[object]]]:
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


# --- a dataset from the admin --------------------------------------------------------------


def check_dataset(
    dataset: tablib.Dataset, *, kind: str = cols.STAFF, agency: Agency | None = None
) -> list[RowError]:
    """The cross-row checks for a dataset that did not come through ``services._import`` (the
    admin's import, via ``staff.imports.formats``): the resource calls this from
    ``before_import``."""
    headers = list(dataset.headers or [])
    numbers = getattr(dataset, "sheet_rows", None) or list(range(2, len(dataset) + 2))
    table = Table(
        headers=headers, rows=[(n, list(r)) for n, r in zip(numbers, dataset, strict=False)]
    )
    layout = cols.layout(kind)
    report = ImportReport(kind=kind, dry_run=True, headers=headers, agency=agency)
    index = {h: i for i, h in enumerate(headers)}
    if layout[0].header not in index:
        return [RowError(1, layout[0].header, bilingual("Thiếu cột", "missing column"))]
    report.rows = [RowReport(row=n, code=str(v[index[layout[0].header]])) for n, v in table.rows]
    if kind == cols.STAFF:
        check_staff(report, table, index)
    else:
        check_units(report, table, index)
    return report.errors
