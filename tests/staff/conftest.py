"""The scoping story every staff test tells.

Agency A (Sở Alpha):
  Văn phòng            — Alice (agency head)
  Phòng Kế hoạch       — Bob (manager of this unit), Ann (plain staff, has a login)
    Tổ Tổng hợp        — Tom (sub-unit: Bob sees him)
  Phòng Thanh tra      — Dan (reports directly to Bob), Olga (does not)
Agency B (Sở Beta):
  Phòng Nghiệp vụ      — Charlie (agency head of B), Bea
Ivy is an inspector; she sees everything, read-only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from staff.models import Agency, Role, StaffMember, Unit
from tests.factories import (
    AgencyFactory,
    RoleAssignmentFactory,
    StaffMemberFactory,
    UnitFactory,
    UserFactory,
)


@dataclass
class Org:
    agency_a: Agency
    agency_b: Agency
    office: Unit
    planning: Unit
    team: Unit
    inspection: Unit
    b_unit: Unit
    alice: User
    bob: User
    charlie: User
    ivy: User
    ann_user: User
    alice_sm: StaffMember
    bob_sm: StaffMember
    ann: StaffMember
    tom: StaffMember
    dan: StaffMember
    olga: StaffMember
    charlie_sm: StaffMember
    bea: StaffMember

    def codes(self, *members: StaffMember) -> set[str]:
        return {m.code for m in members}

    @property
    def everyone(self) -> list[StaffMember]:
        return [
            self.alice_sm,
            self.bob_sm,
            self.ann,
            self.tom,
            self.dan,
            self.olga,
            self.charlie_sm,
            self.bea,
        ]


@pytest.fixture
def org(db) -> Org:
    agency_a = AgencyFactory(code="SOA", name="Sở Alpha")
    agency_b = AgencyFactory(code="SOB", name="Sở Beta")
    office = UnitFactory(agency=agency_a, code="A-VP", name="Văn phòng")
    planning = UnitFactory(agency=agency_a, code="A-KH", name="Phòng Kế hoạch")
    team = UnitFactory(agency=agency_a, parent=planning, code="A-KH-TH", name="Tổ Tổng hợp")
    inspection = UnitFactory(agency=agency_a, code="A-TT", name="Phòng Thanh tra")
    b_unit = UnitFactory(agency=agency_b, code="B-NV", name="Phòng Nghiệp vụ")

    alice, bob, charlie, ivy, ann_user = (
        UserFactory(username=n) for n in ("alice", "bob", "charlie", "ivy", "ann")
    )
    alice_sm = StaffMemberFactory(code="A001", full_name="Trần Thị Ánh", unit=office, user=alice)
    bob_sm = StaffMemberFactory(
        code="A002", full_name="Lê Văn Bình", unit=planning, user=bob, manager=alice_sm
    )
    ann = StaffMemberFactory(
        code="A003", full_name="Nguyễn Thị An", unit=planning, user=ann_user, manager=bob_sm
    )
    tom = StaffMemberFactory(code="A004", full_name="Phạm Văn Tâm", unit=team, manager=bob_sm)
    dan = StaffMemberFactory(code="A005", full_name="Đặng Văn Đức", unit=inspection, manager=bob_sm)
    olga = StaffMemberFactory(code="A006", full_name="Hồ Thị Oanh", unit=inspection)
    charlie_sm = StaffMemberFactory(
        code="B001", full_name="Võ Văn Chung", unit=b_unit, user=charlie
    )
    bea = StaffMemberFactory(code="B002", full_name="Bùi Thị Bé", unit=b_unit, manager=charlie_sm)

    RoleAssignmentFactory(user=alice, role=Role.AGENCY_HEAD, agency=agency_a)
    RoleAssignmentFactory(user=bob, role=Role.MANAGER, agency=agency_a, unit=planning)
    RoleAssignmentFactory(user=charlie, role=Role.AGENCY_HEAD, agency=agency_b)
    RoleAssignmentFactory(user=ivy, role=Role.INSPECTOR)
    RoleAssignmentFactory(user=ann_user, role=Role.STAFF)
    return Org(**{k: v for k, v in locals().items() if k in Org.__dataclass_fields__})
