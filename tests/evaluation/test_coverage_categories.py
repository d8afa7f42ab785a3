"""One agency, two rule sets in the same month (DOMAIN.md §5): the province maps Sở Alpha's
công chức to ND335-2025 and its viên chức to ND90-VC; each month is opened per rule set, each
person is evaluated under their category's rule set, and approval, the quota, publication,
closing, the dashboards and the exports count each rule set's period on its own."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from dashboards.frames import compute_indicators
from evaluation.errors import WorkflowError
from evaluation.exports import HEADER_ROW, official_period, official_results
from evaluation.models import Evaluation, Period, PeriodJobStatus, Status
from evaluation.services.approval import (
    agency_publish,
    approval_preview,
    head_approve,
    unit_approve,
)
from evaluation.services.daily import run_daily_jobs
from evaluation.services.period_close import period_close
from evaluation.services.period_jobs import period_job_open
from evaluation.services.periods import period_open
from evaluation.services.products import product_register, product_set_outcome
from evaluation.services.workflow import evaluation_manager_score, evaluation_self_assess
from scoring import services
from scoring.models import RuleSet, RuleSetCoverage
from staff.models import AuditEntry, StaffMember
from staff.restructuring import NewAgency, Plan, Step, plan_apply
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import (
    FLAWED,
    FULL,
    GOOD,
    ev,
    manager_score,
    province_approver,
    self_assess,
)
from tests.scoring.conftest import STANDARD_FIXTURE

VC_NAMES = STAFF_NAMES[4:]  # Xuân, Yến, Ân: viên chức of Phòng Kế hoạch
CC_NAMES = STAFF_NAMES[:4]
VC_FULL = {f"V{i}": 6 for i in range(1, 6)}


def _version_of(obj: dict) -> tuple[str, int]:
    fields = obj["fields"]
    if "version" in fields:
        return fields["code"], fields["version"]
    return tuple((fields.get("template") or fields["ruleset"])[:2])


def _load_vc_rules(tmp_path) -> RuleSet:
    """ND90-VC from the standard fixture (its template and rule set only: v1, monthly, and v2,
    yearly by conditions), then the province's version 3, a copy of v1 tracking months and
    applying the quota to them as well (DOMAIN.md §4.5: its choice to make)."""
    data = json.loads(STANDARD_FIXTURE.read_text(encoding="utf-8"))
    mine = [o for o in data if _version_of(o)[0] in ("ND90-VC-TPL", "ND90-VC")]
    path = tmp_path / "vc.json"
    path.write_text(json.dumps(mine, ensure_ascii=False), encoding="utf-8")
    call_command("load_standard_rules", str(path), stdout=StringIO())
    draft = services.ruleset_new_version(
        ruleset=RuleSet.objects.get(code="ND90-VC", version=1), user=None
    )
    draft.quota_applies_month = True
    draft.save()
    return services.ruleset_publish(ruleset=draft, user=None)


@pytest.fixture
def mixed(month, tmp_path):
    """Sở Alpha holds công chức and viên chức; Sở Beta stays agency-wide under ND335-2025."""
    _load_vc_rules(tmp_path)
    StaffMember.objects.filter(pk__in=[month.staff[n].pk for n in VC_NAMES]).update(category="VC")
    RuleSetCoverage.objects.filter(agency=month.agency_a).delete()
    RuleSetCoverage.objects.create(agency=month.agency_a, category="CC", ruleset_code="ND335-2025")
    RuleSetCoverage.objects.create(agency=month.agency_a, category="VC", ruleset_code="ND90-VC")
    return month


def _vc_self_assess(month, name, period):
    evaluation = ev(month, name, period)
    product = product_register(evaluation=evaluation, user=month.user(name), title="Hồ sơ")
    product_set_outcome(
        product=product, user=month.user(name), completed=True, major_errors=0, delays=0
    )
    evaluation_self_assess(
        evaluation=ev(month, name, period), user=month.user(name), scores=VC_FULL, submit=True
    )
    evaluation_manager_score(
        evaluation=ev(month, name, period), user=month.user("bob"), scores=VC_FULL, submit=True
    )


def test_one_agency_holds_two_rule_sets_through_a_whole_month(mixed, client):
    month = mixed
    sam, alice = month.user("sam"), month.user("alice")
    pct = province_approver(month)

    cc, cc_created = period_open(ruleset_code="ND335-2025", label="2026-10", user=sam)
    vc, vc_created = period_open(ruleset_code="ND90-VC", label="2026-10", user=sam)
    # Each person once, under their category's rule set, with that rule set's template.
    assert (cc_created, vc_created) == (10, 3)  # Sở Alpha's 8 công chức + Sở Beta's 2; 3 VC
    assert (cc.ruleset.code, vc.ruleset.code, vc.ruleset.version) == ("ND335-2025", "ND90-VC", 3)
    assert {e.staff.full_name.split()[-1] for e in vc.evaluations.all()} == set(VC_NAMES)
    assert set(vc.evaluations.values_list("template__code", flat=True)) == {"ND90-VC-TPL"}
    month_rows = Evaluation.objects.filter(period__label="2026-10")
    assert month_rows.count() == month_rows.values("staff").distinct().count() == 13
    assert period_open(ruleset_code="ND90-VC", label="2026-10", user=sam)[1] == 0

    # Self-assessment and manager scoring: Bob scores his people in both rule sets.
    for name in CC_NAMES:
        self_assess(month, name, cc)
        manager_score(month, "bob", name, cc, FULL)
    self_assess(month, "huong", cc, scores=GOOD, products=FLAWED)
    manager_score(month, "alice", "huong", cc, GOOD)
    for name in VC_NAMES:
        _vc_self_assess(month, name, vc)
    for manager, name in (("dave", "bob"), ("alice", "dave")):
        self_assess(month, name, cc)
        manager_score(month, manager, name, cc, FULL)
    self_assess(month, "alice", cc)
    manager_score(month, "pct", "alice", cc, FULL)

    # The quota is counted per rule set (= per period), agency and duty group: 4 excellent +
    # 1 good among the công chức → ⌊5/6⌋ = 0; 3 excellent viên chức → ⌊3/6⌋ = 0. Counted
    # together they would have let one of the eight keep HTXSNV (⌊8/6⌋ = 1).
    cc_cv = next(
        q
        for q in approval_preview(period=cc, unit=month.planning, user=alice)["quota"]
        if q["duty_group"] == "CV"
    )
    vc_cv = next(
        q
        for q in approval_preview(period=vc, unit=month.planning, user=alice)["quota"]
        if q["duty_group"] == "CV"
    )
    assert (cc_cv["candidates"], cc_cv["good"], cc_cv["allowed"]) == (4, 1, 0)
    assert (vc_cv["candidates"], vc_cv["good"], vc_cv["allowed"]) == (3, 0, 0)

    # The head's home page lists what waits in each rule set's month, naming the rule set.
    client.force_login(alice)
    home = client.get(reverse("home")).content.decode()
    assert "2026-10" in home and "· ND335-2025" in home and "· ND90-VC" in home

    # Approval: the same unit is signed once in each rule set's period.
    signed_cc = unit_approve(period=cc, unit=month.planning, user=alice)
    signed_vc = unit_approve(period=vc, unit=month.planning, user=alice)
    assert {e.staff.code for e in signed_vc} == {month.staff[n].code for n in VC_NAMES}
    assert {e.final_level for e in signed_vc} == {"HTTNV"}  # moved down by their own quota
    assert month.staff["bob"].code in {e.staff.code for e in signed_cc}
    assert {e.final_level for e in signed_cc if e.staff.code in {"A11", "A12", "A13", "A14"}} == {
        "HTTNV"
    }
    unit_approve(period=cc, unit=month.leadership_unit, user=alice)
    head_approve(evaluation=ev(month, "alice", cc), user=pct)

    # Publication and close, each period on its own.
    assert agency_publish(period=vc, agency=month.agency_a, user=alice) == 3
    assert agency_publish(period=cc, agency=month.agency_a, user=alice) == 8
    assert period_close(period=vc, user=sam)["closed"] == 3
    assert period_close(period=cc, user=sam)["closed"] == 8
    statuses = Counter(
        Evaluation.objects.filter(agency=month.agency_a).values_list("status", flat=True)
    )
    assert statuses == {Status.CLOSED: 11}

    # Dashboards: each rule set's month has its own indicators for the agency; the official
    # results list is one per rule set's period, and names the rule set in its heading.
    cc_row = compute_indicators(cc, agency_ids=[month.agency_a.pk]).iloc[0]
    vc_row = compute_indicators(vc, agency_ids=[month.agency_a.pk]).iloc[0]
    assert (cc_row["headcount"], vc_row["headcount"]) == (8, 3)
    assert official_results(agency=month.agency_a, period=cc).count() == 8
    assert official_results(agency=month.agency_a, period=vc).count() == 3
    assert official_period(agency=month.agency_a, value="2026-10") == cc  # the first rule set
    assert official_period(agency=month.agency_a, value="ND90-VC:2026-10") == vc
    client.force_login(month.user("alice"))
    dashboard = client.get("/dashboards/agency/SOA/?period=ND90-VC:2026-10").content.decode()
    links = dashboard[dashboard.index('data-test="official-lists"') :].split("</p>")[0]
    hrefs = re.findall(r'href="([^"]+)"', links)
    assert hrefs == [
        "/evaluation/results/2026-10/SOA.xlsx",
        "/evaluation/results/ND90-VC:2026-10/SOA.xlsx",
    ]
    assert f"ND90-VC phiên bản {vc.ruleset.version}" in links
    for href, period, count in zip(hrefs, (cc, vc), (8, 3), strict=True):
        response = client.get(href)
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet["A3"].value.startswith(
            f"Bộ quy tắc đánh giá: {period.ruleset.code} phiên bản {period.ruleset.version} — "
        )
        assert len(list(sheet.iter_rows(min_row=HEADER_ROW + 1))) == count
    assert "ket-qua-danh-gia-SOA-ND90-VC-2026-10.xlsx" in response["Content-Disposition"]
    assert client.get("/evaluation/results/NLD-MAU:2026-10/SOA.xlsx").status_code == 404
    out = StringIO()
    call_command(
        "export_results", "--period", "2026-10", "--agency", "SOA", "-o", "/dev/null", stdout=out
    )
    assert "ND335-2025" in out.getvalue() and "--period ND90-VC:2026-10" in out.getvalue()


def test_a_category_no_rule_set_covers_is_refused_with_who_is_not_covered(mixed):
    month = mixed
    # Two of Sở Alpha's people are workers (NLĐ): nothing maps them.
    StaffMember.objects.filter(pk__in=[month.staff["Sơn"].pk, month.staff["Tâm"].pk]).update(
        category="NLD"
    )
    before = (Period.objects.count(), Evaluation.objects.count(), AuditEntry.objects.count())
    for code in ("ND335-2025", "ND90-VC"):
        with pytest.raises(WorkflowError) as refused:
            period_open(ruleset_code=code, label="2026-10", user=month.user("sam"))
        error = refused.value
        assert (error.code, error.status) == ("uncovered_staff", 409)
        assert error.extra["uncovered"] == [
            {"agency": "SOA", "category": "NLD", "count": 2, "staff": ["A11", "A12"]}
        ]
        assert "SOA × NLD: 2 (A11, A12)" in error.message
        assert "SOA × NLD: 2 (A11, A12)" in error.message_en
        assert error.message.startswith("Chưa mở được kỳ 2026-10")
        assert error.as_dict()["uncovered"][0]["count"] == 2
    assert (Period.objects.count(), Evaluation.objects.count(), AuditEntry.objects.count()) == (
        before
    )
    # Mapping the category (here for every other category of Sở Alpha) lets the month open.
    RuleSetCoverage.objects.create(agency=month.agency_a, ruleset_code="ND335-2025")
    period, created = period_open(
        ruleset_code="ND335-2025", label="2026-10", user=month.user("sam")
    )
    assert created == 10  # the two workers join the công chức of Sở Alpha and Sở Beta
    assert period.evaluations.filter(staff__category="NLD").count() == 2


def test_an_agency_without_any_coverage_is_not_asked_about(mixed):
    month = mixed
    # Sở Beta is rated by nothing at all: its people are simply not in the province's months.
    RuleSetCoverage.objects.filter(agency=month.agency_b).delete()
    period, created = period_open(
        ruleset_code="ND335-2025", label="2026-10", user=month.user("sam")
    )
    assert created == 8
    assert not period.evaluations.filter(agency=month.agency_b).exists()


def test_coverage_is_read_on_the_first_day_of_the_month(mixed):
    month = mixed
    # From November the viên chức move to ND335-2025: October keeps them in ND90-VC.
    RuleSetCoverage.objects.create(
        agency=month.agency_a,
        category="VC",
        ruleset_code="ND335-2025",
        valid_from=dt.date(2026, 11, 1),
    )
    sam = month.user("sam")
    october = period_open(ruleset_code="ND90-VC", label="2026-10", user=sam)[0]
    none = period_open(ruleset_code="ND90-VC", label="2026-11", user=sam)[1]
    all_of_alpha = period_open(ruleset_code="ND335-2025", label="2026-11", user=sam)[1]
    assert october.evaluations.count() == 3 and none == 0
    assert all_of_alpha == 13


def test_the_pages_list_every_rule_set_s_month_of_the_agency(mixed, client):
    month = mixed
    sam = month.user("sam")
    cc = period_open(ruleset_code="ND335-2025", label="2026-10", user=sam)[0]
    vc = period_open(ruleset_code="ND90-VC", label="2026-10", user=sam)[0]
    assert (cc.key, vc.key) == ("ND335-2025:2026-10", "ND90-VC:2026-10")
    client.force_login(month.user("alice"))

    board = client.get(reverse("evaluation:approval"), {"agency": "SOA"})
    assert board.status_code == 200
    page = board.content.decode()
    assert 'value="ND335-2025:2026-10"' in page and 'value="ND90-VC:2026-10"' in page
    vc_board = client.get(reverse("evaluation:approval"), {"agency": "SOA", "period": vc.key})
    assert vc_board.status_code == 200 and vc_board.context["board"].period == vc
    # The bare label still names the first rule set's month (addresses from before).
    bare = client.get(reverse("evaluation:approval"), {"agency": "SOA", "period": "2026-10"})
    assert bare.context["board"].period == cc
    assert client.get(reverse("evaluation:approval"), {"period": "NOPE:2026-10"}).status_code == 404

    dashboard = client.get(reverse("dashboards:agency", args=["SOA"]), {"period": vc.key})
    assert dashboard.status_code == 200
    assert [p.key for p in dashboard.context["periods"]] == [cc.key, vc.key]
    assert dashboard.context["period"] == vc
    # Bob manages công chức and viên chức: his team page offers both months by rule set.
    client.force_login(month.user("bob"))
    team = client.get(reverse("evaluation:team"), {"period": vc.pk})
    assert team.context["several_rulesets"] and team.context["board"].period == vc
    assert "2026-10 · ND335-2025" in team.content.decode()
    assert "2026-10 · ND90-VC" in team.content.decode()
    # Sở Beta, under one rule set, keeps its plain addresses.
    client.force_login(month.user("charlie"))
    beta = client.get(reverse("evaluation:approval"), {"agency": "SOB"})
    assert 'value="2026-10"' in beta.content.decode()

    client.force_login(sam)
    ranking = client.get(reverse("dashboards:ranking"), {"ruleset": "ND90-VC"})
    assert ranking.status_code == 200 and ranking.context["ruleset"] == "ND90-VC"
    assert ranking.context["rulesets"] == ["ND335-2025", "ND90-VC"]


def test_a_person_already_evaluated_this_month_under_another_rule_set_is_not_doubled(mixed):
    month = mixed
    sam = month.user("sam")
    vc = period_open(ruleset_code="ND90-VC", label="2026-10", user=sam)[0]
    # The province then maps Sở Alpha's viên chức to ND335-2025 for the same month.
    RuleSetCoverage.objects.filter(agency=month.agency_a, category="VC").update(
        ruleset_code="ND335-2025"
    )
    created = period_open(ruleset_code="ND335-2025", label="2026-10", user=sam)[1]
    assert created == 10  # not the three viên chức: their October stays under ND90-VC
    assert vc.evaluations.count() == 3
    october = Evaluation.objects.filter(period__label="2026-10")
    assert october.count() == october.values("staff").distinct().count() == 13


def test_a_split_copies_the_predecessor_s_coverage_by_category(mixed):
    month = mixed
    RuleSetCoverage.objects.create(
        agency=month.agency_a,
        category="VC",
        ruleset_code="ND335-2025",
        valid_from=dt.date(2027, 1, 1),
    )
    step = Step(
        kind="split",
        effective_on=dt.date(2026, 10, 1),
        reference="Quyết định 9/QĐ-UBND",
        agencies=["SOA"],
        units={"A-LD": "SOA1", "A-KH": "SOA2"},
        new=[
            NewAgency("SOA1", "Sở Alpha Một", month.agency_a.agency_type.code),
            NewAgency("SOA2", "Sở Alpha Hai", month.agency_a.agency_type.code),
        ],
    )
    plan_apply(plan=Plan([step]), user=month.user("sam"))
    expected = {
        ("CC", "ND335-2025", dt.date(2000, 1, 1)),
        ("VC", "ND90-VC", dt.date(2000, 1, 1)),
        ("VC", "ND335-2025", dt.date(2027, 1, 1)),
    }
    for code in ("SOA1", "SOA2"):
        rows = RuleSetCoverage.objects.filter(agency__code=code)
        assert set(rows.values_list("category", "ruleset_code", "valid_from")) == expected
    added = AuditEntry.objects.filter(action="coverage.added", reason="Quyết định 9/QĐ-UBND")
    assert added.count() == 6
    # The viên chức who moved to SOA2 are rated under ND90-VC there.
    vc = period_open(ruleset_code="ND90-VC", label="2026-10", user=month.user("sam"))[0]
    assert set(vc.evaluations.values_list("agency__code", flat=True)) == {"SOA2"}


def test_the_background_opening_and_the_daily_job_report_who_is_not_covered(
    mixed, django_capture_on_commit_callbacks
):
    month = mixed
    StaffMember.objects.filter(pk=month.staff["Sơn"].pk).update(category="NLD")
    with django_capture_on_commit_callbacks(execute=True):
        job = period_job_open(ruleset_code="ND335-2025", label="2026-10", user=month.user("sam"))
    job.refresh_from_db()
    assert (job.status, job.error["code"]) == (PeriodJobStatus.FAILED, "uncovered_staff")
    assert job.error["uncovered"] == [
        {"agency": "SOA", "category": "NLD", "count": 1, "staff": ["A11"]}
    ]
    report = run_daily_jobs(today=dt.date(2026, 11, 1))
    assert report.opened == [] and any("SOA × NLD: 1 (A11)" in e for e in report.errors)
    assert not Period.objects.exists()
