"""staff.access: who sees whom. Alice heads agency A, Bob manages a unit, Charlie is elsewhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from staff.access import get_agency_or_404, get_unit_or_404, scope_for
from staff.models import Role
from tests.factories import RoleAssignmentFactory, StaffMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def visible(user) -> set[str]:
    return set(scope_for(user).staff_members().values_list("code", flat=True))


def test_alice_the_agency_head_sees_her_whole_agency(org):
    assert visible(org.alice) == org.codes(
        org.alice_sm, org.bob_sm, org.ann, org.tom, org.dan, org.olga
    )
    scope = scope_for(org.alice)
    assert set(scope.agencies()) == {org.agency_a}
    assert set(scope.units()) == {org.office, org.planning, org.team, org.inspection}


def test_bob_the_manager_sees_his_unit_its_sub_units_and_direct_reports(org):
    # Tom is in a sub-unit; Dan sits in another unit but reports to Bob; Olga does neither.
    assert visible(org.bob) == org.codes(org.bob_sm, org.ann, org.tom, org.dan)
    scope = scope_for(org.bob)
    assert set(scope.units()) == {org.planning, org.team}
    assert set(scope.agencies()) == {org.agency_a}


def test_bob_cannot_open_olga_or_his_own_boss(org):
    scope = scope_for(org.bob)
    for code in (org.olga.code, org.alice_sm.code, org.bea.code):
        assert not scope.staff_members().filter(code=code).exists()
    assert scope.staff_members().get(code=org.dan.code) == org.dan


def test_charlie_in_another_agency_sees_nothing_of_alices(org):
    assert visible(org.charlie) == org.codes(org.charlie_sm, org.bea)
    scope = scope_for(org.charlie)
    assert not scope.staff_members().filter(code=org.alice_sm.code).exists()
    with pytest.raises(Http404):
        get_agency_or_404(scope, org.agency_a.code)
    with pytest.raises(Http404):
        get_unit_or_404(scope, org.planning.code)


def test_a_plain_staff_member_sees_only_themself(org):
    assert visible(org.ann_user) == {org.ann.code}
    scope = scope_for(org.ann_user)
    assert set(scope.units()) == {org.planning}
    assert set(scope.agencies()) == {org.agency_a}
    assert not scope.inspector_only
    assert not scope.can_write_org()


def test_the_inspector_sees_everything_read_only(org):
    assert visible(org.ivy) == org.codes(*org.everyone)
    scope = scope_for(org.ivy)
    assert scope.inspector_only
    assert not scope.can_write_org()
    assert set(scope.agencies()) == {org.agency_a, org.agency_b}


def test_anonymous_sees_nothing(org):
    scope = scope_for(AnonymousUser())
    assert not scope.staff_members().exists()
    assert not scope.agencies().exists()
    assert not scope.units().exists()
    assert scope.user_id is None
    assert scope_for(None).staff_members().count() == 0


def test_a_user_without_roles_or_staff_record_sees_nothing(org):
    assert visible(UserFactory(username="nobody")) == set()


def test_an_inactive_user_sees_nothing(org):
    org.alice.is_active = False
    org.alice.save()
    assert visible(org.alice) == set()


def test_superuser_and_province_admin_see_everything_and_may_write(org):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    admin = UserFactory(username="sonoivu")
    RoleAssignmentFactory(user=admin, role=Role.PROVINCE_ADMIN)
    for user in (root, admin):
        assert visible(user) == org.codes(*org.everyone)
        assert scope_for(user).can_write_org()
        assert not scope_for(user).inspector_only


def test_an_expired_or_future_role_grants_nothing(org):
    eve = UserFactory(username="eve")
    RoleAssignmentFactory(
        user=eve,
        role=Role.AGENCY_HEAD,
        agency=org.agency_a,
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2021, 1, 1),
    )
    RoleAssignmentFactory(
        user=eve, role=Role.INSPECTOR, valid_from=dt.date.today() + dt.timedelta(days=30)
    )
    assert visible(eve) == set()


def test_roles_add_up(org):
    # Charlie also becomes HR officer of A: he now sees both agencies.
    RoleAssignmentFactory(user=org.charlie, role=Role.HR_OFFICER, agency=org.agency_a)
    assert visible(org.charlie) == org.codes(*org.everyone)
    scope = scope_for(org.charlie)
    assert scope.can_manage_staff_of(org.agency_a.pk)
    assert not scope.can_manage_staff_of(org.agency_b.pk)


def test_a_manager_role_without_a_unit_only_adds_direct_reports(org):
    # A manager role given at agency level is not agency-wide: Olga sees herself and her report.
    olga_user = UserFactory(username="olga")
    org.olga.user = olga_user
    org.olga.save()
    report = StaffMemberFactory(code="A099", unit=org.office, manager=org.olga)
    RoleAssignmentFactory(user=olga_user, role=Role.MANAGER, agency=org.agency_a)
    assert visible(olga_user) == org.codes(org.olga, report)


def test_direct_reports_need_a_manager_role(org):
    # Being someone's manager in the data grants nothing without a current manager role.
    boss = StaffMemberFactory(code="X1", unit=org.b_unit)
    lonely = UserFactory(username="lonely")
    boss.user = lonely
    boss.save()
    StaffMemberFactory(code="X2", unit=org.b_unit, manager=boss)
    assert visible(lonely) == {"X1"}


def test_each_queryset_is_one_query(org, django_assert_num_queries):
    scope = scope_for(org.bob)
    with django_assert_num_queries(1):
        list(scope.staff_members())
    with django_assert_num_queries(1):
        list(scope.units())
    with django_assert_num_queries(1):
        list(scope.agencies())


def test_resolving_a_scope_costs_one_query(org, django_assert_num_queries):
    """Roles and the own staff record in one statement: every request pays it."""
    with django_assert_num_queries(1):
        scope = scope_for(org.bob)
    assert scope.own_staff_id == org.bob_sm.pk and scope.own_unit_id == org.bob_sm.unit_id
    assert scope.manages_direct_reports and scope.managed_unit_paths


def _role_reads(queries) -> int:
    return sum('"staff_roleassignment"' in q["sql"] for q in queries)


def test_a_request_resolves_each_scope_once(org, client):
    """The home page's view, its navigation and its selector all ask for the caller's scope:
    the roles are read once per request, and again on the next one (a role revoked in between
    counts from the next page)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(org.bob)
    with CaptureQueriesContext(connection) as first:
        assert client.get("/").status_code == 200
    assert _role_reads(first.captured_queries) == 1
    with CaptureQueriesContext(connection) as second:
        assert client.get("/").status_code == 200
    assert _role_reads(second.captured_queries) == 1


def test_outside_a_request_a_scope_is_read_afresh_each_time(org):
    """Jobs and scripts see a role change at once: nothing is kept between two calls."""
    eve = UserFactory(username="eve2")
    assert visible(eve) == set()
    RoleAssignmentFactory(user=eve, role=Role.HR_OFFICER, agency=org.agency_a)
    assert visible(eve) == org.codes(org.alice_sm, org.bob_sm, org.ann, org.tom, org.dan, org.olga)
