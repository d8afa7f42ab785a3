"""The column layouts of the province's staff and unit spreadsheets.

Headers are matched after folding (``staff.lib.spreadsheets.fold_header``: case, diacritics and
đ, NFC/NFD, repeated spaces), so "MÃ CÁN BỘ", "ma can bo" and an NFD "Mã cán bộ" are the same
column. A few spellings met in real files are accepted as aliases.
"""

from __future__ import annotations

from dataclasses import dataclass

from staff.lib.spreadsheets import fold_header

# The two kinds of file, each with its layout below.
STAFF, UNITS = "staff", "units"


@dataclass(frozen=True)
class Column:
    header: str  # the canonical Vietnamese header, as exported
    english: str
    required: bool = False
    aliases: tuple[str, ...] = ()


STAFF_CODE = "Mã cán bộ"
STAFF_NAME = "Họ và tên"
STAFF_DOB = "Ngày sinh"
STAFF_GENDER = "Giới tính"
STAFF_UNIT = "Mã đơn vị"
STAFF_POSITION = "Chức vụ"
STAFF_CATEGORY = "Loại"
STAFF_DUTY_GROUP = "Nhóm nhiệm vụ"
STAFF_MANAGER = "Mã người quản lý"
STAFF_EMAIL = "Email"
STAFF_PARTY = "Đảng viên"
STAFF_JOINED = "Ngày vào"

STAFF_COLUMNS: tuple[Column, ...] = (
    Column(STAFF_CODE, "Staff code", True, ("Mã CB", "Mã CBCCVC", "Mã số cán bộ")),
    Column(STAFF_NAME, "Full name", True, ("Họ tên", "Họ và tên cán bộ")),
    Column(STAFF_DOB, "Date of birth"),
    Column(STAFF_GENDER, "Gender"),
    Column(STAFF_UNIT, "Unit code", True),
    Column(STAFF_POSITION, "Position"),
    Column(STAFF_CATEGORY, "Category", True, ("Phân loại", "Loại cán bộ")),
    Column(STAFF_DUTY_GROUP, "Duty group", False, ("Nhóm có vai trò tương đồng",)),
    Column(STAFF_MANAGER, "Manager code", False, ("Mã quản lý", "Mã người quản lý trực tiếp")),
    Column(STAFF_EMAIL, "E-mail", False, ("Thư điện tử", "E-mail")),
    Column(STAFF_PARTY, "Party member"),
    Column(STAFF_JOINED, "Joined on", True, ("Ngày vào làm", "Ngày tuyển dụng")),
)

UNIT_CODE = "Mã đơn vị"
UNIT_NAME = "Tên đơn vị"
UNIT_PARENT = "Mã đơn vị cha"
UNIT_KIND = "Loại đơn vị"

UNIT_COLUMNS: tuple[Column, ...] = (
    Column(UNIT_CODE, "Unit code", True),
    Column(UNIT_NAME, "Unit name", True),
    Column(UNIT_PARENT, "Parent code", False, ("Mã đơn vị cấp trên",)),
    Column(UNIT_KIND, "Unit kind"),
)


def layout(kind: str) -> tuple[Column, ...]:
    """The layout of a kind of file: a staff list, or else a unit list."""
    return STAFF_COLUMNS if kind == STAFF else UNIT_COLUMNS


def lookup(columns: tuple[Column, ...]) -> dict[str, Column]:
    table: dict[str, Column] = {}
    for col in columns:
        for name in (col.header, *col.aliases):
            table[fold_header(name)] = col
    return table


def match_headers(cells: list[object], columns: tuple[Column, ...]) -> dict[int, Column]:
    """Map cell positions of a header row to columns; unknown headers are ignored; the first
    of two equal headers wins."""
    table = lookup(columns)
    found: dict[int, Column] = {}
    seen: set[str] = set()
    for i, cell in enumerate(cells):
        col = table.get(fold_header(cell))
        if col is not None and col.header not in seen:
            found[i] = col
            seen.add(col.header)
    return found


def missing_required(found: dict[int, Column], columns: tuple[Column, ...]) -> list[Column]:
    present = {c.header for c in found.values()}
    return [c for c in columns if c.required and c.header not in present]
