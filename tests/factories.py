"""factory-boy factories shared by every app's tests.

Staff objects first (Foundation item 3). Lookup rows (types, positions, duty groups, the
province) use ``django_get_or_create`` on their code so that many factories can share them.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import factory
from django.contrib.auth import get_user_model

from staff.models import (
    Agency,
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

PASSWORD = "test-pass-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = "DN"
    name = "Thành phố Đà Nẵng"


class AgencyTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyType
        django_get_or_create = ("code",)

    code = "so"
    name = "Sở, ban, ngành"
    name_en = "Department"
    order = 1


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    province = factory.SubFactory(ProvinceFactory)
    code = factory.Sequence(lambda n: f"AG{n:03d}")
    name = factory.Sequence(lambda n: f"Sở số {n}")
    agency_type = factory.SubFactory(AgencyTypeFactory)
    valid_from = dt.date(2020, 1, 1)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"Phòng số {n}")
    valid_from = dt.date(2020, 1, 1)


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position
        django_get_or_create = ("code",)

    code = "CV"
    name = "Chuyên viên"
    name_en = "Specialist"
    leadership = Leadership.NONE


class DutyGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DutyGroup
        django_get_or_create = ("code",)

    code = "CV"
    name = "Chuyên viên"
    name_en = "Specialists"


_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi"]
_MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Hữu", "Thanh"]
_GIVEN = ["An", "Bình", "Châu", "Dũng", "Đức", "Hà", "Hùng", "Lan", "Tư", "Yến"]


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    code = factory.Sequence(lambda n: f"T{n:06d}")
    full_name = factory.Sequence(lambda n: f"{_FAMILY[n % 8]} {_MIDDLE[n % 6]} {_GIVEN[n % 10]}")
    category = StaffCategory.CC
    unit = factory.SubFactory(UnitFactory)
    # agency is derived from the unit in save(); set it too so an unsaved build() is coherent.
    agency = factory.SelfAttribute("unit.agency")
    position = factory.SubFactory(PositionFactory)
    duty_group = factory.SubFactory(DutyGroupFactory)
    joined_on = dt.date(2015, 1, 1)


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.STAFF
    valid_from = dt.date(2020, 1, 1)


class LeavePeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeavePeriod

    staff = factory.SubFactory(StaffMemberFactory)
    kind = LeaveKind.SICK
    start = dt.date(2026, 1, 5)
    end = dt.date(2026, 1, 9)


class TransferFactory(factory.django.DjangoModelFactory):
    """Writes a history row only; use ``staff.services.staff_transfer`` to actually move."""

    class Meta:
        model = Transfer

    staff = factory.SubFactory(StaffMemberFactory)
    from_unit = factory.SelfAttribute("staff.unit")
    to_unit = factory.SubFactory(UnitFactory, agency=factory.SelfAttribute("..staff.agency"))
    effective_on = dt.date(2026, 1, 1)
    reason = "Điều động theo quyết định"


def verify_otp(user: Any) -> Any:
    """Give ``user`` a confirmed TOTP device and mark this user object as having passed the
    second factor — what django-otp's middleware does for a session that entered a code. A
    test client that ``force_login``s this object gets a verified session (tests/conftest.py)."""
    from django_otp.middleware import is_verified
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    user.otp_device = device
    user.is_verified = functools.partial(is_verified, user)
    return device
