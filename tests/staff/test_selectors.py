"""staff_list: scoping, filters, Vietnamese order and constant query counts."""

from __future__ import annotations

import datetime as dt

import pytest

from staff.selectors import agency_list, staff_list, unit_list
from tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db


def codes(qs) -> list[str]:
    return [m.code for m in qs]


def test_it_is_scoped_and_ordered_by_given_name(org):
    assert codes(staff_list(user=org.bob)) == ["A003", "A002", "A005", "A004"]  # An Bình Đức Tâm


def test_equal_names_fall_back_to_code(org):
    StaffMemberFactory(code="A201", full_name="Nguyễn Thị An", unit=org.planning)
    got = codes(staff_list(user=org.alice, search="nguyen thi an"))
    assert got == ["A003", "A201"]


def test_search_by_name_without_diacritics_and_by_code(org):
    assert codes(staff_list(user=org.alice, search="hồ thi OANH")) == ["A006"]
    assert codes(staff_list(user=org.alice, search="a004")) == ["A004"]
    assert codes(staff_list(user=org.bob, search="oanh")) == []  # exists, but not Bob's


def test_filters_by_unit_agency_category_active(org):
    org.olga.left_on = dt.date(2025, 6, 30)
    org.olga.save()
    assert set(codes(staff_list(user=org.alice, unit=org.planning))) == {"A002", "A003", "A004"}
    assert codes(staff_list(user=org.alice, unit="NOPE")) == []
    assert codes(staff_list(user=org.alice, agency=org.agency_b)) == []
    assert set(codes(staff_list(user=org.ivy, agency="SOB"))) == {"B001", "B002"}
    assert codes(staff_list(user=org.alice, category="VC")) == []
    assert "A006" not in codes(staff_list(user=org.alice, active=True))
    assert codes(staff_list(user=org.alice, active=False)) == ["A006"]


def test_agency_and_unit_lists_are_scoped(org):
    assert [a.code for a in agency_list(user=org.charlie)] == ["SOB"]
    assert [u.code for u in unit_list(user=org.bob)] == ["A-KH", "A-KH-TH"]
    assert [u.code for u in unit_list(user=org.ivy, agency="SOB")] == ["B-NV"]


@pytest.mark.parametrize("extra", [3, 30])
def test_a_list_costs_the_same_whatever_its_length(org, extra, django_assert_num_queries):
    StaffMemberFactory.create_batch(extra, unit=org.planning, manager=org.bob_sm)
    # scope: roles and own record; then the list itself with everything joined
    with django_assert_num_queries(2):
        rows = list(staff_list(user=org.bob))
        labels = [
            (
                m.unit.name,
                m.agency.name,
                m.position.name,
                m.duty_group.name,
                m.manager and m.manager.full_name,
            )
            for m in rows
        ]
    assert len(rows) == len(labels) == 4 + extra
