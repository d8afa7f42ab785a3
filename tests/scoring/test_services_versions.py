"""New versions are deep draft copies; publication validates and then freezes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

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

pytestmark = pytest.mark.django_db


def _messages(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(excinfo.value.messages)


# --- new versions ------------------------------------------------------------------------------


def test_template_new_version_copies_groups_criteria_and_items(published_template, hoa):
    copy = services.template_new_version(template=published_template, user=hoa)

    assert (copy.code, copy.version, copy.status) == ("TPL", 2, Status.DRAFT)
    assert copy.published_at is None and copy.published_by is None
    assert copy.created_by == hoa
    assert copy.task_max == published_template.task_max
    assert sorted(copy.criteria.values_list("code", "max_points")) == [
        ("G1", Decimal("15")),
        ("G2", Decimal("15")),
    ]
    new_group = copy.groups.get()
    assert new_group.pk != published_template.groups.get().pk
    assert set(copy.criteria.values_list("group_id", flat=True)) == {new_group.pk}
    # The original is untouched.
    assert published_template.criteria.count() == 2
    published_template.refresh_from_db()
    assert (published_template.version, published_template.status) == (1, Status.PUBLISHED)


def test_the_copy_is_editable_while_the_original_stays_frozen(published_template, hoa):
    copy = services.template_new_version(template=published_template, user=hoa)
    criterion = copy.criteria.get(code="G1")
    criterion.max_points = Decimal("20")
    criterion.save()
    assert published_template.criteria.get(code="G1").max_points == Decimal("15")


def test_template_new_version_copies_adjustment_items(draft_template, hoa):
    AdjustmentItem.objects.create(
        template=draft_template, kind="bonus", code="B1", name="Thưởng", points=2, max_per_period=1
    )
    copy = services.template_new_version(template=draft_template, user=hoa)
    item = copy.adjustment_items.get()
    assert (item.code, item.points, item.max_per_period) == ("B1", Decimal("2"), 1)
    assert AdjustmentItem.objects.count() == 2


def test_new_version_numbers_follow_the_highest_version_of_the_code(published_template, hoa):
    second = services.template_new_version(template=published_template, user=hoa)
    third = services.template_new_version(template=published_template, user=hoa)
    assert (second.version, third.version) == (2, 3)
    assert CriteriaTemplate.objects.filter(code="TPL").count() == 3


def test_ruleset_new_version_copies_caps_and_keeps_the_template(published_ruleset, hoa):
    copy = services.ruleset_new_version(ruleset=published_ruleset, user=hoa)
    assert (copy.code, copy.version, copy.status) == ("RS", 2, Status.DRAFT)
    assert copy.template_id == published_ruleset.template_id
    assert copy.quota_percent == published_ruleset.quota_percent
    assert sorted(copy.caps.values_list("code", "max_level")) == [("6to9", "HTNV"), ("under6", "")]
    assert published_ruleset.caps.count() == 2
    assert CapRule.objects.count() == 4


def test_ruleset_new_version_can_move_to_a_new_template(published_ruleset, hoa):
    new_template = services.template_new_version(template=published_ruleset.template, user=hoa)
    copy = services.ruleset_new_version(ruleset=published_ruleset, user=hoa, template=new_template)
    assert copy.template == new_template
    published_ruleset.refresh_from_db()
    assert published_ruleset.template.version == 1


# --- publication -------------------------------------------------------------------------------


def test_template_publish_freezes_and_stamps(draft_template, hoa):
    published = services.template_publish(template=draft_template, user=hoa)
    assert published.status == Status.PUBLISHED
    assert published.published_by == hoa
    assert published.published_at is not None


def test_publishing_twice_is_refused(published_template, hoa):
    with pytest.raises(ValidationError) as excinfo:
        services.template_publish(template=published_template, user=hoa)
    assert excinfo.value.code == "already_published"


def test_a_template_without_criteria_cannot_be_published(hoa):
    template = CriteriaTemplate.objects.create(code="EMPTY", name="Rỗng")
    with pytest.raises(ValidationError) as excinfo:
        services.template_publish(template=template, user=hoa)
    assert "ít nhất một tiêu chí" in _messages(excinfo)
    assert "at least one criterion" in _messages(excinfo)
    template.refresh_from_db()
    assert template.status == Status.DRAFT


@pytest.mark.parametrize(
    ("weights", "ok"),
    [
        ((1, 1, 1), True),
        ((1, 0, 0), True),
        ((0, 0, 0), False),
        ((-1, 1, 1), False),
    ],
)
def test_weights_must_be_non_negative_with_a_positive_sum(draft_template, hoa, weights, ok):
    CriteriaTemplate.objects.filter(pk=draft_template.pk).update(
        weight_quantity=weights[0], weight_quality=weights[1], weight_progress=weights[2]
    )
    if ok:
        services.template_publish(template=draft_template, user=hoa)
    else:
        with pytest.raises(ValidationError) as excinfo:
            services.template_publish(template=draft_template, user=hoa)
        assert "Trọng số" in _messages(excinfo)
        assert "positive sum" in _messages(excinfo)


def test_task_max_must_be_positive(draft_template, hoa):
    draft_template.task_max = Decimal("0")
    draft_template.save()
    with pytest.raises(ValidationError) as excinfo:
        services.template_publish(template=draft_template, user=hoa)
    assert "task-results maximum must be greater than 0" in _messages(excinfo)


def test_criterion_max_points_must_not_be_negative(draft_template, hoa):
    Criterion.objects.filter(template=draft_template, code="G2").update(max_points=-1)
    with pytest.raises(ValidationError) as excinfo:
        services.template_publish(template=draft_template, user=hoa)
    assert "không được âm: G2" in _messages(excinfo)


def test_negative_bonus_or_non_positive_total_cap_is_refused(draft_template, hoa):
    draft_template.bonus_max = Decimal("-1")
    draft_template.total_cap = Decimal("0")
    draft_template.save()
    with pytest.raises(ValidationError) as excinfo:
        services.template_publish(template=draft_template, user=hoa)
    assert "total cap must be greater than 0" in _messages(excinfo)


def test_negative_adjustment_points_are_refused(draft_template, hoa):
    AdjustmentItem.objects.create(
        template=draft_template, kind="deduction", code="D1", name="Trừ", points=-1
    )
    with pytest.raises(ValidationError) as excinfo:
        services.template_publish(template=draft_template, user=hoa)
    assert "points must not be negative" in _messages(excinfo)


def test_ruleset_publish_freezes_and_stamps(draft_ruleset, hoa):
    published = services.ruleset_publish(ruleset=draft_ruleset, user=hoa)
    assert (published.status, published.published_by) == (Status.PUBLISHED, hoa)


def test_a_rule_set_on_a_draft_template_cannot_be_published(draft_template, hoa):
    ruleset = RuleSet.objects.create(code="RS", name="RS", template=draft_template)
    with pytest.raises(ValidationError) as excinfo:
        services.ruleset_publish(ruleset=ruleset, user=hoa)
    assert "phải được công bố trước bộ quy tắc" in _messages(excinfo)
    assert "TPL v1" in _messages(excinfo)


def test_bands_must_be_strictly_descending(draft_ruleset, hoa):
    draft_ruleset.band_good_min = Decimal("90")
    draft_ruleset.save()
    with pytest.raises(ValidationError) as excinfo:
        services.ruleset_publish(ruleset=draft_ruleset, user=hoa)
    assert "strictly descending" in _messages(excinfo)


def test_bands_must_stay_within_0_and_100(draft_ruleset, hoa):
    RuleSet.objects.filter(pk=draft_ruleset.pk).update(band_completed_min=-5)
    with pytest.raises(ValidationError) as excinfo:
        services.ruleset_publish(ruleset=draft_ruleset, user=hoa)
    assert "0–100" in _messages(excinfo)


@pytest.mark.parametrize(
    "field", ["quota_percent", "gate_good_share_percent", "gate_completed_share_percent"]
)
def test_percents_must_be_within_0_and_100(draft_ruleset, hoa, field):
    RuleSet.objects.filter(pk=draft_ruleset.pk).update(**{field: Decimal("101")})
    with pytest.raises(ValidationError) as excinfo:
        services.ruleset_publish(ruleset=draft_ruleset, user=hoa)
    assert "Percentages must be within 0–100" in _messages(excinfo)


def test_a_rule_set_without_quota_can_be_published(draft_ruleset, hoa):
    draft_ruleset.quota_percent = None
    draft_ruleset.save()
    assert services.ruleset_publish(ruleset=draft_ruleset, user=hoa).quota_percent is None


def test_cap_months_must_fit_the_period(draft_ruleset, hoa):
    CapRule.objects.create(
        ruleset=draft_ruleset, code="bad", period_kind="quarter", min_months=2, max_months=4
    )
    with pytest.raises(ValidationError) as excinfo:
        services.ruleset_publish(ruleset=draft_ruleset, user=hoa)
    assert "Cap bad: months must satisfy 0 ≤ from ≤ to ≤ 3" in _messages(excinfo)


def test_cap_min_must_not_exceed_max(draft_ruleset, hoa):
    CapRule.objects.filter(ruleset=draft_ruleset, code="6to9").update(min_months=10)
    with pytest.raises(ValidationError) as excinfo:
        services.ruleset_publish(ruleset=draft_ruleset, user=hoa)
    assert "Cap 6to9" in _messages(excinfo)


def test_overlapping_caps_are_refused(draft_ruleset, hoa):
    CapRule.objects.filter(ruleset=draft_ruleset, code="under6").update(max_months=7)
    with pytest.raises(ValidationError) as excinfo:
        services.ruleset_publish(ruleset=draft_ruleset, user=hoa)
    assert "Caps under6 and 6to9 have overlapping month ranges" in _messages(excinfo)


def test_every_problem_is_reported_at_once(draft_template, hoa):
    ruleset = RuleSet.objects.create(
        code="RS", name="RS", template=draft_template, band_good_min=Decimal("95")
    )
    with pytest.raises(ValidationError) as excinfo:
        services.ruleset_publish(ruleset=ruleset, user=hoa)
    assert len(excinfo.value.messages) == 2


def test_group_copy_count(published_template, hoa):
    services.template_new_version(template=published_template, user=hoa)
    assert CriterionGroup.objects.count() == 2
    assert Criterion.objects.count() == 4
