"""A restructuring plan from the province's spreadsheet (sắp xếp tổ chức bộ máy, DOMAIN.md §1).

The Sở Nội vụ lists the decisions to record in an .xlsx or .csv (``restructuring_template_xlsx``
is the empty form, with one example row). The file passes the upload checks of every import
(``staff.lib.uploads.check_upload``) and is read by the staff import's reader
(``staff.imports.reader.read_table``: the header found below title rows, headers matched
folded, formulas read as text, each row keeping its spreadsheet number). Columns, Vietnamese
first, English accepted:

======================  ====================  ==================================================
Loại sắp xếp (req.)     Kind                  hợp nhất / sáp nhập, chia tách, đổi tên, chuyển đơn
                                              vị, giải thể đơn vị — or merge, split, rename,
                                              move_unit, dissolve_unit
Mã cũ (req.)            Old code              the agency (a merger: several, comma-separated);
                                              for a unit's kinds, the unit
Mã mới                  New code              the receiving agency; for a dissolved unit, the
                                              unit that takes its people
Tên mới                 New name              the name of an agency created here, or the new name
Tên tiếng Anh           English name          optional, of the new agency or the new name
Loại cơ quan mới        New agency type       the type (code or name) of an agency created here
Ngày hiệu lực (req.)    Effective date        dd/mm/yyyy, yyyy-mm-dd, or an Excel date
Căn cứ (req.)           Decision reference    number, date and issuer of the decision
Đơn vị                  Units                 a split: ``UNIT=AGENCY; UNIT=AGENCY`` (a bare
                                              ``UNIT`` goes to the row's Mã mới)
Ghi chú                 Note
======================  ====================  ==================================================

**A code in Mã mới that does not exist yet, with Tên mới and Loại cơ quan mới, is a new agency**
(``NewAgency``) created by that row's decision. An existing code with a different Tên mới is
refused rather than guessed at: renaming is a row of its own.

**One row is one step, except that a sheet may give one agency per row**, which is how the
decisions read ("Sở A and Sở B are merged into the new Sở C"; "Sở D is split into D1 and D2"):

- rows of kind *hợp nhất* with the same Mã mới, date and Căn cứ are one merger (their Mã cũ
  are gathered, and any of them may carry the new agency's Tên mới and Loại cơ quan mới);
- rows of kind *chia tách* with the same Mã cũ are one split: each row names a part in Mã mới
  (with Tên mới and Loại cơ quan mới if it is new) and the units it takes in Đơn vị; they must
  agree on the date and the Căn cứ (a split ends its agency once).

The step's ``row`` is its first row; a problem about a code written on another of its rows is
moved to that row, so every problem names the row and the column to correct.

Problems come in two kinds, reported together: what reading finds (a missing column, an unknown
kind, a bad date, a required cell left empty, a column the kind does not use, a new agency
declared twice or used before the row that creates it) and what ``plan_preview`` finds in the
plan (codes, dates, closed periods…). Rows with a reading problem — and the other rows of their
step — are left out of the plan handed to ``plan_preview``, so a bad cell is reported once.
Nothing is written while any problem exists, and confirming reads the file again and checks
everything again (``plan_file_apply`` → ``plan_apply``).

Paths read ``row N.field`` with the field names of ``staff.restructuring.Step`` (``agencies``,
``target``, ``effective_on``…) — the API's form of the same problem — and ``problem_row``
gives the page the row and the column header to show.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from staff.imports.columns import Column
from staff.imports.reader import FileError, read_table
from staff.imports.resources import VietnameseDateWidget
from staff.lib.spreadsheets import fold_header
from staff.lib.uploads import Limits, UnsafeFile, check_upload
from staff.models import Agency, AgencyType, Restructuring, RestructuringKind
from staff.restructuring import (
    NewAgency,
    Plan,
    Problem,
    RestructuringRefused,
    Step,
    plan_apply,
    plan_check,
    plan_preview,
)

# A plan is a few dozen rows (a few kilobytes); the page keeps the file in the session between
# the preview and the confirmation, so it is held to far less than a staff list's 20 MB.
PLAN_MAX_BYTES = 1024 * 1024
PLAN_LIMITS = Limits(max_bytes=PLAN_MAX_BYTES)

KIND = "Loại sắp xếp"
OLD = "Mã cũ"
NEW = "Mã mới"
NEW_NAME = "Tên mới"
NAME_EN = "Tên tiếng Anh"
NEW_TYPE = "Loại cơ quan mới"
DATE = "Ngày hiệu lực"
REFERENCE = "Căn cứ"
UNITS = "Đơn vị"
NOTE = "Ghi chú"

COLUMNS: tuple[Column, ...] = (
    Column(KIND, "Kind", True, ("Kind", "Hình thức sắp xếp", "Loại")),
    Column(OLD, "Old code", True, ("Old code", "Old codes", "Mã cơ quan cũ", "Mã hiện tại")),
    Column(NEW, "New code", False, ("New code", "Target code", "Target", "Mã tiếp nhận")),
    Column(NEW_NAME, "New name", False, ("New name", "Tên cơ quan mới")),
    Column(NAME_EN, "English name", False, ("English name", "New name (English)")),
    Column(NEW_TYPE, "New agency type", False, ("New agency type", "Agency type", "Loại cơ quan")),
    Column(DATE, "Effective date", True, ("Effective date", "Effective on", "Ngày có hiệu lực")),
    Column(
        REFERENCE,
        "Decision reference",
        True,
        ("Decision reference", "Reference", "Decision", "Căn cứ (số quyết định)", "Số quyết định"),
    ),
    Column(UNITS, "Units", False, ("Units", "Phân chia đơn vị", "Đơn vị chuyển")),
    Column(NOTE, "Note", False, ("Note", "Notes")),
)
# The reader is given every column as optional: a missing one is reported here as a problem
# of its own, beside the others, rather than as the reader's single error.
_READ_LAYOUT = tuple(replace(c, required=False) for c in COLUMNS)
_BY_HEADER = {c.header: c for c in COLUMNS}

# Where a problem's field is written in the sheet.
_FIELD_COLUMNS = {
    "kind": KIND,
    "agencies": OLD,
    "unit": OLD,
    "target": NEW,
    "to_unit": NEW,
    "new.code": NEW,
    "name": NEW_NAME,
    "new.name": NEW_NAME,
    "name_en": NAME_EN,
    "new.agency_type": NEW_TYPE,
    "effective_on": DATE,
    "reference": REFERENCE,
    "units": UNITS,
    "note": NOTE,
}
_COLUMN_FIELDS = {
    KIND: "kind",
    OLD: "agencies",
    NEW: "target",
    NEW_NAME: "name",
    NAME_EN: "name_en",
    NEW_TYPE: "new.agency_type",
    DATE: "effective_on",
    REFERENCE: "reference",
    UNITS: "units",
    NOTE: "note",
}
# ``plan_check`` names every problem of a new agency ``new``; its code tells which cell.
_NEW_PROBLEM_COLUMNS = {"duplicate": NEW, "not_found": NEW_TYPE, "required": NEW_NAME}

# The kinds as the province writes them, folded (``_fold``).
_KIND_WORDS = {
    RestructuringKind.MERGE: (
        "hop nhat",
        "sap nhap",
        "hop nhat sap nhap",
        "hop nhat co quan",
        "sap nhap co quan",
        "hop nhat sap nhap co quan",
        "merge",
    ),
    RestructuringKind.SPLIT: ("chia tach", "chia tach co quan", "split"),
    RestructuringKind.RENAME: ("doi ten", "doi ten co quan", "rename"),
    RestructuringKind.MOVE_UNIT: (
        "chuyen don vi",
        "chuyen don vi sang co quan khac",
        "move unit",
    ),
    RestructuringKind.DISSOLVE_UNIT: ("giai the don vi", "giai the", "dissolve unit", "dissolve"),
}
_KINDS = {word: kind for kind, words in _KIND_WORDS.items() for word in words}
# The columns each kind leaves empty (a value there is a mistake worth naming).
_UNUSED = {
    RestructuringKind.MERGE: (UNITS,),
    RestructuringKind.SPLIT: (),
    RestructuringKind.RENAME: (NEW_TYPE, UNITS),
    RestructuringKind.MOVE_UNIT: (UNITS,),
    RestructuringKind.DISSOLVE_UNIT: (NEW_NAME, NAME_EN, NEW_TYPE, UNITS),
}
_LIST_SPLIT = re.compile(r"[,;\n]+")  # codes hold none of these
_PAIR = re.compile(r"\s*(?:=|->|→)\s*")
_DATES = VietnameseDateWidget(required=True)


def _fold(value: object) -> str:
    """ "Hợp nhất, sáp nhập" → "hop nhat sap nhap" (case, diacritics, punctuation, spaces)."""
    return re.sub(r"[^\w]+", " ", fold_header(value)).strip()


# --- the rows ---------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    cells: dict[str, str]
    kind: str = ""
    old: list[str] = field(default_factory=list)
    effective_on: dt.date | None = None
    units: list[tuple[str, str]] = field(default_factory=list)  # (unit, agency or "")

    def cell(self, header: str) -> str:
        return self.cells.get(header, "")


@dataclass
class _Group:
    """The rows that make one step, and which of them wrote each code."""

    step: Step
    rows: list[int]
    where: dict[str, int] = field(default_factory=dict)  # code → the row it is written on
    new_rows: dict[str, int] = field(default_factory=dict)  # new agency code → declaring row
    key: tuple[Any, ...] | None = None  # ``_group_key`` of its rows


@dataclass
class PlanFile:
    """What reading the file gave: the plan of the rows that read well, the reading problems,
    and for each step the rows it came from."""

    plan: Plan
    problems: list[Problem]
    groups: list[_Group]
    rows: int = 0


class _Reading:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.bad_rows: set[int] = set()
        self.unfinished: set[tuple[Any, ...]] = set()  # splits with a row left out
        self.lost: set[str] = set()  # new agencies declared on a row left out

    def refuse(self, row: int, field_name: str, code: str, vi: str, en: str) -> None:
        self.problems.append(Problem(code, vi, en, f"row {row}.{field_name}"))
        self.bad_rows.add(row)

    def refuse_file(self, code: str, vi: str, en: str) -> None:
        self.problems.append(Problem(code, vi, en, "file"))


def _split_bilingual(message: str) -> tuple[str, str]:
    """The reader's and the upload checks' messages come as "vi — en" (``bilingual``)."""
    vi, sep, en = message.partition(" — ")
    return (vi, en) if sep else (message, message)


def _cells(headers: list[str], values: list[object]) -> dict[str, Any]:
    return dict(zip(headers, values, strict=True))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _codes(text: str) -> list[str]:
    seen: list[str] = []
    for code in (c.strip() for c in _LIST_SPLIT.split(text)):
        if code and code not in seen:
            seen.append(code)
    return seen


def _parse_row(reading: _Reading, number: int, raw: dict[str, Any]) -> _Row:
    """The cells of one row, each checked on its own."""
    row = _Row(number, {h: _text(v) for h, v in raw.items()})
    kind_text = row.cell(KIND)
    if not kind_text:
        reading.refuse(
            number,
            "kind",
            "required",
            _("Bắt buộc ghi loại sắp xếp"),
            "The kind of restructuring is required",
        )
    else:
        row.kind = _KINDS.get(_fold(kind_text), "")
        if not row.kind:
            reading.refuse(
                number,
                "kind",
                "bad_choice",
                _(
                    "Loại sắp xếp “%(value)s” không hợp lệ (hợp nhất, sáp nhập, chia tách, "
                    "đổi tên, chuyển đơn vị, giải thể đơn vị)"
                )
                % {"value": kind_text[:40]},
                f"Unknown kind “{kind_text[:40]}” (merge, split, rename, move_unit, dissolve_unit)",
            )
    row.old = _codes(row.cell(OLD))
    if not row.old:
        reading.refuse(
            number,
            "agencies",
            "required",
            _("Bắt buộc ghi mã cơ quan hoặc đơn vị cũ"),
            "The old agency or unit code is required",
        )
    elif len(row.old) > 1 and row.kind and row.kind != RestructuringKind.MERGE:
        reading.refuse(
            number,
            _old_field(row.kind),
            "one_per_row",
            _("Loại sắp xếp này chỉ ghi một mã ở cột Mã cũ (có %(n)d mã)") % {"n": len(row.old)},
            f"This kind takes one code in the old code column ({len(row.old)} given)",
        )
    date_value = raw.get(DATE)
    if not _text(date_value):
        reading.refuse(
            number,
            "effective_on",
            "required",
            _("Bắt buộc ghi ngày hiệu lực"),
            "The effective date is required",
        )
    else:
        try:
            row.effective_on = _DATES.clean(date_value)
        except ValueError:
            text = _text(date_value)[:40]
            reading.refuse(
                number,
                "effective_on",
                "bad_date",
                _("Ngày hiệu lực không hợp lệ “%(value)s” (cần dd/mm/yyyy)") % {"value": text},
                f"Bad effective date “{text}” (dd/mm/yyyy expected)",
            )
    if not row.cell(REFERENCE):
        reading.refuse(
            number,
            "reference",
            "required",
            _("Bắt buộc ghi số, ngày của quyết định sắp xếp"),
            "The decision's number and date are required",
        )
    if row.kind:
        for header in _UNUSED[row.kind]:
            if row.cell(header):
                reading.refuse(
                    number,
                    _COLUMN_FIELDS[header],
                    "not_used",
                    _("Cột “%(column)s” không dùng cho loại sắp xếp này; để trống")
                    % {"column": header},
                    f"The column “{_BY_HEADER[header].english}” is not used for this kind; "
                    "leave it empty",
                )
    if row.kind == RestructuringKind.SPLIT:
        _parse_units(reading, row)
    return row


_UNIT_KINDS = (RestructuringKind.MOVE_UNIT, RestructuringKind.DISSOLVE_UNIT)


def _old_field(kind: str) -> str:
    """Mã cũ is the step's ``unit`` for a unit's kinds, its ``agencies`` otherwise."""
    return "unit" if kind in _UNIT_KINDS else "agencies"


def _parse_units(reading: _Reading, row: _Row) -> None:
    """ "A-LD=SOA1; A-KH=SOA2", or bare unit codes that go to the row's Mã mới."""
    for entry in (e.strip() for e in _LIST_SPLIT.split(row.cell(UNITS))):
        if not entry:
            continue
        parts = _PAIR.split(entry)
        unit, target = (parts[0].strip(), parts[1].strip()) if len(parts) == 2 else (entry, "")
        if len(parts) > 2 or not unit:
            reading.refuse(
                row.number,
                "units",
                "bad_format",
                _("Không hiểu “%(value)s” (ghi MÃ_ĐƠN_VỊ=MÃ_CƠ_QUAN; cách nhau bởi dấu ;)")
                % {"value": entry[:40]},
                f"Cannot read “{entry[:40]}” (write UNIT=AGENCY, separated by ;)",
            )
            continue
        target = target or row.cell(NEW)
        if not target:
            reading.refuse(
                row.number,
                "units",
                "required",
                _("Đơn vị %(code)s chưa có cơ quan tiếp nhận: ghi %(code)s=MÃ hoặc ghi Mã mới")
                % {"code": unit},
                f"Unit {unit} has no receiving agency: write {unit}=CODE or fill in the new code",
            )
            continue
        row.units.append((unit, target))


# --- from rows to steps -----------------------------------------------------------------------


class _Org:
    """The agencies and agency types the rows name, read once."""

    def __init__(self, rows: list[_Row]) -> None:
        codes = {r.cell(NEW) for r in rows} | {t for r in rows for _u, t in r.units}
        codes |= {c for r in rows if r.kind not in _UNIT_KINDS for c in r.old}
        codes.discard("")
        self.agencies = {
            a.code: a for a in Agency.objects.filter(code__in=sorted(codes)).only("code", "name")
        }
        self.types: dict[str, str] = {}
        for code, name in AgencyType.objects.values_list("code", "name"):
            self.types.setdefault(_fold(code), code)
            self.types.setdefault(_fold(name), code)


def _declare_new(
    reading: _Reading, org: _Org, row: _Row, group: _Group, declared: set[str]
) -> None:
    """A Mã mới that does not exist yet: a new agency, if the row says its name and type."""
    code, name, type_text = row.cell(NEW), row.cell(NEW_NAME), row.cell(NEW_TYPE)
    if not code:
        return
    existing = org.agencies.get(code)
    if existing is not None:
        if name and name != existing.name:
            reading.refuse(
                row.number,
                "new.name",
                "exists",
                _(
                    "Cơ quan %(code)s đã có, tên “%(name)s”: để trống Tên mới "
                    "(đổi tên ghi ở một dòng riêng)"
                )
                % {"code": code, "name": existing.name},
                f"Agency {code} exists, named “{existing.name}”: leave the new name empty "
                "(a rename is a row of its own)",
            )
        return
    if not name and not type_text:
        if code not in declared:
            reading.refuse(
                row.number,
                "target",
                "not_found",
                _(
                    "Không có cơ quan mã %(code)s; để thành lập cơ quan mới, ghi cả Tên mới "
                    "và Loại cơ quan mới"
                )
                % {"code": code},
                f"No agency with code {code}; to create a new agency, fill in its new name "
                "and new agency type",
            )
        return
    for value, field_name, vi, en in (
        (
            name,
            "new.name",
            _("Thành lập cơ quan mới %(code)s cần cả Tên mới"),
            f"Creating agency {code} needs its new name too",
        ),
        (
            type_text,
            "new.agency_type",
            _("Thành lập cơ quan mới %(code)s cần cả Loại cơ quan mới"),
            f"Creating agency {code} needs its new agency type too",
        ),
    ):
        if not value:
            reading.refuse(row.number, field_name, "required", vi % {"code": code}, en)
    if not (name and type_text):
        return
    agency_type = org.types.get(_fold(type_text))
    if agency_type is None:
        known = ", ".join(sorted(set(org.types.values())))
        reading.refuse(
            row.number,
            "new.agency_type",
            "not_found",
            _("Không có loại cơ quan “%(value)s” (các loại: %(known)s)")
            % {"value": type_text[:40], "known": known},
            f"No agency type “{type_text[:40]}” (types: {known})",
        )
        return
    new = NewAgency(code, name, agency_type, row.cell(NAME_EN))
    earlier = next((n for n in group.step.new if n.code == code), None)
    if earlier is None:
        group.step.new.append(new)
        group.new_rows[code] = row.number
    elif earlier != new:
        first = group.new_rows[code]
        reading.refuse(
            row.number,
            "new.name",
            "conflict",
            _("Cơ quan mới %(code)s đã được ghi ở dòng %(row)d với tên hoặc loại khác")
            % {"code": code, "row": first},
            f"New agency {code} is already given on row {first} with another name or type",
        )


def _group_key(row: _Row) -> tuple[Any, ...] | None:
    """The rows that make one step: a merger's by its Mã mới, date and Căn cứ (another date,
    another decision), a split's by its Mã cũ (an agency is split once)."""
    if row.kind == RestructuringKind.MERGE and row.cell(NEW):
        return ("merge", row.cell(NEW), row.effective_on, row.cell(REFERENCE))
    if row.kind == RestructuringKind.SPLIT:
        return ("split", *row.old)
    return None


def _new_step(row: _Row) -> Step:
    assert row.effective_on is not None  # rows without a date were refused
    step = Step(
        kind=row.kind,
        effective_on=row.effective_on,
        reference=row.cell(REFERENCE),
        note=row.cell(NOTE),
        row=row.number,
    )
    if row.kind in _UNIT_KINDS:
        step.unit = row.old[0]
        if row.kind == RestructuringKind.MOVE_UNIT:
            step.target = row.cell(NEW)
        else:
            step.to_unit = row.cell(NEW)
    else:
        step.agencies = list(row.old)
        if row.kind == RestructuringKind.MERGE:
            step.target = row.cell(NEW)
        if row.kind == RestructuringKind.RENAME:
            step.name, step.name_en = row.cell(NEW_NAME), row.cell(NAME_EN)
    return step


def _add_row(reading: _Reading, group: _Group, row: _Row) -> None:
    """A further row of a merger or a split."""
    step, first = group.step, group.rows[0]
    group.rows.append(row.number)
    if step.kind == RestructuringKind.SPLIT:
        for value, field_name, vi, en in (
            (
                row.effective_on != step.effective_on,
                "effective_on",
                _("Ngày hiệu lực khác với dòng %(row)d của cùng cuộc chia tách"),
                f"The effective date differs from row {first} of the same split",
            ),
            (
                row.cell(REFERENCE) != step.reference,
                "reference",
                _("Căn cứ khác với dòng %(row)d của cùng cuộc chia tách"),
                f"The decision reference differs from row {first} of the same split",
            ),
        ):
            if value:
                reading.refuse(row.number, field_name, "mismatch", vi % {"row": first}, en)
    for code in row.old:
        if code not in step.agencies:
            step.agencies.append(code)
            group.where.setdefault(code, row.number)
    if row.cell(NOTE) and row.cell(NOTE) not in step.note.split("; "):
        step.note = "; ".join(n for n in (step.note, row.cell(NOTE)) if n)


def _add_units(reading: _Reading, group: _Group, row: _Row) -> None:
    for unit, target in row.units:
        if unit in group.step.units and group.step.units[unit] != target:
            first = group.where.get(f"unit:{unit}", group.rows[0])
            reading.refuse(
                row.number,
                f"units.{unit}",
                "conflict",
                _("Đơn vị %(code)s đã được giao cho %(agency)s ở dòng %(row)d")
                % {"code": unit, "agency": group.step.units[unit], "row": first},
                f"Unit {unit} is already given to {group.step.units[unit]} on row {first}",
            )
            continue
        group.step.units[unit] = target
        group.where.setdefault(f"unit:{unit}", row.number)


def _groups(reading: _Reading, rows: list[_Row]) -> list[_Group]:
    org = _Org(rows)
    # New agencies declared anywhere in the file: a merger's other rows may leave out the name.
    declared = {
        r.cell(NEW)
        for r in rows
        if r.cell(NEW) and r.cell(NEW_NAME) and r.cell(NEW_TYPE) and r.cell(NEW) not in org.agencies
    }
    groups: list[_Group] = []
    by_key: dict[tuple[Any, ...], _Group] = {}
    for row in rows:
        if not row.kind or row.effective_on is None or not row.old:
            # Refused while reading its cells; nothing to build on. What the rest of the plan
            # needs of it is left out too (``_usable``), or it would be checked without it.
            if row.kind == RestructuringKind.SPLIT and row.old:
                reading.unfinished.add(("split", *row.old))
            if row.cell(NEW) in declared and row.cell(NEW_NAME) and row.cell(NEW_TYPE):
                reading.lost.add(row.cell(NEW))
            continue
        key = _group_key(row)
        group = by_key.get(key) if key is not None else None
        if group is None:
            group = _Group(_new_step(row), [row.number], key=key)
            groups.append(group)
            if key is not None:
                by_key[key] = group
        else:
            _add_row(reading, group, row)
        _check_kind(reading, org, row)
        if row.kind != RestructuringKind.RENAME and row.kind != RestructuringKind.DISSOLVE_UNIT:
            _declare_new(reading, org, row, group, declared)
        if row.kind == RestructuringKind.SPLIT:
            _add_units(reading, group, row)
    _check_order(reading, groups)
    return groups


def _usable(reading: _Reading, groups: list[_Group]) -> list[_Group]:
    """The steps to hand to ``plan_preview``: none with a reading problem, no split missing a
    row, and none using a new agency that a left-out row or step would have created (checked
    without it, such a step would be refused for what is not its mistake)."""
    lost = set(reading.lost)
    good = list(groups)
    while True:
        left_out = [
            g
            for g in good
            if reading.bad_rows.intersection(g.rows)
            or g.key in reading.unfinished
            or lost.intersection(_targets(g.step))
        ]
        if not left_out:
            return good
        lost.update(n.code for g in left_out for n in g.step.new)
        good = [g for g in good if g not in left_out]


def _check_kind(reading: _Reading, org: _Org, row: _Row) -> None:
    """What each kind needs of Mã mới and Tên mới."""
    if row.kind in (RestructuringKind.MERGE, RestructuringKind.MOVE_UNIT) and not row.cell(NEW):
        reading.refuse(
            row.number,
            "target",
            "required",
            _("Bắt buộc ghi mã cơ quan tiếp nhận (Mã mới)"),
            "The receiving agency's code (new code) is required",
        )
    if row.kind == RestructuringKind.RENAME:
        if not row.cell(NEW_NAME):
            reading.refuse(
                row.number, "name", "required", _("Bắt buộc nhập tên mới"), "A new name is required"
            )
        if row.cell(NEW) and row.cell(NEW) not in row.old:
            reading.refuse(
                row.number,
                "target",
                "not_used",
                _("Đổi tên không đổi mã cơ quan: để trống Mã mới hoặc ghi lại mã cũ"),
                "A rename keeps the agency's code: leave the new code empty or repeat the old one",
            )
    if row.kind == RestructuringKind.SPLIT and not row.cell(UNITS):
        reading.refuse(
            row.number,
            "units",
            "required",
            _("Chia tách: ghi các đơn vị mà cơ quan ở Mã mới nhận (MÃ_ĐƠN_VỊ=MÃ_CƠ_QUAN)"),
            "A split: list the units each part takes (UNIT=AGENCY)",
        )


def _targets(step: Step) -> list[str]:
    return [c for c in (step.target, *step.units.values()) if c]


def _check_order(reading: _Reading, groups: list[_Group]) -> None:
    """A new agency is created once, by a step that comes before any step that uses it: the
    steps are carried out in the order of their rows."""
    created: dict[str, tuple[int, int]] = {}  # code → (step index, row)
    for i, group in enumerate(groups):
        for new in group.step.new:
            row = group.new_rows[new.code]
            if new.code in created:
                reading.refuse(
                    row,
                    "new.code",
                    "duplicate",
                    _("Cơ quan mới %(code)s đã được thành lập ở dòng %(row)d")
                    % {"code": new.code, "row": created[new.code][1]},
                    f"New agency {new.code} is already created on row {created[new.code][1]}",
                )
            else:
                created[new.code] = (i, row)
    for i, group in enumerate(groups):
        step = group.step
        uses = [(step.target, group.rows[0], "target")] if step.target else []
        uses += [(t, group.where[f"unit:{u}"], f"units.{u}") for u, t in step.units.items()]
        for code, row, field_name in uses:
            step_index, created_on = created.get(code, (i, 0))
            if step_index > i:
                reading.refuse(
                    row,
                    field_name,
                    "created_later",
                    _(
                        "Cơ quan mới %(code)s được thành lập ở dòng %(row)d, sau dòng này: "
                        "đặt dòng thành lập lên trước"
                    )
                    % {"code": code, "row": created_on},
                    f"New agency {code} is created on row {created_on}, below this one: put "
                    "that row first",
                )


# --- reading, previewing, applying ------------------------------------------------------------


def plan_read(*, data: bytes, filename: str) -> PlanFile:
    """The file → a ``PlanFile``: the plan of the rows that read well and the reading problems
    (a problem of the whole file has the path ``file``). Reads the database, writes nothing."""
    reading = _Reading()
    empty = PlanFile(Plan([]), reading.problems, [])
    try:
        kind = check_upload(data, filename, PLAN_LIMITS)
        table = read_table(data, kind, _READ_LAYOUT)
    except (UnsafeFile, FileError) as exc:
        reading.refuse_file("bad_file", *_split_bilingual(str(exc)))
        return empty
    missing = [c for c in COLUMNS if c.required and c.header not in table.headers]
    for column in missing:
        reading.refuse(
            table.header_row,
            _COLUMN_FIELDS[column.header],
            "missing_column",
            _("Thiếu cột bắt buộc “%(column)s”") % {"column": column.header},
            f"Required column missing: “{column.header}” ({column.english})",
        )
    if missing:
        return empty
    if not table.rows:
        reading.refuse_file(
            "empty", _("Tệp không có dòng nào dưới dòng tiêu đề"), "The file has no rows"
        )
        return empty
    rows = [_parse_row(reading, n, _cells(table.headers, values)) for n, values in table.rows]
    good = _usable(reading, _groups(reading, rows))
    return PlanFile(Plan([g.step for g in good]), reading.problems, good, len(rows))


def _mentions(message: str, code: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", message) is not None


def _located(problems: list[Problem], groups: list[_Group]) -> list[Problem]:
    """``plan_check`` names a step by its first row; a problem about a code written on another
    of its rows (a unit of a split, an agency of a merger) moves to that row."""
    by_row = {g.rows[0]: g for g in groups if len(g.rows) > 1}
    located = []
    for problem in problems:
        row, field_name = _path_parts(problem.path)
        group = by_row.get(row) if row is not None else None
        if group is not None:
            if field_name.startswith("units."):
                found = group.where.get(f"unit:{field_name.removeprefix('units.')}")
            else:
                written = [*group.where.items(), *group.new_rows.items()]
                found = next(
                    (
                        r
                        for code, r in written
                        if not code.startswith("unit:") and _mentions(problem.message, code)
                    ),
                    None,
                )
            if found is not None and found != row:
                problem = replace(problem, path=f"row {found}.{field_name}")
        located.append(problem)
    return located


def _path_parts(path: str) -> tuple[int | None, str]:
    match = re.fullmatch(r"row (\d+)\.(.+)", path)
    if match is None:
        return None, path
    return int(match.group(1)), match.group(2)


def problem_row(problem: Problem | dict[str, str]) -> dict[str, Any]:
    """A problem as the page's table shows it: its row, the column's header (Vietnamese) and
    its English name, beside the messages. ``row`` is None for the file as a whole."""
    item = problem.as_dict() if isinstance(problem, Problem) else dict(problem)
    row, field_name = _path_parts(item["path"])
    if field_name == "new":
        header = _NEW_PROBLEM_COLUMNS.get(item["code"], NEW)
    else:
        header = _FIELD_COLUMNS.get(field_name) or _FIELD_COLUMNS.get(field_name.split(".")[0], "")
    column = _BY_HEADER.get(header)
    item.update(row=row, column=header, column_en=column.english if column else "")
    return item


def problem_rows(problems: list[Problem]) -> list[dict[str, Any]]:
    """The problems as ``problem_row``s, by row, then in the order of the sheet's columns."""
    rows = [problem_row(p) for p in problems]
    order = {c.header: i for i, c in enumerate(COLUMNS)}
    return sorted(rows, key=lambda p: (p["row"] or 0, order.get(p["column"], -1)))


def plan_file_preview(*, data: bytes, filename: str, user: Any) -> dict[str, Any]:
    """What the page shows before confirming: ``ok``, every problem (reading and
    ``plan_preview``'s) with its row and column, or each step as ``plan_preview`` describes it
    plus the rows it came from and its codes. Writes nothing."""
    read = plan_read(data=data, filename=filename)
    if any(p.path == "file" for p in read.problems) or not read.plan.steps:
        return {
            "ok": False,
            "problems": problem_rows(read.problems),
            "steps": [],
            "rows": read.rows,
        }
    preview = plan_preview(plan=read.plan, user=user)
    problems = read.problems + _located(read.plan.problems, read.groups)
    steps = []
    if not problems:
        for group, described in zip(read.groups, preview["steps"], strict=True):
            step = group.step
            steps.append(
                {
                    **described,
                    "rows": group.rows,
                    "source": step.agencies or [step.unit],
                    "target": sorted(set(_targets(step))) or [c for c in (step.to_unit,) if c],
                    "name": step.name,
                }
            )
    return {
        "ok": not problems,
        "problems": problem_rows(problems),
        "steps": steps,
        "rows": read.rows,
    }


def plan_file_apply(*, data: bytes, filename: str, user: Any) -> list[Restructuring]:
    """Read the file again and carry out its plan, all or nothing (``plan_apply``); raise
    ``RestructuringRefused`` with every problem, reading and plan alike, when there is any."""
    read = plan_read(data=data, filename=filename)
    if read.problems or not read.plan.steps:
        if read.plan.steps:
            plan_check(plan=read.plan, user=user)  # the rest of the plan's, named with them
        raise RestructuringRefused(read.problems + _located(read.plan.problems, read.groups))
    try:
        return plan_apply(plan=read.plan, user=user)
    except RestructuringRefused as refused:
        raise RestructuringRefused(_located(refused.problems, read.groups)) from refused


# --- the empty form ---------------------------------------------------------------------------

_EXAMPLE = {
    KIND: "hợp nhất",
    OLD: "SOA, SOB",
    NEW: "SNM",
    NEW_NAME: "Sở Nông nghiệp và Môi trường",
    NAME_EN: "Department of Agriculture and Environment",
    NEW_TYPE: "so",
    DATE: "01/03/2025",
    REFERENCE: "Nghị quyết 45/NQ-HĐND ngày 20/02/2025 của HĐND tỉnh",
    UNITS: "",
    NOTE: "Dòng ví dụ: thay bằng quyết định thật / Example row: replace it",
}

_GUIDE = (
    (KIND, "hợp nhất, sáp nhập, chia tách, đổi tên, chuyển đơn vị, giải thể đơn vị",
     "merge, split, rename, move_unit, dissolve_unit"),
    (OLD, "Mã cơ quan (hợp nhất: nhiều mã, cách nhau bởi dấu phẩy); chuyển hoặc giải thể "
     "đơn vị: mã đơn vị",
     "Agency code (a merger: several, comma-separated); moving or dissolving a unit: the unit"),
    (NEW, "Mã cơ quan tiếp nhận; giải thể đơn vị: mã đơn vị nhận cán bộ",
     "Receiving agency; dissolving a unit: the unit that takes its staff"),
    (NEW_NAME, "Tên cơ quan mới thành lập, hoặc tên mới khi đổi tên",
     "Name of an agency created here, or the new name"),
    (NAME_EN, "Không bắt buộc", "Optional"),
    (NEW_TYPE, "Loại của cơ quan mới thành lập (mã hoặc tên loại)",
     "Type of an agency created here (code or name)"),
    (DATE, "dd/mm/yyyy; không sau hôm nay", "dd/mm/yyyy; not after today"),
    (REFERENCE, "Số, ngày và cơ quan ban hành quyết định", "Number, date, issuer of the decision"),
    (UNITS, "Chia tách: MÃ_ĐƠN_VỊ=MÃ_CƠ_QUAN; …, mỗi cơ quan mới một dòng",
     "A split: UNIT=AGENCY; …, one row per new agency"),
    (NOTE, "Không bắt buộc", "Optional"),
)  # fmt: skip


def restructuring_template_xlsx() -> bytes:
    """The empty plan: the header row, one example row, and a sheet that explains each column
    (Vietnamese, then English). Read back by ``plan_read`` as any filled-in plan."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = "Kế hoạch sắp xếp"
    sheet.append([c.header for c in COLUMNS])
    sheet.append([_EXAMPLE[c.header] for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJ", (16, 14, 12, 34, 30, 16, 14, 44, 28, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"  # codes and dates stay as written
    guide = wb.create_sheet("Hướng dẫn")
    guide.append(["Cột", "Column", "Ghi gì", "What to write"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for header, vi, en in _GUIDE:
        guide.append([header, _BY_HEADER[header].english, vi, en])
    for letter, width in zip("ABCD", (18, 20, 60, 60), strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
