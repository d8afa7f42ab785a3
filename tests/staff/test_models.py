"""Model rules: derived columns, constraints the database itself enforces, clean() checks."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from staff.models import Leadership, Role, RoleAssignment, StaffMember
from staff.names import vietnamese_sort_key
from tests.factories import (
    AgencyFactory,
    LeavePeriodFactory,
    PositionFactory,
    StaffMemberFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def violates(fn) -> bool:
    try:
        with transaction.atomic():
            fn()
    except IntegrityError:
        return True
    return False


def test_save_derives_names_sort_key_search_text_and_agency():
    unit = UnitFactory()
    member = StaffMemberFactory(
        code="DN000123", full_name=unicodedata.normalize("NFD", " Nguyễn  Thị Ngọc Ánh "), unit=unit
    )
    member.refresh_from_db()
    assert member.full_name == "Nguyễn Thị Ngọc Ánh"
    assert (member.family_name, member.middle_name, member.given_name) == (
        "Nguyễn",
        "Thị Ngọc",
        "Ánh",
    )
    assert member.sort_key == vietnamese_sort_key("Nguyễn Thị Ngọc Ánh")
    assert member.search_text == "nguyen thi ngoc anh dn000123"
    assert member.agency == unit.agency


def test_update_fields_keeps_derived_columns_in_step():
    member = StaffMemberFactory(full_name="Lê Văn An")
    member.full_name = "Lê Văn Bình"
    member.save(update_fields=["full_name"])
    member.refresh_from_db()
    assert member.given_name == "Bình" and "binh" in member.search_text


def test_is_active_follows_left_on():
    member = StaffMemberFactory()
    assert member.is_active
    member.left_on = dt.date.today()
    assert not member.is_active
    member.left_on = dt.date.today() + dt.timedelta(days=10)
    assert member.is_active
    member.save()
    assert StaffMember.objects.active().filter(pk=member.pk).exists()


def test_codes_are_unique():
    StaffMemberFactory(code="DN1")
    assert violates(lambda: StaffMemberFactory(code="DN1"))
    AgencyFactory(code="SNV")
    assert violates(lambda: AgencyFactory(code="SNV"))


def test_left_on_cannot_precede_joined_on():
    assert violates(
        lambda: StaffMemberFactory(joined_on=dt.date(2020, 1, 1), left_on=dt.date(2019, 1, 1))
    )


def test_valid_to_cannot_precede_valid_from():
    assert violates(
        lambda: AgencyFactory(valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2019, 1, 1))
    )
    assert violates(
        lambda: UnitFactory(valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2019, 1, 1))
    )


def test_leave_cannot_end_before_it_starts():
    assert violates(lambda: LeavePeriodFactory(start=dt.date(2026, 2, 1), end=dt.date(2026, 1, 1)))
    assert not violates(lambda: LeavePeriodFactory(end=None))


@pytest.mark.parametrize(
    ("role", "needs"),
    [
        (Role.AGENCY_HEAD, "agency"),
        (Role.HEAD_DELEGATE, "agency"),
        (Role.HR_OFFICER, "agency"),
        (Role.MANAGER, "unit or agency"),
    ],
)
def test_agency_scoped_roles_need_their_scope(role, needs):
    ra = RoleAssignment(user=UserFactory(), role=role, valid_from=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError):
        ra.full_clean()
    assert violates(ra.save)


@pytest.mark.parametrize("role", [Role.PROVINCE_ADMIN, Role.INSPECTOR])
def test_province_roles_have_no_agency(role):
    ra = RoleAssignment(
        user=UserFactory(), role=role, agency=AgencyFactory(), valid_from=dt.date(2025, 1, 1)
    )
    with pytest.raises(ValidationError):
        ra.full_clean()
    assert violates(ra.save)


def test_a_manager_role_with_a_unit_is_valid():
    unit = UnitFactory()
    ra = RoleAssignment(user=UserFactory(), role=Role.MANAGER, unit=unit, agency=unit.agency)
    ra.full_clean()


def test_a_role_unit_must_belong_to_its_agency():
    ra = RoleAssignment(
        user=UserFactory(), role=Role.MANAGER, unit=UnitFactory(), agency=AgencyFactory()
    )
    with pytest.raises(ValidationError):
        ra.full_clean()


def test_unit_paths_follow_the_tree_and_moves():
    agency = AgencyFactory()
    a = UnitFactory(agency=agency, code="A")
    b = UnitFactory(agency=agency, code="B")
    child = UnitFactory(agency=agency, code="A1", parent=a)
    leaf = UnitFactory(agency=agency, code="A1x", parent=child)
    assert leaf.path == "A/A1/A1x/"
    child.parent = b
    child.save()
    leaf.refresh_from_db()
    assert leaf.path == "B/A1/A1x/"


def test_a_unit_parent_must_be_in_the_same_agency():
    unit = UnitFactory.build(agency=AgencyFactory(), parent=UnitFactory(), code="X")
    with pytest.raises(ValidationError):
        unit.full_clean()


def test_a_unit_cannot_be_its_own_ancestor():
    agency = AgencyFactory()
    a = UnitFactory(agency=agency)
    b = UnitFactory(agency=agency, parent=a)
    a.parent = b
    with pytest.raises(ValidationError):
        a.full_clean()


def test_leadership_values_match_the_engine():
    from scoring.rules import Leadership as EngineLeadership

    assert {c.value for c in Leadership} == {c.value for c in EngineLeadership}
    assert PositionFactory(code="GD", leadership=Leadership.HEAD).leadership == "head"
