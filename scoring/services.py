"""Writes to templates and rule sets: new versions and publication.

A published version is frozen (see ``scoring.models``), so these are the only ways the rules
change: copy the version into a draft, edit the draft, publish it. Publication validates first,
because once published a mistake can only be corrected by yet another version.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from scoring.models import (
    CONDITION_LEVEL_CHOICES,
    MONTHS_IN_PERIOD,
    AdjustmentItem,
    CapRule,
    CriteriaTemplate,
    Criterion,
    CriterionGroup,
    LevelCondition,
    RuleSet,
    Status,
    TaskModeChoice,
)
from scoring.rules import parse_component_steps

ZERO = Decimal("0")


def _next_version(model: type[CriteriaTemplate] | type[RuleSet], code: str) -> int:
    current = model._base_manager.filter(code=code).aggregate(m=Max("version"))["m"]
    return (current or 0) + 1


def _copy_fields(obj: Any, *, exclude: set[str]) -> dict[str, Any]:
    """The concrete field values of ``obj`` (FKs by id), minus identity and bookkeeping."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name in exclude:
            continue
        values[field.attname] = getattr(obj, field.attname)
    return values


_HEADER_BOOKKEEPING = {
    "version",
    "status",
    "published_at",
    "published_by",
    "created_at",
    "created_by",
}


@transaction.atomic
def template_new_version(*, template: CriteriaTemplate, user: Any) -> CriteriaTemplate:
    """Deep-copy ``template`` (groups, criteria, bonus/deduction items) into a new draft.

    The copy gets version = highest existing version of the code + 1, whichever version it was
    copied from, so versions of one code never collide and always grow.
    """
    copy = CriteriaTemplate.objects.create(
        **_copy_fields(template, exclude=_HEADER_BOOKKEEPING),
        version=_next_version(CriteriaTemplate, template.code),
        status=Status.DRAFT,
        created_by=user,
    )
    group_map: dict[int, int] = {}
    for group in CriterionGroup.objects.filter(template=template).order_by("pk"):
        new_group = CriterionGroup.objects.create(
            **_copy_fields(group, exclude={"template"}), template=copy
        )
        group_map[group.pk] = new_group.pk
    Criterion.objects.bulk_create(
        Criterion(
            **_copy_fields(criterion, exclude={"template", "group"}),
            template=copy,
            group_id=group_map[criterion.group_id],
        )
        for criterion in Criterion.objects.filter(template=template).order_by("pk")
    )
    AdjustmentItem.objects.bulk_create(
        AdjustmentItem(**_copy_fields(item, exclude={"template"}), template=copy)
        for item in AdjustmentItem.objects.filter(template=template).order_by("pk")
    )
    LevelCondition.objects.bulk_create(
        LevelCondition(**_copy_fields(condition, exclude={"template"}), template=copy)
        for condition in LevelCondition.objects.filter(template=template).order_by("pk")
    )
    return copy


@transaction.atomic
def ruleset_new_version(
    *, ruleset: RuleSet, user: Any, template: CriteriaTemplate | None = None
) -> RuleSet:
    """Deep-copy ``ruleset`` (with its caps) into a new draft, optionally on another template.

    Passing ``template`` is how a new template version reaches the rules: publish the template
    version, then make a rule-set version that points to it.
    """
    copy = RuleSet.objects.create(
        **_copy_fields(ruleset, exclude=_HEADER_BOOKKEEPING | {"template"}),
        template_id=template.pk if template is not None else ruleset.template_id,
        version=_next_version(RuleSet, ruleset.code),
        status=Status.DRAFT,
        created_by=user,
    )
    CapRule.objects.bulk_create(
        CapRule(**_copy_fields(cap, exclude={"ruleset"}), ruleset=copy)
        for cap in CapRule.objects.filter(ruleset=ruleset).order_by("pk")
    )
    return copy


def template_validation_errors(*, template: CriteriaTemplate) -> list[str]:
    """Everything that would make ``template`` unusable by the engine; empty when publishable."""
    errors: list[str] = []
    criteria = list(Criterion.objects.filter(template=template))
    conditions_based = template.task_mode == TaskModeChoice.CONDITIONS
    if conditions_based:
        errors.extend(_condition_errors(template))
    elif not criteria:
        errors.append(
            gettext(
                "Mẫu tiêu chí phải có ít nhất một tiêu chí. "
                "/ The template must have at least one criterion."
            )
        )
    negative = sorted(c.code for c in criteria if c.max_points is None or c.max_points < ZERO)
    if negative:
        errors.append(
            gettext(
                "Điểm tối đa của tiêu chí không được âm: %(codes)s. "
                "/ Criterion max points must not be negative: %(codes)s."
            )
            % {"codes": ", ".join(negative)}
        )
    weights = (template.weight_quantity, template.weight_quality, template.weight_progress)
    if any(w is None or w < ZERO for w in weights) or sum(weights, ZERO) <= ZERO:
        errors.append(
            gettext(
                "Trọng số số lượng, chất lượng, tiến độ không được âm và tổng phải lớn hơn 0. "
                "/ Quantity, quality and progress weights must be non-negative with a "
                "positive sum."
            )
        )
    errors.extend(_leader_component_errors(template))
    if template.task_max is None or template.task_max <= ZERO:
        errors.append(
            gettext(
                "Điểm tối đa kết quả thực hiện nhiệm vụ phải lớn hơn 0. "
                "/ The task-results maximum must be greater than 0."
            )
        )
    non_negative = (
        template.error_deduction,
        template.delay_deduction,
        template.bonus_max,
        template.deduction_max,
    )
    if any(v is not None and v < ZERO for v in non_negative) or (
        template.total_cap is not None and template.total_cap <= ZERO
    ):
        errors.append(
            gettext(
                "Hệ số trừ, điểm thưởng và điểm trừ tối đa không được âm; tổng điểm tối đa "
                "phải lớn hơn 0. / Deduction factors, bonus and deduction maximums must not be "
                "negative; the total cap must be greater than 0."
            )
        )
    items = AdjustmentItem.objects.filter(template=template, points__lt=ZERO)
    if items.exists():
        errors.append(
            gettext(
                "Số điểm của khoản cộng/trừ không được âm. "
                "/ Bonus and deduction points must not be negative."
            )
        )
    return errors


def _condition_errors(template: CriteriaTemplate) -> list[str]:
    """A conditions-based template (Decree 90/48) needs at least one condition for each of
    HTXSNV, HTTNV and HTNV — a level without one could never be chosen, or always would."""
    levels = set(LevelCondition.objects.filter(template=template).values_list("level", flat=True))
    missing = [code for code, _label in CONDITION_LEVEL_CHOICES if code not in levels]
    if not missing:
        return []
    return [
        gettext(
            "Mẫu xếp loại theo điều kiện phải có ít nhất một điều kiện cho mỗi mức; còn thiếu: "
            "%(levels)s. / A conditions-based template needs at least one condition per "
            "level; missing: %(levels)s."
        )
        % {"levels": ", ".join(missing)}
    ]


def _leader_component_errors(template: CriteriaTemplate) -> list[str]:
    """Decree 335's leader components: weights non-negative and not all zero, a scale of
    numbers from 0 to 100, and not together with the older unit share."""
    errors: list[str] = []
    weights = (template.weight_unit, template.weight_organising, template.weight_unity)
    if any(w is None or w < ZERO for w in weights):
        errors.append(
            gettext(
                "Trọng số kết quả đơn vị, năng lực tổ chức triển khai, năng lực tập hợp, đoàn "
                "kết không được âm. / The unit, organising and unity weights must not be "
                "negative."
            )
        )
    elif (
        template.leader_components
        and sum(
            (
                template.weight_quantity or ZERO,
                template.weight_quality or ZERO,
                template.weight_progress or ZERO,
                *weights,
            ),
            ZERO,
        )
        <= ZERO
    ):
        errors.append(
            gettext(
                "Sáu trọng số của điểm nhiệm vụ lãnh đạo không được đều bằng 0. "
                "/ The six weights of a leader's task points must not all be zero."
            )
        )
    try:
        parse_component_steps(template.leader_component_steps or "")
    except ValueError as exc:
        errors.append(
            gettext(
                "Thang điểm năng lực tổ chức, đoàn kết: “%(value)s” không phải là số từ 0 đến "
                "100 (các mức cách nhau bởi dấu phẩy, ví dụ 100,75,50,25,0). / Organising and "
                "unity scale: “%(value)s” is not a number from 0 to 100 (values separated by "
                "commas, e.g. 100,75,50,25,0)."
            )
            % {"value": exc}
        )
    if template.leader_components and (template.leader_unit_share or ZERO) > ZERO:
        errors.append(
            gettext(
                "Không dùng đồng thời tỷ trọng kết quả đơn vị (cách cũ) và các thành phần của "
                "lãnh đạo theo Nghị định 335: đặt tỷ trọng về 0. / The older unit share and "
                "Decree 335's leader components cannot both be on: set the unit share to 0."
            )
        )
    return errors


def ruleset_validation_errors(*, ruleset: RuleSet) -> list[str]:
    """Everything that would make ``ruleset`` unusable; empty when publishable."""
    errors = ruleset.own_field_errors()
    if ruleset.template.status != Status.PUBLISHED:
        errors.append(
            gettext(
                "Mẫu tiêu chí %(template)s phải được công bố trước bộ quy tắc. "
                "/ Template %(template)s must be published before the rule set."
            )
            % {"template": f"{ruleset.template.code} v{ruleset.template.version}"}
        )
    if ruleset.template.task_mode == TaskModeChoice.CONDITIONS and ruleset.cycle != "year":
        # A year derived from months or quarters is a mean of scores: levels chosen by
        # conditions have none, so such a template is rated on the year itself.
        errors.append(
            gettext(
                "Mẫu xếp loại theo điều kiện (không chấm điểm) chỉ dùng với chu kỳ năm. "
                "/ A conditions-based template (no points) needs the yearly cycle."
            )
        )
    caps = list(CapRule.objects.filter(ruleset=ruleset).order_by("period_kind", "min_months"))
    for cap in caps:
        errors.extend(cap.own_field_errors())
    # Two caps of one period kind covering the same month count would make the ceiling depend
    # on which one the engine reads first.
    for first, second in pairwise(caps):
        if (
            first.period_kind == second.period_kind
            and first.period_kind in MONTHS_IN_PERIOD
            and second.min_months <= first.max_months
        ):
            errors.append(
                gettext(
                    "Giới hạn %(a)s và %(b)s có khoảng số tháng chồng lấn. "
                    "/ Caps %(a)s and %(b)s have overlapping month ranges."
                )
                % {"a": first.code, "b": second.code}
            )
    return errors


def _refuse_if_published(obj: CriteriaTemplate | RuleSet) -> None:
    if obj.status == Status.PUBLISHED:
        raise ValidationError(
            gettext("Phiên bản này đã được công bố. / This version is already published."),
            code="already_published",
        )


@transaction.atomic
def template_publish(*, template: CriteriaTemplate, user: Any) -> CriteriaTemplate:
    """Validate ``template`` and freeze it; raises ValidationError listing every problem."""
    template = CriteriaTemplate.objects.select_for_update().get(pk=template.pk)
    _refuse_if_published(template)
    errors = template_validation_errors(template=template)
    if errors:
        raise ValidationError(errors, code="invalid_template")
    template.status = Status.PUBLISHED
    template.published_at = timezone.now()
    template.published_by = user
    template.save(update_fields=["status", "published_at", "published_by"])
    return template


@transaction.atomic
def ruleset_publish(*, ruleset: RuleSet, user: Any) -> RuleSet:
    """Validate ``ruleset`` (and that its template is published) and freeze it."""
    ruleset = RuleSet.objects.select_for_update().select_related("template").get(pk=ruleset.pk)
    _refuse_if_published(ruleset)
    errors = ruleset_validation_errors(ruleset=ruleset)
    if errors:
        raise ValidationError(errors, code="invalid_ruleset")
    ruleset.status = Status.PUBLISHED
    ruleset.published_at = timezone.now()
    ruleset.published_by = user
    ruleset.save(update_fields=["status", "published_at", "published_by"])
    return ruleset
