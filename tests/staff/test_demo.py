"""seed_demo: deterministic by seed, idempotent, and it creates one login per role."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from staff.access import scope_for
from staff.demo import (
    AGENCIES,
    AGENCY_TYPES,
    DEMO_PASSWORD,
    LOGINS,
    build_demo_province,
    plan_demo,
)
from staff.models import (
    Agency,
    LeaveKind,
    LeavePeriod,
    RoleAssignment,
    StaffMember,
    Transfer,
    Unit,
)

# django-axes checks every sign-in against its lockout and needs the request to do so.
SIGN_IN = RequestFactory().post("/accounts/login/")


def _counts() -> dict[str, int]:
    return {
        "agencies": Agency.objects.count(),
        "units": Unit.objects.count(),
        "staff": StaffMember.objects.count(),
        "leave": LeavePeriod.objects.count(),
        "transfers": Transfer.objects.count(),
        "roles": RoleAssignment.objects.count(),
    }


def _snapshot() -> list[tuple]:
    return list(
        StaffMember.objects.order_by("code").values_list(
            "code", "full_name", "unit__code", "manager__code", "category", "user__username"
        )
    )


def test_the_same_seed_plans_the_same_province():
    a, b = plan_demo(staff_count=300, seed=7), plan_demo(staff_count=300, seed=7)
    assert [(p.code, p.full_name, p.unit_code) for p in a.staff] == [
        (p.code, p.full_name, p.unit_code) for p in b.staff
    ]
    assert a.units == b.units and a.leaves == b.leaves and a.transfers == b.transfers
    other = plan_demo(staff_count=300, seed=8)
    assert [p.full_name for p in other.staff] != [p.full_name for p in a.staff]


def test_the_plan_has_the_promised_shape():
    plan = plan_demo(staff_count=600, seed=2026)
    assert len(plan.staff) == 600
    assert len({p.code for p in plan.staff}) == 600
    assert all(p.code.startswith("DN") and len(p.code) == 8 for p in plan.staff)
    assert 95 <= len(plan.units) <= 125
    categories = {p.category for p in plan.staff}
    assert categories == {"CB", "CC", "VC", "NLD"}
    assert any(lp.kind == LeaveKind.MATERNITY for lp in plan.leaves)
    assert plan.transfers
    # every manager is someone earlier in the list (heads first), never oneself
    codes = [p.code for p in plan.staff]
    for p in plan.staff:
        if p.manager_code:
            assert codes.index(p.manager_code) < codes.index(p.code)
    assert all(plan.login_staff[u] for u in ("giamdoc", "truongphong", "canbo", "tccb"))


def test_the_demo_is_today_s_two_tier_map():
    """Đà Nẵng since 1 July 2025: departments, communes / wards / special zone, public service
    units — no district, no department inspectorate; each commune has its three offices."""
    plan = plan_demo(staff_count=600, seed=2026)
    assert [code for code, *_ in AGENCY_TYPES] == ["so", "xa", "dvsn"]
    names = [a[1] for a in AGENCIES] + [u.name for u in plan.units]
    assert not [n for n in names if re.search(r"huyện|quận|thị xã|thị trấn|Thanh tra Sở", n)]
    offices = {}
    for u in plan.units:
        if not u.is_leadership:
            offices.setdefault(u.agency_code, set()).add(u.name)
    local = {a[0]: a[1] for a in AGENCIES if a[3] == "xa"}
    assert {"UBND phường Hải Châu", "UBND xã Hòa Vang", "UBND đặc khu Hoàng Sa"} <= set(
        local.values()
    )
    economy = {"phường": "Phòng Kinh tế, Hạ tầng và Đô thị", "xã": "Phòng Kinh tế"}
    for code, name in local.items():
        kind = "phường" if name.startswith("UBND phường") else "xã"
        assert offices[code] == {"Văn phòng HĐND và UBND", economy[kind], "Phòng Văn hóa - Xã hội"}
    chairs = {
        p.position_code
        for p in plan.staff
        if p.agency_code in local and p.unit_code.endswith("-LD")
    }
    assert {"CTPH", "PCTPH", "CTX", "PCTX", "CTDK"} <= chairs


@pytest.mark.django_db
def test_running_twice_leaves_the_same_data():
    build_demo_province(staff_count=150, seed=3)
    first_counts, first = _counts(), _snapshot()
    build_demo_province(staff_count=150, seed=3)
    assert _counts() == first_counts
    assert _snapshot() == first
    assert first_counts["staff"] == 150


@pytest.mark.django_db
def test_a_database_holding_the_old_map_s_demo_is_refused_not_mixed():
    from django.core.management.base import CommandError

    from staff.models import Province

    Province.objects.create(code="QNDEMO", name="Tỉnh Quảng Nam (demo)")
    with pytest.raises(CommandError, match="fresh database"):
        build_demo_province(staff_count=50, seed=3)
    assert not Agency.objects.exists()


@pytest.mark.django_db
def test_a_smaller_rerun_drops_the_extra_demo_rows():
    build_demo_province(staff_count=200, seed=3)
    build_demo_province(staff_count=120, seed=3)
    assert StaffMember.objects.count() == 120
    fresh = {(lp.staff_code, lp.kind, lp.start) for lp in plan_demo(staff_count=120, seed=3).leaves}
    stored = set(LeavePeriod.objects.values_list("staff__code", "kind", "start"))
    assert stored == fresh


@pytest.mark.django_db
def test_the_command_creates_the_logins_and_prints_them():
    out = StringIO()
    call_command("seed_demo", "--staff", "200", "--seed", "2026", "--no-evaluations", stdout=out)
    text = out.getvalue()
    for username, _role, role_vi in LOGINS:
        assert username in text and role_vi in text
        assert authenticate(SIGN_IN, username=username, password=DEMO_PASSWORD) is not None
    assert "demo12345" in text


@pytest.mark.django_db
def test_the_demo_approvers_get_printed_backup_codes_that_pass_the_second_factor():
    import re

    import django_otp
    from django.contrib.auth import get_user_model

    out = StringIO()
    call_command("seed_demo", "--staff", "200", "--seed", "2026", "--no-evaluations", stdout=out)
    printed = out.getvalue().splitlines()
    codes_of = {
        printed[i].split()[0]: re.findall(r"\b[a-z0-9]{8}\b", printed[i + 1].split(":")[-1])
        for i in range(len(printed) - 1)
        if "backup codes" in printed[i + 1]
    }
    # Who signs: the province admin (quota exceptions), the head and the delegate, and the
    # province approver who rates the heads (DOMAIN.md §1, §4.5); nobody else.
    assert sorted(codes_of) == ["giamdoc", "pct", "sonoivu", "uyquyen"]
    for username in ("giamdoc", "pct"):
        codes = codes_of[username]
        assert len(codes) == 5
        user = get_user_model().objects.get(username=username)
        assert django_otp.match_token(user, codes[0]) is not None
        assert django_otp.match_token(user, codes[0]) is None  # each code works once


@pytest.mark.django_db
def test_the_demo_logins_see_what_their_role_allows():
    from django.contrib.auth.models import User

    build_demo_province(staff_count=250, seed=2026)
    user = {u.username: u for u in User.objects.all()}
    total = StaffMember.objects.count()
    assert user["admin"].is_superuser
    assert scope_for(user["sonoivu"]).staff_members().count() == total
    assert scope_for(user["thanhtra"]).inspector_only
    heads = StaffMember.objects.filter(manager=None, position__leadership="head")
    assert heads.exists()
    assert set(scope_for(user["pct"]).staff_members()) == set(heads)  # the heads, nobody else
    snv = set(StaffMember.objects.filter(agency__code="SNV").values_list("pk", flat=True))
    assert set(scope_for(user["giamdoc"]).staff_members().values_list("pk", flat=True)) == snv
    assert set(scope_for(user["tccb"]).staff_members().values_list("pk", flat=True)) == snv
    head = user["truongphong"].staff_member
    team = set(scope_for(user["truongphong"]).staff_members().values_list("pk", flat=True))
    assert head.pk in team and len(team) < len(snv)
    canbo = user["canbo"].staff_member
    assert canbo.manager == head
    assert list(scope_for(user["canbo"]).staff_members()) == [canbo]


@pytest.mark.django_db
def test_every_non_head_reports_to_the_head_of_their_unit():
    build_demo_province(staff_count=300, seed=2026)
    members = StaffMember.objects.select_related("position", "manager__position", "unit")
    for m in members:
        if m.position.leadership == "none":
            assert m.manager is not None
            assert m.manager.unit_id == m.unit_id
            assert m.manager.position.leadership == "head"
