"""The month every evaluation test lives through.

Sở Alpha (SOA), rated under ND335-2025:
  Lãnh đạo (A-LD)        — Alice, head (also manages Dave); Dave, deputy and head's delegate
  Phòng Kế hoạch (A-KH)  — Bob, head of unit (reports to Dave, manages the seven below);
                           Sơn, Tâm, Uyên, Vân, Xuân, Yến, Ân — staff with logins
  HR: Hương. Sở Beta (SOB): Charlie heads it; Bea works there.
Sam is the province admin (Sở Nội vụ); Ivy the inspector.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.management import call_command

from scoring.models import RuleSetCoverage
from staff.models import Leadership, Role, StaffMember
from tests.factories import (
    AgencyFactory,
    DutyGroupFactory,
    PositionFactory,
    RoleAssignmentFactory,
    StaffMemberFactory,
    UnitFactory,
    UserFactory,
    verify_otp,
)

STAFF_NAMES = ["Sơn", "Tâm", "Uyên", "Vân", "Xuân", "Yến", "Ân"]


@dataclass
class Month:
    users: dict[str, Any]
    staff: dict[str, StaffMember]
    agency_a: Any
    agency_b: Any
    leadership_unit: Any
    planning: Any
    b_unit: Any
    extra: dict[str, Any] = field(default_factory=dict)

    def user(self, name: str) -> Any:
        return self.users[name]


# The month's tests are written for the standard rules of 1 January 2026 (ND335-2025 v1: gates
# and a monthly quota). The later versions of the fixture are loaded by the tests about them.
RULES_OF = "2026-01-01"


@pytest.fixture
def standard_rules(db):
    call_command("load_standard_rules", "--published-by", RULES_OF, verbosity=0)


@pytest.fixture
def month(standard_rules) -> Month:
    agency_a = AgencyFactory(code="SOA", name="Sở Alpha")
    agency_b = AgencyFactory(code="SOB", name="Sở Beta")
    leadership_unit = UnitFactory(agency=agency_a, code="A-LD", name="Lãnh đạo Sở")
    planning = UnitFactory(agency=agency_a, code="A-KH", name="Phòng Kế hoạch")
    b_unit = UnitFactory(agency=agency_b, code="B-NV", name="Phòng Nghiệp vụ")
    for agency in (agency_a, agency_b):
        RuleSetCoverage.objects.create(agency=agency, ruleset_code="ND335-2025")

    director = PositionFactory(code="GD", name="Giám đốc", leadership=Leadership.HEAD)
    deputy = PositionFactory(code="PGD", name="Phó Giám đốc", leadership=Leadership.DEPUTY)
    head_of_unit = PositionFactory(code="TP", name="Trưởng phòng", leadership=Leadership.HEAD)
    leaders = DutyGroupFactory(code="LD", name="Lãnh đạo")
    specialists = DutyGroupFactory(code="CV", name="Chuyên viên")

    users = {
        n: UserFactory(username=n)
        for n in ("alice", "dave", "bob", "huong", "sam", "ivy", "charlie")
    }
    staff: dict[str, StaffMember] = {}
    joined = dt.date(2020, 1, 1)
    staff["alice"] = StaffMemberFactory(
        code="A01",
        full_name="Trần Thị Ánh",
        unit=leadership_unit,
        user=users["alice"],
        position=director,
        duty_group=leaders,
        joined_on=joined,
    )
    staff["dave"] = StaffMemberFactory(
        code="A02",
        full_name="Đỗ Văn Dũng",
        unit=leadership_unit,
        user=users["dave"],
        position=deputy,
        duty_group=leaders,
        manager=staff["alice"],
        joined_on=joined,
    )
    staff["bob"] = StaffMemberFactory(
        code="A03",
        full_name="Lê Văn Bình",
        unit=planning,
        user=users["bob"],
        position=head_of_unit,
        duty_group=leaders,
        manager=staff["dave"],
        joined_on=joined,
    )
    for i, name in enumerate(STAFF_NAMES, start=1):
        users[name] = UserFactory(username=f"cv{i}")
        staff[name] = StaffMemberFactory(
            code=f"A1{i}",
            full_name=f"Nguyễn Văn {name}",
            unit=planning,
            user=users[name],
            duty_group=specialists,
            manager=staff["bob"],
            joined_on=joined,
        )
    staff["huong"] = StaffMemberFactory(
        code="A20",
        full_name="Phan Thị Hương",
        unit=leadership_unit,
        user=users["huong"],
        duty_group=specialists,
        manager=staff["alice"],
        joined_on=joined,
    )
    staff["charlie"] = StaffMemberFactory(
        code="B01",
        full_name="Võ Văn Chung",
        unit=b_unit,
        user=users["charlie"],
        position=director,
        duty_group=leaders,
        joined_on=joined,
    )
    staff["bea"] = StaffMemberFactory(
        code="B02",
        full_name="Bùi Thị Bé",
        unit=b_unit,
        duty_group=specialists,
        manager=staff["charlie"],
        joined_on=joined,
    )

    RoleAssignmentFactory(user=users["alice"], role=Role.AGENCY_HEAD, agency=agency_a)
    RoleAssignmentFactory(
        user=users["alice"], role=Role.MANAGER, agency=agency_a, unit=leadership_unit
    )
    RoleAssignmentFactory(user=users["dave"], role=Role.HEAD_DELEGATE, agency=agency_a)
    RoleAssignmentFactory(user=users["dave"], role=Role.MANAGER, agency=agency_a, unit=planning)
    RoleAssignmentFactory(user=users["bob"], role=Role.MANAGER, agency=agency_a, unit=planning)
    RoleAssignmentFactory(user=users["huong"], role=Role.HR_OFFICER, agency=agency_a)
    RoleAssignmentFactory(user=users["sam"], role=Role.PROVINCE_ADMIN)
    RoleAssignmentFactory(user=users["ivy"], role=Role.INSPECTOR)
    RoleAssignmentFactory(user=users["charlie"], role=Role.AGENCY_HEAD, agency=agency_b)
    # Those who approve, publish and resolve appeals signed in with their second factor.
    for name in ("alice", "dave", "charlie"):
        verify_otp(users[name])
    return Month(users, staff, agency_a, agency_b, leadership_unit, planning, b_unit)
