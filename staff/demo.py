"""The demo province: agencies, units, positions, duty groups, staff, leave, transfers, logins.

Two stages, so that "same seed → same data" is testable without a database and re-running is
safe:

1. ``plan_demo(staff_count=, seed=)`` — pure: draws everything from ``random.Random(seed)`` into
   plain dataclasses. Nothing depends on what the database already holds, so the draw is the
   same every time.
2. ``build_demo_province(staff_count=, seed=)`` — writes the plan idempotently: rows are matched
   by their codes (update_or_create / bulk_create of the missing ones / bulk_update of the
   rest), history rows by their natural key, so running twice leaves the same data.

Other commands (e.g. a demo of evaluations) call ``build_demo_province`` and then add their own.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Q
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from staff.models import (
    APPROVER_ROLES,
    Agency,
    AgencySuccession,
    AgencyType,
    DutyGroup,
    Leadership,
    LeaveKind,
    LeavePeriod,
    Position,
    Province,
    Role,
    RoleAssignment,
    StaffCategory,
    StaffMember,
    Transfer,
    Unit,
)

DEMO_PASSWORD = "demo12345"
PROVINCE_CODE = "DNDEMO"
PROVINCE_NAME = "Thành phố Đà Nẵng (demo)"
# The demo of the map before 1 July 2025 (Tỉnh Quảng Nam, its districts): its agencies would
# stay beside today's, so a database holding it is refused rather than mixed.
OLD_MAP_PROVINCE_CODE = "QNDEMO"
VALID_FROM = dt.date(2025, 7, 1)  # the two-tier map (Resolution 202/2025/QH15) starts then

# Today's map (DOMAIN.md §1): the city's departments, its communes / wards / special zone, its
# public service units — no district tier. Communes, wards and the special zone share one type:
# types group the rankings, and the three are one tier of government with the same apparatus
# (Decree 150/2025: an office and two specialised divisions) and the same duties, so they are
# ranked against one another; three types would split eleven agencies into groups of 7, 3 and 1
# (the one special zone ranking alone).
AGENCY_TYPES = [
    # code, name, name_en, order
    ("so", "Sở, ban, ngành", "Department", 1),
    ("xa", "UBND xã, phường, đặc khu", "Commune, ward or special zone", 2),
    ("dvsn", "Đơn vị sự nghiệp công lập", "Public service unit", 3),
]

# A commune's and a special zone's offices, and a ward's (Decree 150/2025).
_COMMUNE_OFFICES = ["Văn phòng HĐND và UBND", "Phòng Kinh tế", "Phòng Văn hóa - Xã hội"]
_WARD_OFFICES = [
    "Văn phòng HĐND và UBND", "Phòng Kinh tế, Hạ tầng và Đô thị", "Phòng Văn hóa - Xã hội",
]  # fmt: skip
# level: (Vietnamese, English, head position, deputy position, offices)
_LOCAL_LEVELS = {
    "phuong": ("phường", "Ward", "CTPH", "PCTPH", _WARD_OFFICES),
    "xa": ("xã", "Commune", "CTX", "PCTX", _COMMUNE_OFFICES),
    "dackhu": ("đặc khu", "Special Zone", "CTDK", "PCTDK", _COMMUNE_OFFICES),
}


def _local(code: str, level: str, place: str) -> tuple:
    """The People's Committee of a commune, ward or special zone, as an AGENCIES row."""
    vi, en, head, deputy, offices = _LOCAL_LEVELS[level]
    return (code, f"UBND {vi} {place}", f"{place} {en} People's Committee", "xa",
            f"Lãnh đạo UBND {vi}", head, deputy, "adm", offices)  # fmt: skip


# Most departments have these besides their own divisions — and no inspectorate: the Law on
# Inspection 2025 keeps only the city's (TTTP below).
_SO_UNITS = ["Văn phòng Sở", "Phòng Kế hoạch - Tài chính"]
# code, name, name_en, type, leadership unit, head pos, deputy pos, kind, unit names
AGENCIES: list[tuple[str, str, str, str, str, str, str, str, list[str]]] = [
    # The demo logins work in SNV, whose first unit is the truongphong's: keep it first.
    ("SNV", "Sở Nội vụ", "Department of Home Affairs", "so", "Lãnh đạo Sở", "GD", "PGD", "adm",
     ["Phòng Công chức, viên chức", "Văn phòng Sở", "Phòng Tổ chức biên chế",
      "Phòng Xây dựng chính quyền", "Phòng Lao động - Việc làm", "Phòng Người có công"]),
    # Two centres the demo merges from the first day of the current month (evaluation.demo), so
    # that a successor with its lineage is there to see.
    ("TTXTDT", "Trung tâm Xúc tiến Đầu tư thành phố", "City Investment Promotion Centre",
     "dvsn", "Ban Giám đốc", "GD", "PGD", "adm",
     ["Phòng Hành chính - Tổng hợp", "Phòng Xúc tiến đầu tư"]),
    ("TTXTDL", "Trung tâm Xúc tiến Du lịch thành phố", "City Tourism Promotion Centre",
     "dvsn", "Ban Giám đốc", "GD", "PGD", "adm",
     ["Phòng Hành chính - Tổng hợp", "Phòng Quảng bá du lịch"]),
    ("STC", "Sở Tài chính", "Department of Finance", "so", "Lãnh đạo Sở", "GD", "PGD", "adm",
     ["Phòng Quản lý ngân sách", "Phòng Quản lý đầu tư", "Phòng Đăng ký kinh doanh",
      "Phòng Tài chính doanh nghiệp", *_SO_UNITS]),
    ("SXD", "Sở Xây dựng", "Department of Construction", "so", "Lãnh đạo Sở", "GD", "PGD",
     "adm", ["Phòng Quản lý xây dựng", "Phòng Quy hoạch - Kiến trúc",
             "Phòng Quản lý kết cấu hạ tầng giao thông", "Phòng Quản lý vận tải", *_SO_UNITS]),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment", "so",
     "Lãnh đạo Sở", "GD", "PGD", "adm",
     ["Phòng Trồng trọt và Bảo vệ thực vật", "Phòng Quản lý đất đai", "Phòng Môi trường",
      "Phòng Thủy lợi", *_SO_UNITS]),
    ("SKHCN", "Sở Khoa học và Công nghệ", "Department of Science and Technology", "so",
     "Lãnh đạo Sở", "GD", "PGD", "adm",
     ["Phòng Quản lý khoa học", "Phòng Chuyển đổi số", "Phòng Bưu chính, Viễn thông",
      *_SO_UNITS]),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "Department of Culture, Sports and Tourism",
     "so", "Lãnh đạo Sở", "GD", "PGD", "adm",
     ["Phòng Quản lý văn hóa", "Phòng Quản lý thể dục thể thao", "Phòng Quản lý du lịch",
      "Phòng Báo chí, Xuất bản", *_SO_UNITS]),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "Department of Education and Training", "so",
     "Lãnh đạo Sở", "GD", "PGD", "adm",
     ["Phòng Giáo dục Mầm non", "Phòng Giáo dục phổ thông", "Phòng Giáo dục nghề nghiệp",
      "Phòng Khảo thí", *_SO_UNITS]),
    ("SYT", "Sở Y tế", "Department of Health", "so", "Lãnh đạo Sở", "GD", "PGD", "adm",
     ["Phòng Nghiệp vụ Y", "Phòng Nghiệp vụ Dược", "Phòng Bảo trợ xã hội",
      "Phòng Tổ chức cán bộ", *_SO_UNITS]),
    ("SCT", "Sở Công Thương", "Department of Industry and Trade", "so", "Lãnh đạo Sở", "GD",
     "PGD", "adm", ["Phòng Quản lý công nghiệp", "Phòng Quản lý thương mại",
                    "Phòng Quản lý năng lượng", *_SO_UNITS]),
    ("STP", "Sở Tư pháp", "Department of Justice", "so", "Lãnh đạo Sở", "GD", "PGD", "adm",
     ["Phòng Xây dựng và Kiểm tra văn bản", "Phòng Phổ biến, giáo dục pháp luật",
      "Phòng Hành chính tư pháp", "Phòng Bổ trợ tư pháp", "Văn phòng Sở"]),
    ("VPUB", "Văn phòng UBND thành phố", "Office of the City People's Committee", "so",
     "Lãnh đạo Văn phòng", "CVP", "PCVP", "adm",
     ["Phòng Tổng hợp", "Phòng Kinh tế", "Phòng Văn hóa - Xã hội", "Phòng Hành chính - Tổ chức",
      "Phòng Quản trị - Tài vụ"]),
    ("TTTP", "Thanh tra thành phố", "City Inspectorate", "so", "Lãnh đạo Thanh tra thành phố",
     "CTT", "PCTT", "adm",
     ["Văn phòng", "Phòng Thanh tra 1", "Phòng Thanh tra 2", "Phòng Thanh tra 3",
      "Phòng Tiếp công dân và Xử lý đơn", "Phòng Phòng, chống tham nhũng"]),
    # Wards, communes and the special zone of the city since 1 July 2025 (a few of its 94).
    _local("PHAICHAU", "phuong", "Hải Châu"),
    _local("PHOACUONG", "phuong", "Hòa Cường"),
    _local("PTHANHKHE", "phuong", "Thanh Khê"),
    _local("PNGUHANHSON", "phuong", "Ngũ Hành Sơn"),
    _local("PTAMKY", "phuong", "Tam Kỳ"),
    _local("PHOIAN", "phuong", "Hội An"),
    _local("PDIENBAN", "phuong", "Điện Bàn"),
    _local("XHOAVANG", "xa", "Hòa Vang"),
    _local("XNUITHANH", "xa", "Núi Thành"),
    _local("XTHANGBINH", "xa", "Thăng Bình"),
    _local("DKHOANGSA", "dackhu", "Hoàng Sa"),
    ("BVDN", "Bệnh viện Đà Nẵng", "Đà Nẵng Hospital", "dvsn", "Ban Giám đốc", "GD", "PGD",
     "hospital",
     ["Khoa Nội tổng hợp", "Khoa Ngoại tổng hợp", "Khoa Cấp cứu", "Khoa Nhi",
      "Phòng Tổ chức cán bộ", "Phòng Kế hoạch tổng hợp"]),
    ("CDNDN", "Trường Cao đẳng Nghề Đà Nẵng", "Đà Nẵng Vocational Training College", "dvsn",
     "Ban Giám hiệu", "HT", "PHT", "school",
     ["Phòng Đào tạo", "Khoa Cơ khí", "Khoa Điện - Điện tử", "Khoa Công nghệ thông tin",
      "Phòng Tổ chức - Hành chính"]),
    ("CDC", "Trung tâm Kiểm soát bệnh tật thành phố", "City Centre for Disease Control", "dvsn",
     "Ban Giám đốc", "GD", "PGD", "hospital",
     ["Khoa Phòng chống bệnh truyền nhiễm", "Khoa Xét nghiệm", "Phòng Kế hoạch - Nghiệp vụ"]),
]  # fmt: skip

_AGENCY_TYPE = {a[0]: a[3] for a in AGENCIES}
_AGENCY_KIND = {a[0]: a[7] for a in AGENCIES}
# The rank and file go to units at random, weight 1 each; the special zone of Hoàng Sa works
# from the mainland with a small office, so its units draw a fifth of that.
_MEMBER_WEIGHT = {"DKHOANGSA": 0.2}

POSITIONS = [
    # code, name, name_en, leadership
    ("GD", "Giám đốc", "Director", Leadership.HEAD),
    ("PGD", "Phó Giám đốc", "Deputy Director", Leadership.DEPUTY),
    ("CTPH", "Chủ tịch UBND phường", "Ward Chairperson", Leadership.HEAD),
    ("PCTPH", "Phó Chủ tịch UBND phường", "Ward Vice Chairperson", Leadership.DEPUTY),
    ("CTX", "Chủ tịch UBND xã", "Commune Chairperson", Leadership.HEAD),
    ("PCTX", "Phó Chủ tịch UBND xã", "Commune Vice Chairperson", Leadership.DEPUTY),
    ("CTDK", "Chủ tịch UBND đặc khu", "Special Zone Chairperson", Leadership.HEAD),
    ("PCTDK", "Phó Chủ tịch UBND đặc khu", "Special Zone Vice Chairperson", Leadership.DEPUTY),
    ("CTT", "Chánh Thanh tra", "Chief Inspector", Leadership.HEAD),
    ("PCTT", "Phó Chánh Thanh tra", "Deputy Chief Inspector", Leadership.DEPUTY),
    ("HT", "Hiệu trưởng", "Rector", Leadership.HEAD),
    ("PHT", "Phó Hiệu trưởng", "Vice Rector", Leadership.DEPUTY),
    ("TP", "Trưởng phòng", "Head of Division", Leadership.HEAD),
    ("PTP", "Phó Trưởng phòng", "Deputy Head of Division", Leadership.DEPUTY),
    ("CVP", "Chánh Văn phòng", "Chief of Office", Leadership.HEAD),
    ("PCVP", "Phó Chánh Văn phòng", "Deputy Chief of Office", Leadership.DEPUTY),
    ("CVPX", "Chánh Văn phòng HĐND và UBND", "Chief of the Council and Committee Office",
     Leadership.HEAD),
    ("PCVPX", "Phó Chánh Văn phòng HĐND và UBND",
     "Deputy Chief of the Council and Committee Office", Leadership.DEPUTY),
    ("TK", "Trưởng khoa", "Head of Department", Leadership.HEAD),
    ("PTK", "Phó Trưởng khoa", "Deputy Head of Department", Leadership.DEPUTY),
    ("CVC", "Chuyên viên chính", "Principal Officer", Leadership.NONE),
    ("CV", "Chuyên viên", "Officer", Leadership.NONE),
    ("BS", "Bác sĩ", "Physician", Leadership.NONE),
    ("DD", "Điều dưỡng", "Nurse", Leadership.NONE),
    ("GV", "Giảng viên", "Lecturer", Leadership.NONE),
    ("KT", "Kế toán", "Accountant", Leadership.NONE),
    ("NV", "Nhân viên", "Support staff", Leadership.NONE),
]  # fmt: skip

DUTY_GROUPS = [
    ("LD", "Lãnh đạo, quản lý", "Leaders and managers"),
    ("CV", "Chuyên viên, chuyên môn nghiệp vụ", "Officers and professionals"),
    ("NV", "Nhân viên, phục vụ, hỗ trợ", "Support staff"),
]

# (position code, weight) of the rank and file, by kind of agency
_RANK_AND_FILE = {
    "adm": [("CV", 62), ("CVC", 16), ("KT", 6), ("NV", 16)],
    "hospital": [("BS", 35), ("DD", 40), ("KT", 5), ("CV", 8), ("NV", 12)],
    "school": [("GV", 60), ("CV", 20), ("KT", 5), ("NV", 15)],
}
# The first member of each unit: its kind's core professional
_CORE_MEMBER = {"adm": "CV", "hospital": "BS", "school": "GV"}

FAMILY = [
    ("Nguyễn", 31), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 6),
    ("Phan", 5), ("Võ", 6), ("Đặng", 3), ("Bùi", 3), ("Đỗ", 3), ("Hồ", 3), ("Ngô", 2),
    ("Dương", 2), ("Lý", 1), ("Trương", 2), ("Đinh", 1),
]  # fmt: skip
MIDDLE_MALE = ["Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Công", "Xuân", "Ngọc"]
MIDDLE_FEMALE = ["Thị", "Thị", "Thị", "Thị", "Ngọc", "Thanh", "Minh", "Thu", "Kim", "Mỹ", "Hồng"]
GIVEN_MALE = [
    "An", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Định", "Đông", "Đức", "Hải", "Hiếu",
    "Hoàng", "Hùng", "Huy", "Khang", "Khánh", "Lâm", "Long", "Lực", "Minh", "Nam", "Nghĩa",
    "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài", "Tâm", "Thắng", "Thành", "Tiến", "Toàn",
    "Trung", "Tuấn", "Tùng", "Tư", "Vinh", "Vũ",
]  # fmt: skip
GIVEN_FEMALE = [
    "Anh", "Ánh", "Bích", "Châu", "Diệp", "Dung", "Duyên", "Giang", "Hà", "Hằng", "Hạnh",
    "Hiền", "Hoa", "Hồng", "Hương", "Hường", "Lan", "Linh", "Loan", "Mai", "My", "Nga", "Ngân",
    "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Thu", "Thủy", "Trang", "Trâm", "Uyên", "Vân",
    "Yến", "Ưng",
]  # fmt: skip

LOGINS = [
    # username, role, Vietnamese role name
    ("admin", Role.PROVINCE_ADMIN, "Quản trị hệ thống (siêu quản trị)"),
    ("sonoivu", Role.PROVINCE_ADMIN, "Quản trị cấp tỉnh (Sở Nội vụ)"),
    ("thanhtra", Role.INSPECTOR, "Thanh tra, kiểm tra"),
    ("giamdoc", Role.AGENCY_HEAD, "Thủ trưởng cơ quan"),
    ("uyquyen", Role.HEAD_DELEGATE, "Người được thủ trưởng ủy quyền"),
    ("tccb", Role.HR_OFFICER, "Cán bộ tổ chức"),
    ("truongphong", Role.MANAGER, "Người quản lý trực tiếp (trưởng phòng)"),
    ("canbo", Role.STAFF, "Cán bộ, công chức"),
    # The heads of agencies are rated by the city's People's Committee (DOMAIN.md §1).
    ("pct", Role.PROVINCE_APPROVER, "Phó Chủ tịch UBND thành phố Đà Nẵng"),
]
# The demo logins who sign something, and so pass a second factor: the agency's approvers, the
# province approver (the heads) and the province admin (quota exceptions).
SECOND_FACTOR_ROLES = (*APPROVER_ROLES, Role.PROVINCE_APPROVER, Role.PROVINCE_ADMIN)


@dataclass(frozen=True)
class UnitPlan:
    code: str
    name: str
    agency_code: str
    parent_code: str | None
    is_leadership: bool


@dataclass
class StaffPlan:
    code: str
    full_name: str
    gender: str
    category: str
    position_code: str
    duty_group_code: str
    unit_code: str
    agency_code: str
    manager_code: str | None
    date_of_birth: dt.date
    joined_on: dt.date
    left_on: dt.date | None
    party_member: bool


@dataclass(frozen=True)
class LeavePlan:
    staff_code: str
    kind: str
    start: dt.date
    end: dt.date
    note: str


@dataclass(frozen=True)
class TransferPlan:
    staff_code: str
    from_unit_code: str
    to_unit_code: str
    effective_on: dt.date
    reason: str


@dataclass
class DemoPlan:
    units: list[UnitPlan] = field(default_factory=list)
    staff: list[StaffPlan] = field(default_factory=list)
    leaves: list[LeavePlan] = field(default_factory=list)
    transfers: list[TransferPlan] = field(default_factory=list)
    # username → staff code linked to that login (None: no staff record, or not in the plan)
    login_staff: dict[str, str | None] = field(default_factory=dict)
    truongphong_unit: str | None = None


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def _name(rng: random.Random, gender: str) -> str:
    family = _weighted(rng, FAMILY)
    female = gender == "female"
    middle = rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
    if rng.random() < 0.15:  # some people carry two middle names ("Thị Ngọc", "Văn Minh")
        extra = rng.choice(MIDDLE_FEMALE[4:] if female else MIDDLE_MALE[3:])
        if extra != middle:
            middle = f"{middle} {extra}"
    given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
    return f"{family} {middle} {given}"


def _date_between(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))


def _unit_head_position(unit_name: str, kind: str) -> tuple[str, str]:
    if unit_name.startswith("Văn phòng HĐND"):
        return ("CVPX", "PCVPX")
    if unit_name.startswith("Văn phòng"):
        return ("CVP", "PCVP")
    if unit_name.startswith("Khoa"):
        return ("TK", "PTK")
    return ("TP", "PTP")


class _Slot(NamedTuple):
    """A place in the province to be filled by one person, in the order people are numbered."""

    kind: str  # head, deputy, unit_head, unit_deputy, member
    agency_code: str
    unit: UnitPlan
    position_code: str
    manager: int | None  # index of the manager's slot


def plan_demo(*, staff_count: int = 600, seed: int = 2026) -> DemoPlan:
    """Draw the whole demo province from ``random.Random(seed)``; no database access.

    Every step draws from the same generator, so the steps keep this order: units, slots,
    people, leave, transfers (the logins draw nothing).
    """
    rng = random.Random(seed)
    plan = DemoPlan()
    regular_units = _plan_units(rng, plan)
    slots = _plan_slots(rng, plan.units, regular_units, staff_count)
    plan.staff = [_plan_person(rng, i, slot) for i, slot in enumerate(slots, start=1)]
    plan.leaves = _plan_leave(rng, plan.staff)
    plan.transfers = _plan_transfers(rng, plan.staff, slots, regular_units)
    plan.login_staff = _plan_logins(plan.staff, slots, regular_units)
    return plan


def _plan_units(rng: random.Random, plan: DemoPlan) -> dict[str, list[UnitPlan]]:
    """A leadership unit + 2..5 others per agency (a commune, ward or special zone: its three
    offices), and one tổ under SNV's first phòng.

    Appends them all to ``plan.units`` (parents before children) and returns each agency's
    units other than its leadership; SNV's first one is the ``truongphong`` login's.
    """
    regular_units: dict[str, list[UnitPlan]] = {}
    for code, _n, _e, _t, lead_name, _h, _d, _k, unit_names in AGENCIES:
        plan.units.append(UnitPlan(f"{code}-LD", lead_name, code, None, True))
        count = rng.randint(2, min(5, len(unit_names)))
        # SNV keeps its first unit first: the demo logins live there.
        if _AGENCY_TYPE[code] == "xa":
            chosen = list(unit_names)  # Decree 150/2025 sets its three offices: all of them
        elif code == "SNV":
            chosen = unit_names[:1] + rng.sample(unit_names[1:], count - 1)
        else:
            chosen = rng.sample(unit_names, count)
        regular_units[code] = []
        for i, name in enumerate(chosen, start=1):
            unit = UnitPlan(f"{code}-P{i:02d}", name, code, None, False)
            plan.units.append(unit)
            regular_units[code].append(unit)
    snv_first = regular_units["SNV"][0]
    team = UnitPlan(f"{snv_first.code}-T01", "Tổ Tổng hợp", "SNV", snv_first.code, False)
    plan.units.append(team)
    regular_units["SNV"].append(team)
    plan.truongphong_unit = snv_first.code
    return regular_units


def _plan_slots(
    rng: random.Random,
    units: list[UnitPlan],
    regular_units: dict[str, list[UnitPlan]],
    staff_count: int,
) -> list[_Slot]:
    """Leaders first, so that a small ``staff_count`` still has heads; then one core
    professional per unit, in plan order (SNV's first: the logins' units are filled even in a
    small demo); then the rank and file in random units, up to ``staff_count``."""
    slots: list[_Slot] = []
    unit_head_slot: dict[str, int] = {}
    for code, _n, _e, _t, _l, head_pos, deputy_pos, _k, _u in AGENCIES:
        lead_unit = next(u for u in units if u.code == f"{code}-LD")
        head_idx = len(slots)
        slots.append(_Slot("head", code, lead_unit, head_pos, None))
        deputies = [len(slots) + i for i in range(rng.randint(1, 3))]
        for _ in deputies:
            slots.append(_Slot("deputy", code, lead_unit, deputy_pos, head_idx))
        unit_head_slot[lead_unit.code] = head_idx
        for unit in regular_units[code]:
            head_p, dep_p = _unit_head_position(unit.name, _AGENCY_KIND[code])
            boss = (
                unit_head_slot[unit.parent_code]
                if unit.parent_code
                else rng.choice(deputies or [head_idx])
            )
            unit_head_slot[unit.code] = len(slots)
            slots.append(_Slot("unit_head", code, unit, head_p, boss))
            if rng.random() < 0.5:
                slots.append(_Slot("unit_deputy", code, unit, dep_p, unit_head_slot[unit.code]))
    all_regular = [u for code in regular_units for u in regular_units[code]]
    for unit in all_regular[: max(0, staff_count - len(slots))]:
        pos = _CORE_MEMBER[_AGENCY_KIND[unit.agency_code]]
        slots.append(_Slot("member", unit.agency_code, unit, pos, unit_head_slot[unit.code]))
    weights = [_MEMBER_WEIGHT.get(u.agency_code, 1.0) for u in all_regular]
    while len(slots) < staff_count:
        unit = rng.choices(all_regular, weights=weights)[0]
        pos = _weighted(rng, _RANK_AND_FILE[_AGENCY_KIND[unit.agency_code]])
        slots.append(_Slot("member", unit.agency_code, unit, pos, unit_head_slot[unit.code]))
    return slots[:staff_count]


# Divisions of a department whose people the demo makes viên chức (examiners, data and medical
# professionals on public-employee posts, the division's own leaders included so that a small
# demo has some): a department then holds công chức and viên chức, rated under two rule sets in
# the same month (DOMAIN.md §5). Chosen by the division's name, so no random draw moves and the
# rest of the plan stays as it was.
_VC_DIVISIONS = frozenset({"Phòng Khảo thí", "Phòng Chuyển đổi số", "Phòng Nghiệp vụ Y"})


def _plan_person(rng: random.Random, i: int, slot: _Slot) -> StaffPlan:
    """The ``i``-th person (``DN00000i``), filling ``slot``."""
    kind, agency_code, unit, pos, boss = slot
    agency_type = _AGENCY_TYPE[agency_code]
    gender = "female" if rng.random() < 0.52 else "male"
    leader = kind != "member"
    dob = _date_between(rng, dt.date(1966, 1, 1), dt.date(1985 if leader else 2001, 12, 31))
    # 22 years after birth, counted in days: dob.replace(year=…) fails on 29 February.
    earliest = max(dt.date(1990, 1, 1), dob + dt.timedelta(days=22 * 365))
    joined = _date_between(rng, earliest, dt.date(2024, 6, 30))
    if agency_type == "xa" and kind in ("head", "deputy"):
        category = StaffCategory.CB  # a commune's chair and vice-chairs are elected: cán bộ
    elif pos == "NV":
        category = StaffCategory.NLD
    elif agency_type == "dvsn" or (
        agency_type == "so" and kind in ("unit_head", "member") and unit.name in _VC_DIVISIONS
    ):
        category = StaffCategory.VC
    else:
        category = StaffCategory.CC
    left_on = None
    if not leader and rng.random() < 0.02:
        left_on = _date_between(rng, VALID_FROM, dt.date(2025, 12, 31))
    return StaffPlan(
        code=f"DN{i:06d}",
        full_name=_name(rng, gender),
        gender=gender,
        category=category,
        position_code=pos,
        duty_group_code="LD" if leader else ("NV" if pos == "NV" else "CV"),
        unit_code=unit.code,
        agency_code=agency_code,
        manager_code=f"DN{boss + 1:06d}" if boss is not None and boss < i else None,
        date_of_birth=dob,
        joined_on=joined,
        left_on=left_on,
        party_member=rng.random() < (0.95 if leader else 0.4),
    )


def _plan_leave(rng: random.Random, staff: list[StaffPlan]) -> list[LeavePlan]:
    """Maternity, sick and study leave for a few people (drawn after the people, from them)."""
    leaves = []
    for person in staff:
        r = rng.random()
        if person.gender == "female" and r < 0.03 and person.date_of_birth.year >= 1985:
            start = _date_between(rng, dt.date(2025, 3, 1), dt.date(2025, 12, 1))
            kind, days, note = LeaveKind.MATERNITY, 183, "Nghỉ thai sản 6 tháng"
        elif r < 0.05:
            start = _date_between(rng, dt.date(2025, 1, 1), dt.date(2026, 1, 31))
            kind, days, note = LeaveKind.SICK, rng.randint(2, 14), "Nghỉ ốm"
        elif r < 0.06:
            start = _date_between(rng, dt.date(2025, 1, 1), dt.date(2025, 9, 1))
            kind, days, note = LeaveKind.STUDY, 90, "Bồi dưỡng lý luận chính trị"
        else:
            continue
        end = start + dt.timedelta(days=days)
        leaves.append(LeavePlan(person.code, kind, start, end, note))
    return leaves


def _plan_transfers(
    rng: random.Random,
    staff: list[StaffPlan],
    slots: list[_Slot],
    regular_units: dict[str, list[UnitPlan]],
) -> list[TransferPlan]:
    """About 1.5 % of the rank and file came, after 1 July 2025, from another unit of their
    agency."""
    transfers = []
    for person, slot in zip(staff, slots, strict=True):
        if slot.kind != "member" or rng.random() >= 0.015:
            continue
        others = [u for u in regular_units[person.agency_code] if u.code != person.unit_code]
        if not others:
            continue
        origin = rng.choice(others)
        transfers.append(
            TransferPlan(
                person.code,
                origin.code,
                person.unit_code,
                _date_between(rng, max(person.joined_on, VALID_FROM), dt.date(2025, 12, 31)),
                "Điều động theo nhu cầu công tác",
            )
        )
    return transfers


def _plan_logins(
    staff: list[StaffPlan], slots: list[_Slot], regular_units: dict[str, list[UnitPlan]]
) -> dict[str, str | None]:
    """Which staff record each demo login is (None: no record fits, or ``admin``)."""
    # SNV's first unit is the truongphong's; the tổ under it was appended last (_plan_units).
    snv_first, team = regular_units["SNV"][0], regular_units["SNV"][-1]
    by_code = {p.code: p for p in staff}

    def first(pred) -> str | None:
        return next((p.code for p, s in zip(staff, slots, strict=True) if pred(p, s)), None)

    giamdoc = first(lambda p, s: s.kind == "head" and p.agency_code == "SNV")
    uyquyen = first(lambda p, s: s.kind == "deputy" and p.agency_code == "SNV")
    truongphong = first(lambda p, s: s.kind == "unit_head" and p.unit_code == snv_first.code)
    canbo = first(
        lambda p, s: (
            s.kind == "member"
            and p.unit_code == snv_first.code
            and p.manager_code == truongphong
            and p.left_on is None
            and p.position_code != "NV"
        )
    )
    snv_others = [u.code for u in regular_units["SNV"] if u.code not in (snv_first.code, team.code)]
    tccb = first(
        lambda p, s: s.kind == "member" and p.unit_code in snv_others[:1] and p.left_on is None
    )
    sonoivu = first(
        lambda p, s: (
            s.kind == "member"
            and p.unit_code in snv_others
            and p.left_on is None
            and p.code != tccb
        )
    )
    thanhtra = first(lambda p, s: s.kind == "member" and p.agency_code == "TTTP" and not p.left_on)
    login_staff = {
        "admin": None,
        "sonoivu": sonoivu,
        "thanhtra": thanhtra,
        "giamdoc": giamdoc,
        "uyquyen": uyquyen,
        "tccb": tccb,
        "truongphong": truongphong,
        "canbo": canbo,
        "pct": None,  # the city's People's Committee: no staff record in the agencies
    }
    assert all(c is None or c in by_code for c in login_staff.values())
    return login_staff


# --- persistence ------------------------------------------------------------------------------

_STAFF_FIELDS = [
    "full_name", "family_name", "middle_name", "given_name", "sort_key", "search_text",
    "category", "position", "duty_group", "unit", "agency", "email", "date_of_birth",
    "gender", "joined_on", "left_on", "party_member",
]  # fmt: skip


@transaction.atomic
def build_demo_province(*, staff_count: int = 600, seed: int = 2026) -> dict:
    """Create or refresh the demo province; returns counts and the demo logins.

    Idempotent: everything is keyed by code (staff ``DN000001``…, units ``SNV-P01``…), so a
    second run updates rows in place. Demo staff beyond ``staff_count`` from an earlier, larger
    run are removed with their leave and transfer rows. A database holding the demo of the map
    before July 2025 is refused (``CommandError``): its agencies would stay beside today's.
    """
    if Province.objects.filter(code=OLD_MAP_PROVINCE_CODE).exists():
        raise CommandError(
            f"Cơ sở dữ liệu đang chứa tỉnh demo theo bản đồ trước 1/7/2025 "
            f"({OLD_MAP_PROVINCE_CODE}, có cấp huyện): hãy tạo lại từ cơ sở dữ liệu mới (xóa "
            f"db.sqlite3). / The database holds the demo of the map before 1 July 2025 "
            f"({OLD_MAP_PROVINCE_CODE}, with districts): start from a fresh database."
        )
    plan = plan_demo(staff_count=staff_count, seed=seed)
    province, agencies, units = _build_organisations(plan)
    positions, groups = _build_positions_and_groups()
    ids = _build_staff(plan, province=province, units=units, positions=positions, groups=groups)
    _drop_stale_history(plan, ids=ids)
    _add_missing_history(plan, ids=ids, units=units)
    logins = _build_logins(plan, ids=ids, agency=agencies["SNV"], units=units)
    return {
        "province": province.code,
        "agencies": len(agencies),
        "units": len(units),
        "staff": len(ids),
        "leave_periods": LeavePeriod.objects.filter(staff_id__in=ids.values()).count(),
        "transfers": Transfer.objects.filter(staff_id__in=ids.values()).count(),
        "logins": logins,
    }


def _build_organisations(plan: DemoPlan) -> tuple[Province, dict[str, Agency], dict[str, Unit]]:
    """The agency types, the province, its agencies and the planned units, by code."""
    types = {}
    for code, name, name_en, order in AGENCY_TYPES:
        types[code], _ = AgencyType.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order}
        )
    province, _ = Province.objects.update_or_create(
        code=PROVINCE_CODE, defaults={"name": PROVINCE_NAME}
    )
    # Agencies merged or split since an earlier run are history now (staff.restructuring): the
    # plan must not bring them back, nor take their units from their successors.
    succeeded = set(AgencySuccession.objects.values_list("predecessor__code", flat=True))
    agencies: dict[str, Agency] = {}
    for code, name, name_en, type_code, *_rest in AGENCIES:
        if code in succeeded:
            agencies[code] = Agency.objects.get(code=code)
            continue
        agencies[code], _ = Agency.objects.update_or_create(
            code=code,
            defaults={
                "province": province,
                "name": name,
                "name_en": name_en,
                "agency_type": types[type_code],
                "valid_from": VALID_FROM,
                "is_active": True,
            },
        )
    units: dict[str, Unit] = {}
    restructured = [up.code for up in plan.units if up.agency_code in succeeded]
    kept = {u.code: u for u in Unit.objects.filter(code__in=restructured)}
    for up in plan.units:  # parents come before children in the plan
        if up.agency_code in succeeded and up.code in kept:
            units[up.code] = kept[up.code]  # where the restructuring put it
            continue
        units[up.code], _ = Unit.objects.update_or_create(
            code=up.code,
            defaults={
                "agency": agencies[up.agency_code],
                "parent": units[up.parent_code] if up.parent_code else None,
                "name": up.name,
                "valid_from": VALID_FROM,
            },
        )
    return province, agencies, units


def _build_positions_and_groups() -> tuple[dict[str, Position], dict[str, DutyGroup]]:
    positions = {}
    for code, name, name_en, leadership in POSITIONS:
        positions[code], _ = Position.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "leadership": leadership}
        )
    groups = {}
    for code, name, name_en in DUTY_GROUPS:
        groups[code], _ = DutyGroup.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )
    return positions, groups


def _build_staff(
    plan: DemoPlan,
    *,
    province: Province,
    units: dict[str, Unit],
    positions: dict[str, Position],
    groups: dict[str, DutyGroup],
) -> dict[str, int]:
    """The planned staff, in bulk and in two passes (the rows, then their managers, which need
    the rows' ids); demo staff not in the plan are removed. Returns {staff code: pk}."""
    wanted = {p.code for p in plan.staff}
    demo_staff = StaffMember.objects.filter(agency__province=province)
    _remove_extra_staff(demo_staff.exclude(code__in=wanted))
    existing = {m.code: m for m in StaffMember.objects.filter(code__in=wanted)}
    to_create, to_update = [], []
    for p in plan.staff:
        member = existing.get(p.code) or StaffMember(code=p.code)
        member.full_name = p.full_name
        member.category = p.category
        member.position = positions[p.position_code]
        member.duty_group = groups[p.duty_group_code]
        member.unit = units[p.unit_code]
        member.email = f"{p.code.lower()}@demo.danhgia.example"
        member.date_of_birth = p.date_of_birth
        member.gender = p.gender
        member.joined_on = p.joined_on
        member.left_on = p.left_on
        member.party_member = p.party_member
        member.derive_fields()
        (to_update if member.pk else to_create).append(member)
    StaffMember.objects.bulk_create(to_create, batch_size=500)
    StaffMember.objects.bulk_update(to_update, _STAFF_FIELDS, batch_size=500)
    ids = dict(StaffMember.objects.filter(code__in=wanted).values_list("code", "pk"))
    rows = list(StaffMember.objects.filter(code__in=wanted).only("pk", "code", "manager_id"))
    managers = {p.code: ids.get(p.manager_code) if p.manager_code else None for p in plan.staff}
    changed = [m for m in rows if m.manager_id != managers[m.code]]
    for m in changed:
        m.manager_id = managers[m.code]
    StaffMember.objects.bulk_update(changed, ["manager"], batch_size=500)
    return ids


# History rows (leave, transfers) are keyed by their natural key: those of an earlier run with
# other arguments are dropped, the planned ones missing are added, so the database equals the
# plan. (Queryset deletes: Transfer.delete() refuses single rows; this is a demo reset.)


def _drop_stale_history(plan: DemoPlan, *, ids: dict[str, int]) -> None:
    planned_leave = {(ids[lp.staff_code], lp.kind, lp.start) for lp in plan.leaves}
    planned_transfer = {(ids[t.staff_code], t.effective_on) for t in plan.transfers}
    stale_leave = [
        pk
        for pk, *key in LeavePeriod.objects.filter(staff_id__in=ids.values()).values_list(
            "pk", "staff_id", "kind", "start"
        )
        if tuple(key) not in planned_leave
    ]
    LeavePeriod.objects.filter(pk__in=stale_leave).delete()
    stale_transfer = [
        pk
        for pk, *key in Transfer.objects.filter(staff_id__in=ids.values()).values_list(
            "pk", "staff_id", "effective_on"
        )
        if tuple(key) not in planned_transfer
    ]
    Transfer.objects.filter(pk__in=stale_transfer).delete()


def _add_missing_history(plan: DemoPlan, *, ids: dict[str, int], units: dict[str, Unit]) -> None:
    have_leave = set(
        LeavePeriod.objects.filter(staff_id__in=ids.values()).values_list(
            "staff_id", "kind", "start"
        )
    )
    LeavePeriod.objects.bulk_create(
        [
            LeavePeriod(
                staff_id=ids[lp.staff_code], kind=lp.kind, start=lp.start, end=lp.end, note=lp.note
            )
            for lp in plan.leaves
            if (ids[lp.staff_code], lp.kind, lp.start) not in have_leave
        ]
    )
    have_transfer = set(
        Transfer.objects.filter(staff_id__in=ids.values()).values_list("staff_id", "effective_on")
    )
    Transfer.objects.bulk_create(
        [
            Transfer(
                staff_id=ids[t.staff_code],
                from_unit=units[t.from_unit_code],
                to_unit=units[t.to_unit_code],
                effective_on=t.effective_on,
                reason=t.reason,
            )
            for t in plan.transfers
            if (ids[t.staff_code], t.effective_on) not in have_transfer
        ]
    )


def _remove_extra_staff(extra) -> None:
    """Drop demo staff left over from a larger earlier run (and their history rows)."""
    extra_ids = list(extra.values_list("pk", flat=True))
    if not extra_ids:
        return
    # People with evaluations keep them (results are history): they leave instead.
    evaluated = list(
        StaffMember.objects.filter(pk__in=extra_ids, evaluations__isnull=False)
        .values_list("pk", flat=True)
        .distinct()
    )
    StaffMember.objects.filter(pk__in=evaluated, left_on__isnull=True).update(
        left_on=dt.date.today()
    )
    extra_ids = [pk for pk in extra_ids if pk not in set(evaluated)]
    StaffMember.objects.filter(manager_id__in=extra_ids).update(manager=None)
    LeavePeriod.objects.filter(staff_id__in=extra_ids).delete()
    # Queryset delete: Transfer.delete() refuses single rows, this is a bulk demo reset.
    Transfer.objects.filter(staff_id__in=extra_ids).delete()
    StaffMember.objects.filter(pk__in=extra_ids).delete()


DEMO_BACKUP_CODES = 5


def _demo_backup_codes(user: Any) -> list[str]:
    """Approvers (the agencies', the province approver of the heads, the province admin who
    records quota exceptions) must pass a second factor; in the demo nobody has their
    authenticator app, so each run gives them fresh one-time backup codes (printed with the
    logins). A real approver registers an app at first sign-in and gets their own codes then."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="backup", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(DEMO_BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def _build_logins(
    plan: DemoPlan, *, ids: dict[str, int], agency: Agency, units: dict[str, Unit]
) -> list[dict[str, str]]:
    """One login per role, password ``demo12345``, linked to a staff record where it fits."""
    user_model = get_user_model()
    out = []
    users = {}
    for username, _role, _vi in LOGINS:
        user, _ = user_model.objects.get_or_create(username=username)
        is_admin = username == "admin"
        if user.is_superuser != is_admin or user.is_staff != is_admin:
            user.is_superuser = user.is_staff = is_admin
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
        user.is_active = True
        user.save()
        users[username] = user

    # Links: unlink first, so a user moving to another record never trips the one-to-one.
    StaffMember.objects.filter(user__in=users.values()).exclude(
        pk__in=[ids[c] for c in plan.login_staff.values() if c]
    ).update(user=None)
    for username, code in plan.login_staff.items():
        if code:
            StaffMember.objects.filter(pk=ids[code]).update(user=users[username])

    scope = {
        Role.AGENCY_HEAD: {"agency": agency},
        Role.HEAD_DELEGATE: {"agency": agency},
        Role.HR_OFFICER: {"agency": agency},
        Role.MANAGER: {"agency": agency, "unit": units[plan.truongphong_unit]},
    }
    keep = []
    for username, role, role_vi in LOGINS:
        where = scope.get(role, {})
        ra, _ = RoleAssignment.objects.get_or_create(
            user=users[username],
            role=role,
            agency=where.get("agency"),
            unit=where.get("unit"),
            defaults={"valid_from": VALID_FROM},
        )
        keep.append(ra.pk)
        out.append(
            {
                "username": username,
                "password": DEMO_PASSWORD,
                "role": str(role),
                "role_vi": role_vi,
                "staff_code": plan.login_staff.get(username) or "",
                "backup_codes": (
                    _demo_backup_codes(users[username])
                    if role in SECOND_FACTOR_ROLES and username != "admin"
                    else []
                ),
            }
        )
    # Anything else granted to the demo logins earlier is dropped: their role is the demo's —
    # except the manager roles the demo months grant to everyone who has reports.
    RoleAssignment.objects.filter(user__in=users.values()).filter(~Q(pk__in=keep)).exclude(
        role=Role.MANAGER
    ).delete()
    return out
