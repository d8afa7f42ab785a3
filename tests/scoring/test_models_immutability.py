"""A published version never changes: every write path refuses, drafts stay editable."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

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


def _assert_refused(excinfo: pytest.ExceptionInfo[ValidationError]) -> None:
    assert excinfo.value.code == "published_immutable"
    message = " ".join(excinfo.value.messages)
    assert "không được sửa hoặc xóa" in message
    assert "cannot be changed or deleted" in message


def test_a_draft_template_and_its_criteria_can_be_edited(draft_template):
    draft_template.name = "Mẫu đã sửa"
    draft_template.save()
    criterion = draft_template.criteria.get(code="G1")
    criterion.max_points = Decimal("10")
    criterion.save()
    criterion.refresh_from_db()
    assert criterion.max_points == Decimal("10")
    criterion.delete()
    assert draft_template.criteria.count() == 1


def test_it_refuses_to_save_a_published_template(published_template):
    published_template.task_max = Decimal("60")
    with pytest.raises(ValidationError) as excinfo:
        published_template.save()
    _assert_refused(excinfo)
    published_template.refresh_from_db()
    assert published_template.task_max == Decimal("70")


def test_it_refuses_to_unpublish_by_assigning_draft(published_template):
    published_template.status = Status.DRAFT
    with pytest.raises(ValidationError):
        published_template.save()


def test_it_refuses_to_delete_a_published_template(published_template):
    with pytest.raises(ValidationError) as excinfo:
        published_template.delete()
    _assert_refused(excinfo)
    assert CriteriaTemplate.objects.filter(pk=published_template.pk).exists()


def test_it_refuses_to_change_add_or_delete_criteria_of_a_published_template(published_template):
    criterion = published_template.criteria.get(code="G1")
    criterion.max_points = Decimal("1")
    with pytest.raises(ValidationError):
        criterion.save()
    with pytest.raises(ValidationError):
        criterion.delete()
    group = published_template.groups.get()
    with pytest.raises(ValidationError):
        Criterion.objects.create(
            template=published_template, group=group, code="G9", name="Mới", max_points=1
        )
    with pytest.raises(ValidationError):
        group.delete()
    with pytest.raises(ValidationError):
        CriterionGroup.objects.create(template=published_template, code="X", name="X")
    with pytest.raises(ValidationError):
        AdjustmentItem.objects.create(
            template=published_template, kind="bonus", code="B", name="B", points=1
        )
    assert published_template.criteria.count() == 2


def test_it_refuses_to_move_a_draft_criterion_into_a_published_template(published_template, hoa):
    other = CriteriaTemplate.objects.create(code="OTHER", name="Khác")
    group = CriterionGroup.objects.create(template=other, code="G", name="G")
    criterion = Criterion.objects.create(
        template=other, group=group, code="X1", name="X", max_points=1
    )
    criterion.template = published_template
    criterion.group = published_template.groups.get()
    with pytest.raises(ValidationError):
        criterion.save()


def test_bulk_writes_on_published_rows_are_refused(published_template):
    with pytest.raises(ValidationError):
        CriteriaTemplate.objects.filter(pk=published_template.pk).update(task_max=1)
    with pytest.raises(ValidationError):
        CriteriaTemplate.objects.filter(pk=published_template.pk).delete()
    with pytest.raises(ValidationError):
        Criterion.objects.filter(template=published_template).update(max_points=0)
    with pytest.raises(ValidationError):
        Criterion.objects.filter(template=published_template).delete()
    with pytest.raises(ValidationError):
        Criterion.objects.bulk_create(
            [
                Criterion(
                    template=published_template,
                    group=published_template.groups.get(),
                    code="G7",
                    name="G7",
                    max_points=1,
                )
            ]
        )


def test_bulk_writes_on_drafts_are_allowed(draft_template):
    assert Criterion.objects.filter(template=draft_template).update(max_points=3) == 2
    assert Criterion.objects.filter(template=draft_template, code="G2").delete()[0] == 1


def test_it_refuses_to_save_or_delete_a_published_rule_set_and_its_caps(published_ruleset):
    published_ruleset.quota_percent = Decimal("50")
    with pytest.raises(ValidationError) as excinfo:
        published_ruleset.save()
    _assert_refused(excinfo)
    with pytest.raises(ValidationError):
        published_ruleset.delete()
    cap = published_ruleset.caps.get(code="6to9")
    cap.max_level = ""
    with pytest.raises(ValidationError):
        cap.save()
    with pytest.raises(ValidationError):
        cap.delete()
    with pytest.raises(ValidationError):
        CapRule.objects.create(ruleset=published_ruleset, code="new", min_months=10, max_months=11)
    with pytest.raises(ValidationError):
        CapRule.objects.filter(ruleset=published_ruleset).update(max_level="")
    published_ruleset.refresh_from_db()
    assert published_ruleset.quota_percent == Decimal("20")
    assert published_ruleset.caps.get(code="6to9").max_level == "HTNV"


def test_a_draft_rule_set_and_its_caps_can_be_edited_and_deleted(draft_ruleset):
    draft_ruleset.quota_percent = None
    draft_ruleset.save()
    cap = draft_ruleset.caps.get(code="6to9")
    cap.max_months = 8
    cap.save()
    draft_ruleset.delete()
    assert not RuleSet.objects.filter(pk=draft_ruleset.pk).exists()
    assert not CapRule.objects.filter(pk=cap.pk).exists()


def test_a_template_used_by_a_rule_set_cannot_be_deleted_even_as_draft(draft_template):
    from django.db.models import ProtectedError

    RuleSet.objects.create(code="RS", name="RS", template=draft_template)
    with pytest.raises(ProtectedError):
        draft_template.delete()


def test_a_criterion_must_sit_in_a_group_of_its_own_template(draft_template):
    other = CriteriaTemplate.objects.create(code="OTHER", name="Khác")
    foreign_group = CriterionGroup.objects.create(template=other, code="G", name="G")
    criterion = Criterion(
        template=draft_template, group=foreign_group, code="X", name="X", max_points=1
    )
    with pytest.raises(ValidationError) as excinfo:
        criterion.full_clean()
    assert "group" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        criterion.save()


def test_a_criterion_takes_its_template_from_its_group(draft_template):
    group = draft_template.groups.get()
    criterion = Criterion.objects.create(group=group, code="G3", name="G3", max_points=1)
    assert criterion.template_id == draft_template.pk


def test_criterion_codes_are_unique_within_a_template_only(draft_template):
    from django.db import IntegrityError, transaction

    other = CriteriaTemplate.objects.create(code="OTHER", name="Khác")
    other_group = CriterionGroup.objects.create(template=other, code="G", name="G")
    Criterion.objects.create(template=other, group=other_group, code="G1", name="G1", max_points=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.create(
            template=draft_template,
            group=draft_template.groups.get(),
            code="G1",
            name="dup",
            max_points=1,
        )


def test_rule_set_clean_reports_bands_percents_and_deadlines(draft_ruleset):
    draft_ruleset.band_good_min = Decimal("95")
    draft_ruleset.quota_percent = Decimal("120")
    draft_ruleset.manager_day = 2
    with pytest.raises(ValidationError) as excinfo:
        draft_ruleset.clean()
    text = " ".join(excinfo.value.messages)
    assert "giảm dần" in text
    assert "0–100" in text
    assert "theo thứ tự" in text


def test_level_labels_lists_only_the_labels_set(draft_ruleset):
    from scoring.rules import Level

    assert draft_ruleset.level_labels == {}
    draft_ruleset.label_htxsnv = "A"
    assert draft_ruleset.level_labels == {Level.HTXSNV: "A"}
