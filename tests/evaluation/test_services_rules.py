"""Who may do what, in which state — and what is refused, with which message."""

from __future__ import annotations

import datetime as dt

import pytest

from evaluation.errors import WorkflowError
from evaluation.models import Evaluation, Period, Status
from evaluation.services.approval import Adjustment, agency_publish, unit_approve
from evaluation.services.period_close import period_close
from evaluation.services.periods import period_open
from evaluation.services.products import product_register, product_set_outcome
from evaluation.services.workflow import (
    evaluation_return,
    evaluation_self_assess,
)
from staff.models import AuditEntry, StaffMember
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import (
    FLAWED,
    FULL,
    GOOD,
    ev,
    manager_score,
    open_month,
    score_unit,
    self_assess,
)
from tests.factories import StaffMemberFactory


def refused(call, code=None, status=None) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        call()
    if code:
        assert caught.value.code == code, caught.value
    if status:
        assert caught.value.status == status
    assert caught.value.message and caught.value.message_en
    return caught.value


def test_only_the_province_admin_opens_a_period(month):
    error = refused(
        lambda: period_open(ruleset_code="ND335-2025", label="2026-10", user=month.user("alice")),
        status=403,
    )
    assert "Sở Nội vụ" in error.message
    refused(
        lambda: period_open(ruleset_code="NOPE", label="2026-10", user=month.user("sam")),
        code="unknown_ruleset",
    )
    refused(
        lambda: period_open(ruleset_code="ND335-2025", label="2026-Q4", user=month.user("sam")),
        code="not_a_month",
    )


def test_opening_pins_the_template_and_snapshots_the_organisation(month):
    period = open_month(month)
    evaluation = ev(month, "Sơn", period)
    assert evaluation.template == period.ruleset.template
    assert (evaluation.unit, evaluation.manager) == (month.planning, month.staff["bob"])
    assert ev(month, "bob", period).leadership == "head"


def test_a_staff_member_who_joins_during_the_month_is_added_on_the_next_opening(month):
    period = open_month(month)
    newcomer = StaffMemberFactory(
        code="A99", unit=month.planning, manager=month.staff["bob"], joined_on=dt.date(2026, 10, 20)
    )
    StaffMemberFactory(
        code="A98", unit=month.planning, joined_on=dt.date(2026, 11, 2)
    )  # next month
    again, created = period_open(ruleset_code="ND335-2025", label="2026-10", user=month.user("sam"))
    assert (again, created) == (period, 1)
    assert Evaluation.objects.filter(period=period, staff=newcomer).exists()
    assert AuditEntry.objects.filter(action="period.joiners_added").count() == 1


def test_staff_who_left_before_the_month_are_not_evaluated(month):
    StaffMember.objects.filter(pk=month.staff["Ân"].pk).update(left_on=dt.date(2026, 9, 30))
    period = open_month(month)
    assert not Evaluation.objects.filter(period=period, staff=month.staff["Ân"]).exists()


def test_a_person_edits_only_their_own_evaluation_and_only_in_draft(month):
    period = open_month(month)
    son = ev(month, "Sơn", period)
    refused(
        lambda: evaluation_self_assess(evaluation=son, user=month.user("Tâm"), scores=FULL),
        status=403,
    )
    refused(
        lambda: evaluation_self_assess(evaluation=son, user=month.user("bob"), scores=FULL),
        status=403,
    )
    self_assess(month, "Sơn", period)
    refused(
        lambda: evaluation_self_assess(
            evaluation=ev(month, "Sơn", period), user=month.user("Sơn"), scores=FULL
        ),
        code="wrong_state",
        status=409,
    )


def test_self_assessment_validates_each_criterion_against_its_maximum(month):
    period = open_month(month)
    son = ev(month, "Sơn", period)
    error = refused(
        lambda: evaluation_self_assess(evaluation=son, user=month.user("Sơn"), scores={"G1": 6}),
        code="over_maximum",
    )
    assert error.path == "scores.G1"
    error = refused(
        lambda: evaluation_self_assess(evaluation=son, user=month.user("Sơn"), scores={"G9": 1}),
        code="unknown_criterion",
    )
    assert error.path == "scores.G9"
    error = refused(
        lambda: evaluation_self_assess(
            evaluation=son, user=month.user("Sơn"), scores={"G1": 5}, submit=True
        ),
        code="criteria_missing",
    )
    assert error.path == "scores.G2"


def test_a_stale_save_is_refused_with_the_current_version(month):
    period = open_month(month)
    son = ev(month, "Sơn", period)
    evaluation_self_assess(
        evaluation=son, user=month.user("Sơn"), scores={"G1": 4}, version=son.version
    )
    error = refused(
        lambda: evaluation_self_assess(
            evaluation=son, user=month.user("Sơn"), scores={"G1": 5}, version=son.version
        ),
        code="stale_version",
        status=409,
    )
    assert error.extra["current_version"] == son.version + 1


def test_only_the_direct_manager_scores_and_not_before_the_self_assessment_deadline(
    month, settings
):
    period = open_month(month)
    refused(
        lambda: manager_score(month, "dave", "Sơn", period), status=403
    )  # Dave is not Sơn's manager
    refused(
        lambda: manager_score(month, "huong", "Sơn", period), status=403
    )  # HR approves nothing, scores nothing
    # Before the self-assessment deadline the manager waits for the person…
    Period.objects.filter(pk=period.pk).update(self_assessment_due=dt.date(2099, 1, 1))
    refused(lambda: manager_score(month, "bob", "Sơn", period), code="self_assessment_pending")
    # …after it, the manager scores without it and the evaluation says so.
    Period.objects.filter(pk=period.pk).update(self_assessment_due=dt.date(2026, 11, 3))
    son = ev(month, "Sơn", period)
    product = product_register(evaluation=son, user=month.user("bob"), title="Giao việc", weight=1)
    product_set_outcome(product=product, user=month.user("bob"), completed=True)
    evaluation = manager_score(month, "bob", "Sơn", period)
    assert evaluation.no_self_assessment and evaluation.status == Status.MANAGER_SCORED
    assert product.__class__.objects.get(pk=product.pk).assigned_by == month.user("bob")


def test_the_manager_sees_the_proposed_level_with_its_reasons(month):
    period = open_month(month)
    self_assess(month, "Sơn", period, scores=GOOD, products=FLAWED)
    evaluation = manager_score(month, "bob", "Sơn", period, GOOD, discipline="reprimand")
    assert evaluation.score is not None and evaluation.proposed_level == "KHTNV"
    assert [r["code"] for r in evaluation.reasons][-1] == "override.discipline"


def test_only_the_manager_confirms_an_objective_cause(month):
    period = open_month(month)
    son = ev(month, "Sơn", period)
    product = product_register(evaluation=son, user=month.user("Sơn"), title="Báo cáo", weight=1)
    refused(
        lambda: product_set_outcome(
            product=product, user=month.user("Sơn"), completed=True, delays=2, objective_cause=True
        ),
        code="manager_field",
    )


def test_returns_need_a_reason_and_go_to_the_right_person(month):
    period = open_month(month)
    self_assess(month, "Sơn", period)
    son = ev(month, "Sơn", period)
    refused(
        lambda: evaluation_return(evaluation=son, user=month.user("bob"), to="person", reason="  "),
        code="reason_required",
    )
    refused(
        lambda: evaluation_return(evaluation=son, user=month.user("Sơn"), to="person", reason="x"),
        status=403,
    )
    evaluation_return(
        evaluation=son, user=month.user("bob"), to="person", reason="Bổ sung minh chứng"
    )
    son.refresh_from_db()
    assert (son.status, son.return_reason) == (Status.DRAFT, "Bổ sung minh chứng")
    self_assess(month, "Sơn", period, products=())
    manager_score(month, "bob", "Sơn", period)
    refused(
        lambda: evaluation_return(
            evaluation=ev(month, "Sơn", period), user=month.user("bob"), to="manager", reason="x"
        ),
        status=403,
    )
    evaluation_return(
        evaluation=ev(month, "Sơn", period),
        user=month.user("alice"),
        to="manager",
        reason="Chấm lại tiêu chí G3",
    )
    assert ev(month, "Sơn", period).status == Status.SELF_ASSESSED


def test_hr_and_the_province_admin_approve_nothing(month):
    period = open_month(month)
    score_unit(month, period, STAFF_NAMES)
    for name in ("huong", "sam", "ivy", "bob", "charlie"):
        refused(
            lambda n=name: unit_approve(period=period, unit=month.planning, user=month.user(n)),
            status=403,
        )


def test_leaders_are_approved_after_their_units(month):
    period = open_month(month)
    score_unit(month, period, STAFF_NAMES[:3])  # four of Bob's reports are not scored yet
    self_assess(month, "bob", period)
    manager_score(month, "dave", "bob", period)
    error = refused(
        lambda: unit_approve(period=period, unit=month.planning, user=month.user("alice")),
        code="leaders_first_units",
    )
    assert error.extra["blocked"][0]["staff"] == "A03"


def test_the_approver_may_lower_a_level_only_with_a_reason(month):
    period = open_month(month)
    score_unit(month, period, STAFF_NAMES)
    self_assess(month, "bob", period)
    manager_score(month, "dave", "bob", period)
    son = ev(month, "Sơn", period)
    refused(
        lambda: unit_approve(
            period=period,
            unit=month.planning,
            user=month.user("alice"),
            adjustments=[Adjustment(son.pk, "HTNV", "")],
        ),
        code="reason_required",
    )
    assert ev(month, "Sơn", period).status == Status.MANAGER_SCORED  # nothing half-approved
    unit_approve(
        period=period,
        unit=month.planning,
        user=month.user("alice"),
        adjustments=[Adjustment(son.pk, "HTNV", "Vi phạm giờ giấc")],
    )
    son.refresh_from_db()
    assert son.final_level == "HTNV"
    assert "Vi phạm giờ giấc" in son.reasons[-1]["message"] or any(
        "Vi phạm giờ giấc" in r["message"] for r in son.reasons
    )


def test_publication_waits_for_every_approval_and_closing_freezes(month):
    period = open_month(month)
    score_unit(month, period, STAFF_NAMES)
    self_assess(month, "bob", period)
    manager_score(month, "dave", "bob", period)
    unit_approve(period=period, unit=month.planning, user=month.user("alice"))
    refused(
        lambda: agency_publish(period=period, agency=month.agency_a, user=month.user("alice")),
        code="not_all_approved",
    )
    period_close(period=period, user=month.user("sam"))
    refused(lambda: self_assess(month, "huong", period), code="period_closed")
    refused(lambda: period_close(period=period, user=month.user("sam")), code="period_closed")


def test_a_quarter_is_derived_from_its_months_when_the_last_one_closes(month):
    period = open_month(month, "2026-09")
    score_unit(month, period, STAFF_NAMES[:3])
    score_unit(month, period, STAFF_NAMES[3:], scores=GOOD, products=FLAWED)
    self_assess(month, "bob", period)
    manager_score(month, "dave", "bob", period)
    unit_approve(period=period, unit=month.planning, user=month.user("alice"))
    counts = period_close(period=period, user=month.user("sam"))
    assert counts["quarter_evaluations"] == 8
    quarter = Period.objects.get(kind="quarter", label="2026-Q3")
    son = Evaluation.objects.get(period=quarter, staff=month.staff["Sơn"])
    september = ev(month, "Sơn", period)
    assert son.status == Status.MANAGER_SCORED and son.months_worked == 1
    assert son.score == september.score
    assert son.reasons[0]["code"] == "aggregate.mean"
    assert son.proposed_level == september.final_level and son.band == september.band


def test_an_evidence_link_must_be_a_web_address_whatever_the_caller(month):
    """The rule lives in the service, so the API and the page refuse the same links."""

    evaluation = ev(month, "Sơn", open_month(month))
    for bad in ("javascript:alert(1)", "ftp://files.example/x.pdf", "file:///etc/passwd"):
        with pytest.raises(WorkflowError) as refused:
            product_register(
                evaluation=evaluation, user=month.user("Sơn"), title="Báo cáo", evidence_url=bad
            )
        assert refused.value.code == "bad_url" and refused.value.path == "evidence_url"
    product = product_register(
        evaluation=evaluation,
        user=month.user("Sơn"),
        title="Báo cáo",
        evidence_url="https://vanban.example.gov.vn/1.pdf",
    )
    assert product.evidence_url.startswith("https://")
