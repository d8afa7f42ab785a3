"""Restructuring as an operation (DOMAIN.md §1): Sở Alpha and Sở Beta are merged, split, renamed,
their units moved and dissolved — from a date, with the history the rankings rest on kept, and a
plan with any problem writing nothing."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.frames import indicators
from evaluation.models import Evaluation, Period, Status
from evaluation.services.derive import period_derive
from evaluation.services.period_close import period_close
from scoring.models import RuleSet, RuleSetCoverage
from staff.access import scope_for
from staff.models import (
    Agency,
    AgencySuccession,
    AuditEntry,
    Restructuring,
    StaffMember,
    Transfer,
    Unit,
)
from staff.restructuring import (
    NewAgency,
    Plan,
    RestructuringRefused,
    Step,
    agency_predecessors,
    plan_apply,
    plan_preview,
)
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import (
    ev,
    manager_score,
    open_month,
    publish_alpha,
    self_assess,
)

OCTOBER_1 = dt.date(2026, 10, 1)
REFERENCE = "Nghị quyết 45/NQ-HĐND ngày 20/9/2026 của HĐND thành phố"


def merge_alpha_into_beta(month, on=OCTOBER_1, **extra) -> list[Restructuring]:
    step = Step(kind="merge", effective_on=on, reference=REFERENCE, agencies=["SOA"], target="SOB")
    return plan_apply(plan=Plan([step, *extra.get("more", [])]), user=month.user("sam"))


def _sign(evaluation, approver) -> None:
    """Signed as the board would have (what matters here is the status, not the path to it)."""
    evaluation.refresh_from_db()
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status=Status.APPROVED,
        approved_by=approver,
        final_level=evaluation.proposed_level or "HTNV",
    )


def _summer_closed(month) -> None:
    for label in ("2026-08", "2026-09"):
        period_close(period=publish_alpha(month, label), user=month.user("sam"))


def test_a_merger_moves_units_people_and_managers_and_ends_the_merged_agency(month):
    [record] = merge_alpha_into_beta(month)
    alpha = Agency.objects.get(code="SOA")
    assert (alpha.is_active, alpha.valid_to) == (False, dt.date(2026, 9, 30))
    assert set(Unit.objects.filter(agency=month.agency_b).values_list("code", flat=True)) == {
        "A-LD",
        "A-KH",
        "B-NV",
    }
    assert not StaffMember.objects.filter(agency=alpha).exists()
    assert StaffMember.objects.get(code="A11").agency_id == month.agency_b.pk
    # Bob still manages his unit, now in Sở Beta; Alice no longer heads an agency that has ended.
    bob = scope_for(month.user("bob"))
    assert bob.staff_members().filter(code="A11").exists()
    assert alpha.pk not in scope_for(month.user("alice")).approver_agency_ids
    assert record.reference == REFERENCE and record.summary["ended"] == ["SOA"]
    assert [p.predecessor.code for p in agency_predecessors(month.agency_b)] == ["SOA"]
    entry = AuditEntry.objects.get(action="org.merge", agency=month.agency_b)
    assert entry.reason == REFERENCE and entry.actor == month.user("sam")


def test_the_year_of_a_person_moved_by_a_merger_averages_the_months_of_both_agencies(month):
    _summer_closed(month)  # August and September in Sở Alpha, full marks
    merge_alpha_into_beta(month)
    october = open_month(month, "2026-10")
    son = ev(month, "Sơn", october)
    assert son.agency_id == month.agency_b.pk  # opened after the merger: Sở Beta's month
    self_assess(month, "Sơn", october, scores={f"G{i}": 3 for i in range(1, 7)})
    manager_score(month, "bob", "Sơn", october, scores={f"G{i}": 3 for i in range(1, 7)})
    _sign(son, month.user("charlie"))  # signed by Sở Beta's head
    months = dict(
        Evaluation.objects.filter(staff=month.staff["Sơn"], period__kind="month").values_list(
            "period__label", "score"
        )
    )
    assert set(months) == {"2026-08", "2026-09", "2026-10"}
    assert months["2026-08"] != months["2026-10"]

    year, _created = period_derive(
        ruleset=RuleSet.objects.get(code="ND335-2025", status="published"),
        label="2026",
        user=month.user("sam"),
    )
    rated = Evaluation.objects.get(period=year, staff=month.staff["Sơn"])
    mean = sum(months.values()) / 3
    assert abs(rated.score - mean) <= 0.01
    assert rated.agency_id == month.agency_b.pk


def test_unsigned_evaluations_of_the_month_in_progress_follow_their_people(month):
    october = open_month(month, "2026-10")
    for name in STAFF_NAMES[:2]:
        self_assess(month, name, october)
    signed = ev(month, "Xuân", october)
    _sign(signed, month.user("alice"))
    merge_alpha_into_beta(month)
    assert ev(month, "Sơn", october).agency_id == month.agency_b.pk
    assert ev(month, "Sơn", october).version > 1  # an open form of the old version is stale
    assert ev(month, "Xuân", october).agency_id == month.agency_a.pk  # signed by Sở Alpha
    moved = AuditEntry.objects.get(
        action="evaluation.moved_by_restructuring", evaluation=ev(month, "Sơn", october)
    )
    assert moved.before["agency"] == month.agency_a.pk and moved.reason == REFERENCE


def test_closed_periods_and_their_dashboards_do_not_move(month):
    _summer_closed(month)
    september = Period.objects.get(label="2026-09", kind="month")
    before = indicators(september)
    signed = dict(september.evaluations.values_list("pk", "agency_id"))
    merge_alpha_into_beta(month)
    pd.testing.assert_frame_equal(indicators(september), before)
    assert dict(september.evaluations.values_list("pk", "agency_id")) == signed


def test_a_date_inside_a_closed_period_is_refused(month):
    _summer_closed(month)
    with pytest.raises(RestructuringRefused) as refused:
        merge_alpha_into_beta(month, on=dt.date(2026, 9, 15))
    [problem] = refused.value.problems
    assert (problem.code, problem.path) == ("closed_period", "steps[0].effective_on")
    assert "2026-09" in problem.message
    assert Agency.objects.get(code="SOA").is_active


def test_a_split_assigns_every_unit_and_so_everyone(month):
    step = Step(
        kind="split",
        effective_on=OCTOBER_1,
        reference=REFERENCE,
        agencies=["SOA"],
        units={"A-LD": "SOA1", "A-KH": "SOA2"},
        new=[
            NewAgency("SOA1", "Sở Alpha Một", month.agency_a.agency_type.code),
            NewAgency("SOA2", "Sở Alpha Hai", month.agency_a.agency_type.code),
        ],
    )
    everyone = set(StaffMember.objects.filter(agency=month.agency_a).values_list("pk", flat=True))
    plan_apply(plan=Plan([step]), user=month.user("sam"))
    one, two = Agency.objects.get(code="SOA1"), Agency.objects.get(code="SOA2")
    moved = set(StaffMember.objects.filter(agency__in=[one, two]).values_list("pk", flat=True))
    assert moved == everyone
    assert StaffMember.objects.get(code="A11").agency == two
    assert StaffMember.objects.get(code="A01").agency == one
    # Each part is rated under the rule set of the agency it came from.
    assert RuleSetCoverage.objects.get(agency=two).ruleset_code == "ND335-2025"
    assert set(AgencySuccession.objects.values_list("predecessor__code", "successor__code")) == {
        ("SOA", "SOA1"),
        ("SOA", "SOA2"),
    }


def test_a_split_that_leaves_a_unit_out_is_refused_and_names_it(month):
    step = Step(
        kind="split",
        effective_on=OCTOBER_1,
        reference=REFERENCE,
        agencies=["SOA"],
        units={"A-LD": "SOB"},
    )
    preview = plan_preview(plan=Plan([step]), user=month.user("sam"))
    assert not preview["ok"]
    [problem] = preview["problems"]
    assert problem["code"] == "unit_unassigned" and "A-KH" in problem["message"]


def test_a_plan_with_errors_writes_nothing(month):
    good = Step(
        kind="merge", effective_on=OCTOBER_1, reference=REFERENCE, agencies=["SOA"], target="SOB"
    )
    unknown = Step(
        kind="merge", effective_on=OCTOBER_1, reference="", agencies=["XYZ"], target="SOB", row=7
    )
    audit_before = AuditEntry.objects.count()
    with pytest.raises(RestructuringRefused) as refused:
        plan_apply(plan=Plan([good, unknown]), user=month.user("sam"))
    paths = {p.path: p.code for p in refused.value.problems}
    assert paths == {"row 7.reference": "required", "row 7.agencies": "not_found"}
    assert Agency.objects.get(code="SOA").is_active
    assert Unit.objects.get(code="A-KH").agency_id == month.agency_a.pk
    assert not Restructuring.objects.exists() and not AgencySuccession.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_overlapping_circular_and_self_ending_plans_are_refused(month):
    steps = [
        Step(
            kind="merge",
            effective_on=OCTOBER_1,
            reference=REFERENCE,
            agencies=["SOA"],
            target="SOB",
        ),
        Step(
            kind="merge",
            effective_on=OCTOBER_1,
            reference=REFERENCE,
            agencies=["SOB"],
            target="SOA",
        ),
        Step(
            kind="merge",
            effective_on=OCTOBER_1,
            reference=REFERENCE,
            agencies=["SOA"],
            target="SOA",
        ),
    ]
    preview = plan_preview(plan=Plan(steps), user=month.user("sam"))
    codes = {(p["path"], p["code"]) for p in preview["problems"]}
    assert ("steps[2].agencies", "overlap") in codes  # SOA ended twice
    assert ("steps[2].target", "circular") in codes  # into itself
    assert ("steps[0].target", "target_ended") in codes  # SOB is itself being merged


def test_a_future_date_and_a_caller_other_than_the_province_admin_are_refused(month):
    later = Step(
        kind="rename",
        effective_on=dt.date(2099, 1, 1),
        reference=REFERENCE,
        agencies=["SOA"],
        name="Sở Alpha mới",
    )
    preview = plan_preview(plan=Plan([later]), user=month.user("sam"))
    assert [p["code"] for p in preview["problems"]] == ["future_date"]
    now = Step(
        kind="rename",
        effective_on=OCTOBER_1,
        reference=REFERENCE,
        agencies=["SOA"],
        name="Sở Alpha mới",
    )
    with pytest.raises(RestructuringRefused) as refused:
        plan_apply(plan=Plan([now]), user=month.user("alice"))
    assert refused.value.problems[0].code == "forbidden"
    plan_apply(plan=Plan([now]), user=month.user("sam"))
    assert Agency.objects.get(code="SOA").name == "Sở Alpha mới"
    assert Restructuring.objects.get().summary["before"]["name"] == "Sở Alpha"


def test_a_dissolved_unit_hands_its_people_over_with_transfer_records(month):
    dissolve = Step(kind="dissolve_unit", effective_on=OCTOBER_1, reference=REFERENCE, unit="A-KH")
    preview = plan_preview(plan=Plan([dissolve]), user=month.user("sam"))
    assert [(p["code"], p["path"]) for p in preview["problems"]] == [
        ("person_left_without_unit", "steps[0].to_unit")
    ]
    dissolve.to_unit = "B-NV"
    plan_apply(plan=Plan([dissolve]), user=month.user("sam"))
    assert Unit.objects.get(code="A-KH").valid_to == dt.date(2026, 9, 30)
    son = StaffMember.objects.get(code="A11")
    assert (son.unit.code, son.agency_id) == ("B-NV", month.agency_b.pk)
    transfer = Transfer.objects.get(staff=son)
    assert (transfer.from_unit.code, transfer.effective_on) == ("A-KH", OCTOBER_1)


def test_moving_a_unit_takes_its_people_and_its_manager_along(month):
    move = Step(
        kind="move_unit", effective_on=OCTOBER_1, reference=REFERENCE, unit="A-KH", target="SOB"
    )
    plan_apply(plan=Plan([move]), user=month.user("sam"))
    assert Unit.objects.get(code="A-KH").agency_id == month.agency_b.pk
    assert StaffMember.objects.get(code="A11").agency_id == month.agency_b.pk
    assert scope_for(month.user("bob")).staff_members().filter(code="A11").exists()
    assert Agency.objects.get(code="SOA").is_active  # the rest of Sở Alpha goes on


def test_a_unit_moved_into_an_agency_the_plan_creates_lands_in_the_same_province(month):
    kind = month.agency_a.agency_type.code
    move = Step(
        kind="move_unit",
        effective_on=OCTOBER_1,
        reference=REFERENCE,
        unit="A-KH",
        target="SON",
        new=[NewAgency("SON", "Sở Mới", kind)],
    )
    plan_apply(plan=Plan([move]), user=month.user("sam"))
    new = Agency.objects.get(code="SON")
    assert new.province_id == month.agency_a.province_id
    assert Unit.objects.get(code="A-KH").agency == new


def test_an_agency_used_before_the_step_that_creates_it_or_created_twice_is_refused(month):
    kind = month.agency_a.agency_type.code
    steps = [
        Step(
            kind="move_unit", effective_on=OCTOBER_1, reference=REFERENCE, unit="A-KH", target="SON"
        ),
        Step(
            kind="merge",
            effective_on=OCTOBER_1,
            reference=REFERENCE,
            agencies=["SOB"],
            target="SON",
            new=[NewAgency("SON", "Sở Mới", kind)],
        ),
        Step(
            kind="move_unit",
            effective_on=OCTOBER_1,
            reference=REFERENCE,
            unit="A-LD",
            target="SON",
            new=[NewAgency("SON", "Sở Mới", kind)],
        ),
    ]
    preview = plan_preview(plan=Plan(steps), user=month.user("sam"))
    codes = {(p["path"], p["code"]) for p in preview["problems"]}
    assert ("steps[0].target", "not_found") in codes
    assert ("steps[2].new", "duplicate") in codes
    assert not Agency.objects.filter(code="SON").exists()


def test_a_rename_posted_twice_is_recorded_once(month):
    rename = Step(
        kind="rename",
        effective_on=OCTOBER_1,
        reference=REFERENCE,
        agencies=["SOA"],
        name="Sở Alpha mới",
    )
    plan_apply(plan=Plan([rename]), user=month.user("sam"))
    with pytest.raises(RestructuringRefused) as refused:
        plan_apply(plan=Plan([rename]), user=month.user("sam"))
    assert refused.value.problems[0].code == "unchanged"
    assert Restructuring.objects.count() == 1


def test_moving_a_unit_costs_the_same_queries_for_three_people_or_eight(month):
    open_month(month, "2026-10")  # every person has an unsigned evaluation that will follow

    def queries_to_move(unit: str) -> int:
        step = Step(
            kind="move_unit", effective_on=OCTOBER_1, reference=REFERENCE, unit=unit, target="SOB"
        )
        with CaptureQueriesContext(connection) as queries:
            plan_apply(plan=Plan([step]), user=month.user("sam"))
        return len(queries)

    assert StaffMember.objects.filter(unit__code="A-LD").count() == 3
    assert StaffMember.objects.filter(unit__code="A-KH").count() == 8
    assert queries_to_move("A-LD") == queries_to_move("A-KH")
    assert not Evaluation.objects.filter(agency=month.agency_a, period__label="2026-10").exists()
