"""Rule sets convert into the engine's dataclasses exactly, in a constant number of queries."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring import services
from scoring.models import (
    AdjustmentItem,
    CapRule,
    CriteriaTemplate,
    Criterion,
    CriterionGroup,
    RuleSet,
    Status,
)
from scoring.rules import (
    Band,
    CriterionRule,
    Discipline,
    Level,
    PeriodKind,
    QuotaBase,
    QuotaScope,
    RuleSetRules,
    TaskMode,
    TemplateRules,
)
from scoring.rules import (
    CapRule as CapRuleData,
)
from scoring.selectors import (
    ruleset_get_published,
    ruleset_list,
    ruleset_rules,
    template_rules,
)
from tests.scoring.conftest import STANDARD_FIXTURE

pytestmark = pytest.mark.django_db
D = Decimal

ND335_EXPECTED = RuleSetRules(
    code="ND335-2025",
    version=1,
    template=TemplateRules(
        code="ND335-2025-TPL",
        version=1,
        criteria=tuple(CriterionRule(f"G{i}", D(5)) for i in range(1, 7)),
        task_mode=TaskMode.PRODUCTS,
        task_max=D(70),
        weight_quantity=D(1),
        weight_quality=D(1),
        weight_progress=D(1),
        error_deduction=D("0.25"),
        delay_deduction=D("0.25"),
        bonus_max=D(0),
        deduction_max=None,
        total_cap=D(100),
    ),
    bands=(Band(D(90), Level.HTXSNV), Band(D(70), Level.HTTNV), Band(D(50), Level.HTNV)),
    discipline_override_from=Discipline.REPRIMAND,
    degradation_override=True,
    unit_corruption_override=True,
    caps=(
        CapRuleData("year_under_6_months", PeriodKind.YEAR, 0, 5, None, True),
        CapRuleData("year_6_to_9_months", PeriodKind.YEAR, 6, 9, Level.HTNV, True),
    ),
    gates_enabled=True,
    gate_good_share=D("0.70"),
    gate_completed_share=D("0.70"),
    quota_percent=D("0.20"),
    quota_base=QuotaBase.GOOD,
    quota_scope=QuotaScope.AGENCY_DUTY_GROUP,
    quota_period_kinds=frozenset({PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR}),
)


# --- the standard fixture ----------------------------------------------------------------------


def test_the_standard_fixture_loads_twice_without_duplicates(standard_rules):
    counts = [
        m.objects.count()
        for m in (CriteriaTemplate, CriterionGroup, Criterion, AdjustmentItem, RuleSet, CapRule)
    ]
    # Plain loaddata over the published versions is refused (scoring.receivers); the command
    # that replaces it leaves them as they are.
    call_command("load_standard_rules", str(STANDARD_FIXTURE), "--published-by", "2026-01-01")
    again = [
        m.objects.count()
        for m in (CriteriaTemplate, CriterionGroup, Criterion, AdjustmentItem, RuleSet, CapRule)
    ]
    assert counts == again == [2, 2, 10, 2, 2, 4]


def test_the_fixture_does_not_collide_with_rows_the_admin_created_first(db, hoa):
    # Natural keys, not primary keys: a template created before loading keeps its identity.
    mine = CriteriaTemplate.objects.create(code="MINE", name="Của tôi")
    call_command("loaddata", str(STANDARD_FIXTURE), verbosity=0)
    mine.refresh_from_db()
    assert mine.code == "MINE"
    assert CriteriaTemplate.objects.count() == 1 + 6  # the fixture's six template versions


def test_nd335_converts_to_the_expected_rules(standard_rules):
    rules = ruleset_rules(ruleset=ruleset_get_published(code="ND335-2025"))
    assert rules == ND335_EXPECTED
    assert rules.template.general_max == D(30)
    assert rules.quota_percent == D("0.20")


def test_nd335_matches_the_engine_tests_rule_set(standard_rules):
    builders = pytest.importorskip("tests.scoring.builders")
    assert ruleset_rules(ruleset=ruleset_get_published(code="ND335-2025")) == builders.ND335


def test_hn3814_converts_to_direct_scoring_with_bonus_and_rated_quota(standard_rules):
    ruleset = ruleset_get_published(code="HN-3814")
    rules = ruleset_rules(ruleset=ruleset)
    assert rules.template.task_mode is TaskMode.DIRECT
    assert rules.template.task_max == D(70)
    assert rules.template.general_max == D(20)
    assert rules.template.bonus_max == D(10)
    assert rules.template.total_cap == D(100)
    assert rules.quota_percent == D("0.30")
    assert rules.quota_base is QuotaBase.RATED
    assert rules.quota_scope is QuotaScope.AGENCY_DUTY_GROUP
    assert [b.min_score for b in rules.bands] == [D(90), D(70), D(50)]
    assert ruleset.level_labels == {
        Level.HTXSNV: "A",
        Level.HTTNV: "B",
        Level.HTNV: "C",
        Level.KHTNV: "D",
    }


def test_hn3814_matches_the_engine_tests_rule_set(standard_rules):
    # The fixture also carries Decree 90's annual caps, which apply in Hà Nội as everywhere;
    # the engine tests' HN3814 leaves them out because it exercises monthly rules only.
    builders = pytest.importorskip("tests.scoring.builders")
    rules = ruleset_rules(ruleset=ruleset_get_published(code="HN-3814"))
    assert replace(rules, caps=()) == builders.HN3814
    assert rules.caps == ND335_EXPECTED.caps


def test_the_fixture_text_is_readable_vietnamese(standard_rules):
    raw = STANDARD_FIXTURE.read_bytes().decode("utf-8")
    assert "Phẩm chất chính trị, tư tưởng" in raw
    assert "\\u" not in raw  # stored as UTF-8, not escaped
    names = set(
        Criterion.objects.filter(template__code="ND335-2025-TPL").values_list("name", flat=True)
    )
    assert names == {
        "Phẩm chất chính trị, tư tưởng",
        "Đạo đức, lối sống",
        "Văn hóa công vụ, tác phong, lề lối làm việc",
        "Ý thức tổ chức kỷ luật",
        "Trách nhiệm, thái độ phục vụ người dân và doanh nghiệp",
        "Tinh thần đổi mới, sáng tạo, dám nghĩ, dám làm",
    }


def test_the_fixture_rule_sets_pass_publication_validation(standard_rules):
    for ruleset in RuleSet.objects.all():
        assert services.ruleset_validation_errors(ruleset=ruleset) == []
        assert services.template_validation_errors(template=ruleset.template) == []


# --- lookups -----------------------------------------------------------------------------------


def test_get_published_returns_the_latest_published_version_not_a_newer_draft(standard_rules, hoa):
    v1 = ruleset_get_published(code="ND335-2025")
    v2 = services.ruleset_new_version(ruleset=v1, user=hoa)
    assert ruleset_get_published(code="ND335-2025").version == 1
    services.ruleset_publish(ruleset=v2, user=hoa)
    assert ruleset_get_published(code="ND335-2025").version == 2
    assert ruleset_get_published(code="ND335-2025", version=1).pk == v1.pk


def test_get_published_raises_does_not_exist(standard_rules, draft_ruleset):
    with pytest.raises(RuleSet.DoesNotExist):
        ruleset_get_published(code="NOPE")
    with pytest.raises(RuleSet.DoesNotExist):
        ruleset_get_published(code="ND335-2025", version=7)
    with pytest.raises(RuleSet.DoesNotExist):
        ruleset_get_published(code=draft_ruleset.code)


def test_ruleset_list_filters_by_code_and_status(standard_rules, draft_ruleset):
    assert [r.code for r in ruleset_list()] == ["HN-3814", "ND335-2025", "RS"]
    assert [r.code for r in ruleset_list(status=Status.DRAFT)] == ["RS"]
    assert [r.code for r in ruleset_list(code="HN-3814")] == ["HN-3814"]


# --- conversion details ------------------------------------------------------------------------


def test_blank_discipline_and_no_quota_convert_to_none(draft_ruleset):
    draft_ruleset.discipline_override_from = ""
    draft_ruleset.quota_percent = None
    draft_ruleset.quota_applies_quarter = False
    draft_ruleset.save()
    rules = ruleset_rules(ruleset=RuleSet.objects.get(pk=draft_ruleset.pk))
    assert rules.discipline_override_from is None
    assert rules.quota_percent is None
    assert rules.quota_period_kinds == frozenset({PeriodKind.MONTH, PeriodKind.YEAR})


def test_percents_become_exact_fractions(draft_ruleset):
    draft_ruleset.quota_percent = D("12.5")
    draft_ruleset.gate_good_share_percent = D("66.67")
    draft_ruleset.save()
    rules = ruleset_rules(ruleset=RuleSet.objects.get(pk=draft_ruleset.pk))
    assert rules.quota_percent == D("0.125")
    assert rules.gate_good_share == D("0.6667")


def test_criteria_come_in_group_then_criterion_order(draft_template):
    first = CriterionGroup.objects.create(template=draft_template, code="A", name="A", order=0)
    draft_template.groups.filter(code="CHUNG").update(order=5)
    Criterion.objects.create(
        template=draft_template, group=first, code="Z9", name="Z", max_points=1, order=9
    )
    rules = template_rules(template=CriteriaTemplate.objects.get(pk=draft_template.pk))
    assert [c.code for c in rules.criteria] == ["Z9", "G1", "G2"]


def _add_bulk(ruleset: RuleSet, n: int) -> None:
    group = ruleset.template.groups.first()
    for i in range(n):
        Criterion.objects.create(
            template=ruleset.template, group=group, code=f"X{i}", name="X", max_points=1
        )
        CapRule.objects.create(
            ruleset=ruleset,
            code=f"m{i}",
            period_kind="month",
            min_months=0,
            max_months=0,
            max_level="",
        )


def test_conversion_costs_a_constant_number_of_queries(draft_template, hoa):
    template = draft_template
    ruleset = RuleSet.objects.create(code="RS", name="RS", template=template)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            ruleset_rules(ruleset=RuleSet.objects.get(pk=ruleset.pk))
        return len(ctx.captured_queries)

    small = count()
    _add_bulk(ruleset, 15)
    assert count() == small <= 4  # the rule set, its template, criteria, caps


def test_published_lookup_then_conversion_costs_three_queries(
    standard_rules, django_assert_num_queries
):
    with django_assert_num_queries(3):  # rule set + template, caps, criteria
        rules = ruleset_rules(ruleset=ruleset_get_published(code="ND335-2025"))
    assert rules == ND335_EXPECTED
