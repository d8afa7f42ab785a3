"""Viên chức rated as Decree 90/48 says (DOMAIN.md §3 last paragraph, §5): a yearly rule set
(ND90-VC v2) opens the year itself — no month, no quarter — with its own self-assessment,
manager assessment, approval and publication; the level is chosen by conditions ticked, with no
points; the quota and the leader gates apply to the year."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from evaluation.errors import WorkflowError
from evaluation.models import Notification, Period, Status
from evaluation.rating import _rules_for
from evaluation.services.approval import agency_publish, head_approve, unit_approve
from evaluation.services.daily import open_new_months, run_daily_jobs
from evaluation.services.period_close import period_close
from evaluation.services.periods import period_open
from evaluation.services.workflow import evaluation_manager_score, evaluation_self_assess
from scoring.models import RuleSetCoverage
from staff.models import AuditEntry, LeavePeriod
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import ev, province_approver
from tests.factories import verify_otp
from tests.scoring.conftest import STANDARD_FIXTURE
from tests.web.test_periods import URL, _admin, _field_errors, _run

EXCELLENT = ["HTXSNV1", "HTXSNV2"]  # a non-manager's HTXSNV conditions (art. 12.1)
GOOD = ["HTTNV1", "HTTNV2"]  # art. 13.1
LEADER_GOOD = ["HTTNV3", "HTTNV4", "HTTNV5", "HTTNV6"]  # art. 13.2


def _version_of(obj: dict) -> str:
    fields = obj["fields"]
    if "version" in fields:
        return fields["code"]
    return (fields.get("template") or fields["ruleset"])[0]


@pytest.fixture
def vc_year(month, tmp_path) -> Iterator[object]:
    """ND90-VC (v1 and v2) from the standard fixture; everyone in both agencies is viên chức
    rated under it, so ND90-VC v2 — yearly, by conditions — rates them."""
    data = json.loads(STANDARD_FIXTURE.read_text(encoding="utf-8"))
    mine = [o for o in data if _version_of(o) in ("ND90-VC-TPL", "ND90-VC")]
    path = tmp_path / "vc.json"
    path.write_text(json.dumps(mine, ensure_ascii=False), encoding="utf-8")
    call_command("load_standard_rules", str(path), stdout=StringIO())
    RuleSetCoverage.objects.all().delete()
    for agency in (month.agency_a, month.agency_b):
        RuleSetCoverage.objects.create(agency=agency, ruleset_code="ND90-VC")
    _rules_for.cache_clear()
    yield month
    _rules_for.cache_clear()


def _refused(call, code: str) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        call()
    assert caught.value.code == code, caught.value
    return caught.value


def test_months_and_quarters_are_refused_and_the_year_opens_with_its_three_deadlines(vc_year):
    month = vc_year
    sam = month.user("sam")
    error = _refused(
        lambda: period_open(ruleset_code="ND90-VC", label="2026-10", user=sam), "not_a_year"
    )
    assert error.path == "period"
    assert "ND90-VC xếp loại theo năm (Nghị định 90/48): không mở kỳ 2026-10" in error.message
    assert "hãy mở kỳ năm (dạng YYYY, ví dụ 2026)" in error.message
    assert "rates by year (Decree 90/48): 2026-10 is not opened" in error.message_en
    _refused(lambda: period_open(ruleset_code="ND90-VC", label="2026-Q4", user=sam), "not_a_year")
    assert not Period.objects.exists()

    period, created = period_open(ruleset_code="ND90-VC", label="2026", user=sam)
    assert (period.kind, period.label, period.ruleset.version, created) == ("year", "2026", 2, 13)
    assert (period.starts_on, period.ends_on) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert (period.self_assessment_due, period.manager_due, period.approval_due) == (
        dt.date(2026, 12, 11),
        dt.date(2026, 12, 13),
        dt.date(2026, 12, 15),
    )
    son = ev(month, "Sơn", period)
    assert son.template.code == "ND90-VC-TPL" and son.template.version == 2
    assert son.months_worked == 12


def test_months_worked_in_the_year_are_read_at_opening_for_the_caps(vc_year):
    month = vc_year
    LeavePeriod.objects.create(
        staff=month.staff["Tâm"], kind="unpaid", start=dt.date(2026, 2, 1), end=dt.date(2026, 5, 31)
    )
    month.staff["Uyên"].joined_on = dt.date(2026, 8, 15)
    month.staff["Uyên"].save()
    period, _ = period_open(ruleset_code="ND90-VC", label="2026", user=month.user("sam"))
    assert ev(month, "Tâm", period).months_worked == 8
    assert ev(month, "Uyên", period).months_worked == 5


def _assess(month, name, period, own, confirmed, manager):
    evaluation_self_assess(
        evaluation=ev(month, name, period), user=month.user(name), conditions=own, submit=True
    )
    evaluation = ev(month, name, period)
    return evaluation_manager_score(
        evaluation=evaluation,
        user=month.user(manager),
        fields={"conditions_met": confirmed},
        version=evaluation.version,
        submit=True,
    )


def test_a_whole_year_self_assessed_ticked_approved_and_published_without_points(vc_year):
    month = vc_year
    province_approver(month)
    sam, alice = month.user("sam"), month.user("alice")
    period, _ = period_open(ruleset_code="ND90-VC", label="2026", user=sam)
    # Bob's seven: Sơn and Tâm meet art. 12's conditions, the others art. 13's; Sơn claims
    # HTXSNV and Bob agrees; Vân claims HTXSNV and Bob confirms only HTTNV.
    for name in STAFF_NAMES:
        own = EXCELLENT if name in ("Sơn", "Tâm", "Vân") else GOOD
        confirmed = EXCELLENT if name in ("Sơn", "Tâm") else GOOD
        scored = _assess(month, name, period, own, confirmed, "bob")
        assert scored.status == Status.MANAGER_SCORED and scored.score is None
    son, van = ev(month, "Sơn", period), ev(month, "Vân", period)
    assert son.self_conditions == EXCELLENT and son.manager_conditions == EXCELLENT
    assert son.proposed_level == "HTXSNV" and son.band == "HTXSNV"
    assert van.self_conditions == EXCELLENT and van.manager_conditions == GOOD
    assert van.proposed_level == "HTTNV"
    reasons = [r["code"] for r in van.reasons]
    assert reasons == ["conditions.missing_HTXSNV", "conditions.met_HTTNV"]
    assert "còn thiếu HTXSNV1, HTXSNV2" in van.reasons[0]["message"]
    scored_entry = AuditEntry.objects.filter(
        action="evaluation.manager_scored", evaluation=van
    ).get()
    assert scored_entry.after["manager_conditions"] == GOOD
    # Hương (no management post) and the leaders, each by their manager.
    _assess(month, "huong", period, GOOD, GOOD, "alice")
    _assess(month, "bob", period, LEADER_GOOD, LEADER_GOOD, "dave")
    _assess(month, "dave", period, LEADER_GOOD, LEADER_GOOD, "alice")
    _assess(month, "alice", period, LEADER_GOOD, LEADER_GOOD, "pct")

    unit_approve(period=period, unit=month.planning, user=alice)
    unit_approve(period=period, unit=month.leadership_unit, user=alice)
    head_approve(evaluation=ev(month, "alice", period), user=month.user("pct"))
    rated = {e.staff.full_name.split()[-1]: e for e in period.evaluations.select_related("staff")}
    assert all(e.score is None for e in rated.values())
    # The quota on the year: 2 candidates + 6 HTTNV in the specialists' group → ⌊8/6⌋ = 1;
    # Sơn (A11) keeps HTXSNV by code, Tâm (A12) moves down.
    assert rated["Sơn"].final_level == "HTXSNV" and rated["Tâm"].final_level == "HTTNV"
    assert "quota.moved_down" in [r["code"] for r in rated["Tâm"].reasons]
    # The leader gates read the conditions levels: Bob's seven are all HTTNV or better.
    assert rated["Bình"].final_level == "HTTNV"
    assert "gate.passed" in [r["code"] for r in rated["Bình"].reasons]
    assert rated["Ánh"].final_level == "HTTNV"

    assert agency_publish(period=period, agency=month.agency_a, user=alice) == 11
    son = ev(month, "Sơn", period)
    assert son.status == Status.PUBLISHED and son.score is None
    published = Notification.objects.get(evaluation=son, kind="published")
    assert published.body.startswith("Điểm —, xếp loại Hoàn thành xuất sắc nhiệm vụ")
    page = _client(month.user("Sơn")).get(reverse("evaluation:my-evaluation", args=[son.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-test="self-conditions-saved"' in html and "HTXSNV2" in html
    assert "None" not in html.split('id="self"')[1].split("</section>")[0]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_unknown_conditions_are_refused_with_their_path_over_the_api(vc_year):
    month = vc_year
    period, _ = period_open(ruleset_code="ND90-VC", label="2026", user=month.user("sam"))
    evaluation_self_assess(
        evaluation=ev(month, "Sơn", period), user=month.user("Sơn"), conditions=GOOD, submit=True
    )
    son = ev(month, "Sơn", period)
    client = _client(month.user("bob"))
    url = f"/api/v1/evaluations/{son.pk}/manager-score/"
    response = client.post(
        url,
        {"version": son.version, "conditions_met": ["HTTNV1", "HTNV9"], "submit": True},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content.decode()
    error = response.json()["errors"][0]
    assert (error["code"], error["path"]) == ("unknown_condition", "conditions_met.1")
    assert "HTNV9" in error["message"] and "HTNV9" in error["message_en"]
    assert ev(month, "Sơn", period).status == Status.SELF_ASSESSED
    # A known list is accepted and the level follows the conditions ticked.
    response = client.post(
        url,
        {"version": son.version, "conditions_met": ["HTNV1", "HTNV2"], "submit": True},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert body["manager_conditions"] == ["HTNV1", "HTNV2"]
    assert body["self_conditions"] == GOOD
    assert body["score"] is None and body["proposed_level"] == "HTNV"
    proposal = client.get(f"/api/v1/evaluations/{son.pk}/proposal/").json()
    assert proposal["level"] == "HTNV" and proposal["score"] is None


def test_the_person_ticks_their_conditions_over_the_api(vc_year):
    month = vc_year
    period, _ = period_open(ruleset_code="ND90-VC", label="2026", user=month.user("sam"))
    tam = ev(month, "Tâm", period)
    client = _client(month.user("Tâm"))
    url = f"/api/v1/evaluations/{tam.pk}/self-assessment/"
    refused = client.post(
        url,
        {"version": tam.version, "conditions_met": ["HTXSNV9"]},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["path"] == "conditions_met.0"
    response = client.post(
        url,
        {"version": tam.version, "conditions_met": ["HTTNV2", "HTTNV1"], "submit": True},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content.decode()
    assert response.json()["self_conditions"] == ["HTTNV1", "HTTNV2"]  # the template's order
    assert response.json()["status"] == Status.SELF_ASSESSED
    proposal = client.get(f"/api/v1/evaluations/{tam.pk}/proposal/").json()
    assert (proposal["source"], proposal["level"], proposal["score"]) == ("self", "HTTNV", None)


def test_conditions_are_refused_under_a_points_template(month):
    period, _ = period_open(ruleset_code="ND335-2025", label="2026-10", user=month.user("sam"))
    with pytest.raises(WorkflowError) as caught:
        evaluation_self_assess(
            evaluation=ev(month, "Sơn", period), user=month.user("Sơn"), conditions=["HTNV1"]
        )
    assert (caught.value.code, caught.value.path) == ("not_in_template", "conditions_met")


def test_the_pages_show_the_conditions_as_checkboxes_and_the_live_level(vc_year):
    month = vc_year
    period, _ = period_open(ruleset_code="ND90-VC", label="2026", user=month.user("sam"))
    son = ev(month, "Sơn", period)
    person = _client(month.user("Sơn"))
    page = person.get(reverse("evaluation:my-evaluation", args=[son.pk])).content.decode()
    assert 'data-test="self-conditions-HTXSNV"' in page
    assert 'name="conditions_met" value="HTXSNV2"' in page
    assert 'value="HTXSNV3"' not in page  # a manager's condition, not Sơn's
    assert "my-product-add" not in page and "/products/" not in page  # no products counted
    preview = person.post(
        reverse("evaluation:my-preview", args=[son.pk]),
        {"conditions_form": "1", "conditions_met": GOOD},
    ).content.decode()
    assert 'data-level="HTTNV"' in preview
    saved = person.post(
        reverse("evaluation:my-self-assess", args=[son.pk]),
        {
            "conditions_form": "1",
            "conditions_met": GOOD,
            "version": son.version,
            "action": "submit",
        },
    )
    assert saved.status_code == 302
    son = ev(month, "Sơn", period)
    assert son.status == Status.SELF_ASSESSED and son.self_conditions == GOOD

    bob = _client(month.user("bob"))
    page = bob.get(reverse("evaluation:team-score", args=[son.pk])).content.decode()
    assert 'data-test="manager-conditions"' in page
    assert 'name="conditions_met" value="HTTNV1" checked' in page  # prefilled from Sơn's
    assert 'data-test="self-condition-HTTNV2" data-met="yes"' in page
    assert 'name="scores.' not in page
    assert "Chưa có sản phẩm nào" not in page
    preview = bob.post(
        reverse("evaluation:team-preview", args=[son.pk]),
        {"conditions_met": EXCELLENT, "discipline": "none"},
    ).content.decode()
    assert "HTXSNV" in preview and "Mức đề xuất theo các điều kiện đang đánh dấu" in preview
    submitted = bob.post(
        reverse("evaluation:team-score", args=[son.pk]),
        {
            "conditions_met": ["HTNV1", "HTNV2"],
            "discipline": "none",
            "version": son.version,
            "action": "submit",
        },
    )
    assert submitted.status_code == 302, submitted.content.decode()[:2000]
    son = ev(month, "Sơn", period)
    assert son.manager_conditions == ["HTNV1", "HTNV2"] and son.proposed_level == "HTNV"


def test_the_daily_job_opens_the_year_on_1_november_and_closing_it_derives_nothing(vc_year):
    month = vc_year
    assert open_new_months(today=dt.date(2026, 10, 1)) == []
    assert open_new_months(today=dt.date(2026, 1, 1)) == []
    report = run_daily_jobs(today=dt.date(2026, 11, 1))
    assert report.opened == ["ND90-VC 2026 (13 evaluations)"]
    assert not report.errors
    period = Period.objects.get(label="2026")
    # Two days before the self-assessment deadline everyone still in draft with a login (all
    # but Bea) is reminded.
    report = run_daily_jobs(today=dt.date(2026, 12, 9))
    assert report.reminders == 12 and not report.errors
    counts = period_close(period=period, user=month.user("sam"))
    assert "year_evaluations" not in counts and "quarter_evaluations" not in counts
    assert list(Period.objects.values_list("label", flat=True)) == ["2026"]


def test_the_approval_board_lists_the_year_with_levels_and_no_points(vc_year):
    month = vc_year
    period, _ = period_open(ruleset_code="ND90-VC", label="2026", user=month.user("sam"))
    for name in STAFF_NAMES:
        _assess(month, name, period, GOOD, EXCELLENT if name == "Sơn" else GOOD, "bob")
    alice = month.user("alice")
    verify_otp(alice)
    page = _client(alice).get("/evaluation/approval/", {"period": "2026", "unit": "A-KH"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "HTXSNV" in html and "HTTNV" in html
    assert ">None<" not in html


def test_the_periods_page_opens_the_year_and_refuses_a_month(
    vc_year, client, django_capture_on_commit_callbacks
):
    month = vc_year
    admin = _admin(client, month)
    final, _ = _run(
        admin, django_capture_on_commit_callbacks, URL, {"period": "2026-11", "ruleset": "ND90-VC"}
    )
    errors = _field_errors(final.content.decode(), "period")
    assert "xếp loại theo năm (Nghị định 90/48): không mở kỳ 2026-11" in errors
    assert not Period.objects.exists()
    final, _ = _run(
        admin, django_capture_on_commit_callbacks, URL, {"period": "2026", "ruleset": "ND90-VC"}
    )
    assert "Đã mở kỳ 2026: tạo 13 phiếu đánh giá." in final.content.decode()
    period = Period.objects.get()
    assert (period.kind, period.ruleset.cycle) == ("year", "year")
    client.force_login(month.user("Sơn"))
    page = client.get(reverse("evaluation:my-month")).content.decode()
    assert "Năm 2026" in page and 'name="conditions_met"' in page


def test_a_condition_that_is_not_the_person_s_is_refused_with_its_path(vc_year):
    """Sơn leads nobody: art. 13's conditions for managers (HTTNV3…) are not his to meet, and
    a tick on one is refused at its place in the list instead of being ignored."""
    month = vc_year
    period, _ = period_open(ruleset_code="ND90-VC", label="2026", user=month.user("sam"))
    son = ev(month, "Sơn", period)
    client = _client(month.user("Sơn"))
    response = client.post(
        f"/api/v1/evaluations/{son.pk}/self-assessment/",
        {"version": son.version, "conditions_met": [*GOOD, LEADER_GOOD[0]]},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content.decode()
    error = response.json()["errors"][0]
    assert (error["code"], error["path"]) == ("condition_not_applicable", "conditions_met.2")
    assert LEADER_GOOD[0] in error["message"] and "managers only" in error["message_en"]
    assert ev(month, "Sơn", period).self_conditions is None
