"""Criteria templates and rule sets: the data the Sở Nội vụ edits and the engine applies.

Everything here is *versioned*: one row per (code, version). A period records the version its
evaluations used, so a published version must never change again — otherwise re-opening an old
month would silently re-rate it under new rules (DOMAIN.md §3, "changing a template never
rewrites history"). The guard lives in ``save()`` / ``delete()`` and in the querysets'
``update()`` / ``delete()`` / ``bulk_create()`` so that it holds from the admin, the API, the
shell and services alike. Editing means ``services.template_new_version`` /
``services.ruleset_new_version``: a draft copy with the next version number.

The engine never reads these models: ``selectors.ruleset_rules`` converts one row (with its
template, criteria and caps) into the frozen dataclasses of ``scoring.rules``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from scoring import rules
from staff.models import Agency, AgencyType, StaffCategory

ZERO = Decimal("0")
HUNDRED = Decimal("100")

# Months in each kind of period: the ceiling of a cap's month range.
MONTHS_IN_PERIOD: dict[str, int] = {
    rules.PeriodKind.MONTH.value: 1,
    rules.PeriodKind.QUARTER.value: 3,
    rules.PeriodKind.YEAR.value: 12,
}


# --- Choices mirroring scoring.rules ---------------------------------------------------------
# Values are the rules enums' values (or names for Level), so conversion is a plain lookup.


class Status(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    PUBLISHED = "published", _("Đã công bố")


class RatingLevel(models.TextChoices):
    """The four levels, stored by their ``scoring.rules.Level`` *name* (HTXSNV…KHTNV)."""

    HTXSNV = "HTXSNV", _("Hoàn thành xuất sắc nhiệm vụ")
    HTTNV = "HTTNV", _("Hoàn thành tốt nhiệm vụ")
    HTNV = "HTNV", _("Hoàn thành nhiệm vụ")
    KHTNV = "KHTNV", _("Không hoàn thành nhiệm vụ")


class PeriodKindChoice(models.TextChoices):
    MONTH = rules.PeriodKind.MONTH.value, _("Tháng")
    QUARTER = rules.PeriodKind.QUARTER.value, _("Quý")
    YEAR = rules.PeriodKind.YEAR.value, _("Năm")


class TaskModeChoice(models.TextChoices):
    PRODUCTS = rules.TaskMode.PRODUCTS.value, _("Chấm qua sản phẩm (số lượng, chất lượng, tiến độ)")
    DIRECT = rules.TaskMode.DIRECT.value, _("Người quản lý chấm trực tiếp")
    CONDITIONS = (
        rules.TaskMode.CONDITIONS.value,
        _("Xếp loại theo điều kiện của từng mức, không chấm điểm (Nghị định 90/48)"),
    )


class ConditionScopeChoice(models.TextChoices):
    ALL = rules.ConditionScope.ALL.value, _("Mọi người")
    LEADERS = rules.ConditionScope.LEADERS.value, _("Người giữ chức vụ quản lý")
    NON_LEADERS = rules.ConditionScope.NON_LEADERS.value, _("Người không giữ chức vụ quản lý")


class CycleChoice(models.TextChoices):
    MONTH = "month", _("Hằng tháng")
    QUARTER = "quarter", _("Hằng quý")
    YEAR = "year", _("Hằng năm (Nghị định 90: xếp loại năm trực tiếp)")


class DisciplineChoice(models.TextChoices):
    """Disciplinary measures, mildest first, as ``scoring.rules.Discipline``."""

    NONE = rules.Discipline.NONE.value, _("Không bị kỷ luật")
    REPRIMAND = rules.Discipline.REPRIMAND.value, _("Khiển trách")
    WARNING = rules.Discipline.WARNING.value, _("Cảnh cáo")
    DEMOTION = rules.Discipline.DEMOTION.value, _("Hạ bậc lương / giáng chức / cách chức")
    DISMISSAL = rules.Discipline.DISMISSAL.value, _("Buộc thôi việc")


class QuotaBaseChoice(models.TextChoices):
    GOOD = rules.QuotaBase.GOOD.value, _("Tỷ lệ trên số được xếp loại Hoàn thành tốt nhiệm vụ")
    RATED = rules.QuotaBase.RATED.value, _("Tỷ lệ trên tổng số người được xếp loại")


class QuotaScopeChoice(models.TextChoices):
    AGENCY_DUTY_GROUP = (
        rules.QuotaScope.AGENCY_DUTY_GROUP.value,
        _("Theo cơ quan và nhóm có vai trò tương đồng"),
    )
    AGENCY = rules.QuotaScope.AGENCY.value, _("Theo cơ quan")


class AggregationChoice(models.TextChoices):
    MEAN_OF_MONTHS = "mean_of_months", _("Trung bình điểm các tháng thực tế công tác")


class AdjustmentKind(models.TextChoices):
    BONUS = "bonus", _("Điểm thưởng")
    DEDUCTION = "deduction", _("Điểm trừ")


# --- Immutability -----------------------------------------------------------------------------


def published_error() -> ValidationError:
    """The one error for any attempt to change history (Vietnamese first, English after)."""
    return ValidationError(
        gettext(
            "Phiên bản đã công bố không được sửa hoặc xóa; hãy tạo phiên bản mới. "
            "/ A published version cannot be changed or deleted; create a new version."
        ),
        code="published_immutable",
    )


class VersionedQuerySet(models.QuerySet):
    """Refuses bulk writes that would touch a published version.

    ``QuerySet.update()`` / ``delete()`` / ``bulk_create()`` bypass ``Model.save()``, so the
    guard is repeated here. Django's own internals (``Model.save``, the deletion collector) use
    ``_update`` / raw deletes and are unaffected; they are reached only through guarded paths.
    """

    def _touches_published(self) -> bool:
        return self.filter(**{self.model.published_lookup: Status.PUBLISHED}).exists()

    def update(self, **kwargs: Any) -> int:
        if self._touches_published():
            raise published_error()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self._touches_published():
            raise published_error()
        return super().delete()

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        if any(obj._is_locked() for obj in objs):
            raise published_error()
        return super().bulk_create(objs, *args, **kwargs)


class VersionedManager(models.Manager.from_queryset(VersionedQuerySet)):  # type: ignore[misc]
    """Looks rows up by their natural key, so fixtures need no primary keys.

    Loading a fixture twice then updates the same rows instead of duplicating them, and the
    fixture's rows can never collide with rows the admin created first.
    """

    def get_by_natural_key(self, *key: Any) -> Any:
        return self.get(**dict(zip(self.model.natural_key_fields, key, strict=True)))


class ImmutableWhenPublished(models.Model):
    """Base of every versioned row: refuses ``save()`` / ``delete()`` once published."""

    # The lookup from this model to its version's status ("status", "template__status", …).
    published_lookup: ClassVar[str] = "status"
    natural_key_fields: ClassVar[tuple[str, ...]] = ()

    objects = VersionedManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._is_locked():
            raise published_error()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.pk is not None and self._is_locked():
            raise published_error()
        return super().delete(*args, **kwargs)

    def _is_locked(self) -> bool:
        """True when this row, as stored, belongs to a published version."""
        raise NotImplementedError

    @property
    def is_published(self) -> bool:
        raise NotImplementedError


class VersionHeader(ImmutableWhenPublished):
    """Fields shared by template and rule-set versions."""

    code = models.CharField(
        _("mã"),
        max_length=50,
        help_text=_("Mã chung của mọi phiên bản, ví dụ ND335-2025."),
    )
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    name = models.CharField(_("tên"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("thời điểm công bố"), null=True, blank=True)
    # PROTECT, not SET_NULL: nulling it would rewrite a published row behind the guard's back.
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người công bố"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("thời điểm tạo"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    natural_key_fields = ("code", "version")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.code} v{self.version} — {self.name}"

    def natural_key(self) -> tuple[str, int]:
        return (self.code, self.version)

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def _is_locked(self) -> bool:
        # The stored status decides, not the in-memory one: the draft → published transition
        # (services.*_publish) must pass, and a published row must not be "unpublished" by
        # assigning status = draft before save().
        if self._state.adding or self.pk is None:
            return False
        return type(self)._base_manager.filter(pk=self.pk, status=Status.PUBLISHED).exists()


# --- Criteria templates -----------------------------------------------------------------------


class CriteriaTemplate(VersionHeader):
    """One version of a scoring form: general criteria, task-results component, bonus/deduction.

    Defaults are Decree 335/2025/NĐ-CP's: 30 points of general criteria (the criteria rows) plus
    70 of task results judged by products, quantity/quality/progress weighted equally.
    """

    description = models.TextField(_("mô tả"), blank=True)
    task_mode = models.CharField(
        _("cách chấm kết quả thực hiện nhiệm vụ"),
        max_length=10,
        choices=TaskModeChoice.choices,
        default=TaskModeChoice.PRODUCTS,
    )
    task_max = models.DecimalField(
        _("điểm tối đa kết quả thực hiện nhiệm vụ"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("70"),
        validators=[MinValueValidator(ZERO)],
    )
    # Relative weights, normalised by their sum by the engine: 1/1/1 is exactly one third each,
    # which a stored 0.3333 could never be.
    weight_quantity = models.DecimalField(
        _("trọng số số lượng"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(ZERO)],
        help_text=_("Trọng số tương đối; 1/1/1 nghĩa là mỗi tiêu chí đúng một phần ba."),
    )
    weight_quality = models.DecimalField(
        _("trọng số chất lượng"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(ZERO)],
    )
    weight_progress = models.DecimalField(
        _("trọng số tiến độ"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(ZERO)],
    )
    error_deduction = models.DecimalField(
        _("hệ số trừ mỗi lỗi lớn về nội dung"),
        max_digits=5,
        decimal_places=3,
        default=Decimal("0.25"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
    )
    delay_deduction = models.DecimalField(
        _("hệ số trừ mỗi lần chậm tiến độ"),
        max_digits=5,
        decimal_places=3,
        default=Decimal("0.25"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
    )
    bonus_max = models.DecimalField(
        _("điểm thưởng tối đa"),
        max_digits=6,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    deduction_max = models.DecimalField(
        _("điểm trừ tối đa"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text=_("Để trống: không giới hạn."),
    )
    total_cap = models.DecimalField(
        _("tổng điểm tối đa"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        default=HUNDRED,
        validators=[MinValueValidator(ZERO)],
        help_text=_("Để trống: không giới hạn tổng điểm."),
    )
    leader_unit_share = models.DecimalField(
        _("tỷ trọng kết quả đơn vị trong điểm nhiệm vụ của lãnh đạo"),
        max_digits=4,
        decimal_places=3,
        default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
        help_text=_(
            "0–1. Phần điểm kết quả nhiệm vụ của người lãnh đạo tính theo đơn vị mình phụ trách; "
            "0: không áp dụng."
        ),
    )
    unit_factor_if_khtnv = models.DecimalField(
        _("hệ số kết quả đơn vị khi có cấp dưới không hoàn thành nhiệm vụ"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.5"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
    )
    # Decree 335's leader formula (DOMAIN.md §3): a leader's task points average six
    # components — quantity, quality, progress, unit %, organising %, unity % — each weighted.
    # ``unit_factor_if_khtnv`` is then the unit % when anyone under the leader scores below
    # the HTNV band. Off for templates that keep Decree 90 (gates, section 4.4) instead.
    leader_components = models.BooleanField(
        _("lãnh đạo: tính thêm kết quả đơn vị, năng lực tổ chức và đoàn kết"),
        default=False,
        help_text=_(
            "Nghị định 335/2025: điểm nhiệm vụ của cấp trưởng, cấp phó là trung bình (có trọng "
            "số) của số lượng, chất lượng, tiến độ, kết quả đơn vị, năng lực tổ chức triển khai "
            "và năng lực tập hợp, đoàn kết."
        ),
    )
    weight_unit = models.DecimalField(
        _("trọng số kết quả đơn vị"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(ZERO)],
    )
    weight_organising = models.DecimalField(
        _("trọng số năng lực tổ chức triển khai"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(ZERO)],
    )
    weight_unity = models.DecimalField(
        _("trọng số năng lực tập hợp, đoàn kết"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(ZERO)],
    )
    leader_component_steps = models.CharField(
        _("thang điểm năng lực tổ chức, đoàn kết (%)"),
        max_length=100,
        blank=True,
        help_text=_(
            "Các mức được phép, cách nhau bởi dấu phẩy, ví dụ 100,75,50,25,0; "
            "để trống: mọi giá trị từ 0 đến 100."
        ),
    )
    organising_guidance = models.TextField(
        _("hướng dẫn chấm năng lực tổ chức triển khai"), blank=True
    )
    unity_guidance = models.TextField(_("hướng dẫn chấm năng lực tập hợp, đoàn kết"), blank=True)

    class Meta:
        verbose_name = _("mẫu tiêu chí")
        verbose_name_plural = _("mẫu tiêu chí")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="scoring_template_code_version"
            )
        ]


class TemplatePart(ImmutableWhenPublished):
    """A row belonging to one template version: locked when that version is published."""

    published_lookup = "template__status"

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.template.status == Status.PUBLISHED

    def _is_locked(self) -> bool:
        # Both the template it is stored under and the one it is being moved to count.
        if (
            self.pk is not None
            and not self._state.adding
            and type(self)
            ._base_manager.filter(pk=self.pk, template__status=Status.PUBLISHED)
            .exists()
        ):
            return True
        return (
            self.template_id is not None
            and CriteriaTemplate._base_manager.filter(
                pk=self.template_id, status=Status.PUBLISHED
            ).exists()
        )

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.template.natural_key(), self.code)

    natural_key.dependencies = ["scoring.criteriatemplate"]  # type: ignore[attr-defined]


class CriterionGroup(TemplatePart):
    template = models.ForeignKey(
        CriteriaTemplate,
        verbose_name=_("mẫu tiêu chí"),
        on_delete=models.CASCADE,
        related_name="groups",
    )
    code = models.CharField(_("mã nhóm"), max_length=20)
    name = models.CharField(_("tên nhóm"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    natural_key_fields = ("template__code", "template__version", "code")

    class Meta:
        verbose_name = _("nhóm tiêu chí")
        verbose_name_plural = _("nhóm tiêu chí")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="scoring_group_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Criterion(TemplatePart):
    """One general criterion (e.g. G1, 5 points), scored by the person, then by the manager.

    ``template`` duplicates ``group.template`` on purpose: it lets the database enforce "code
    unique within the template" and lets the admin edit criteria inline on the template.
    ``save()`` keeps the two consistent.
    """

    template = models.ForeignKey(
        CriteriaTemplate,
        verbose_name=_("mẫu tiêu chí"),
        on_delete=models.CASCADE,
        related_name="criteria",
    )
    group = models.ForeignKey(
        CriterionGroup,
        verbose_name=_("nhóm tiêu chí"),
        on_delete=models.CASCADE,
        related_name="criteria",
    )
    code = models.CharField(_("mã tiêu chí"), max_length=20)
    name = models.CharField(_("tên tiêu chí"), max_length=500)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=500, blank=True)
    max_points = models.DecimalField(
        _("điểm tối đa"), max_digits=6, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    guidance = models.TextField(
        _("hướng dẫn chấm"),
        blank=True,
        help_text=_("Biểu hiện cụ thể để người tự chấm và người quản lý chấm thống nhất."),
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    natural_key_fields = ("template__code", "template__version", "code")

    class Meta:
        verbose_name = _("tiêu chí")
        verbose_name_plural = _("tiêu chí")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="scoring_criterion_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name} ({self.max_points})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.template_id is None and self.group_id is not None:
            self.template_id = self.group.template_id
        if self.group_id is not None and self.group.template_id != self.template_id:
            raise ValidationError(
                gettext(
                    "Nhóm tiêu chí phải thuộc cùng mẫu tiêu chí. "
                    "/ The group must belong to the same template."
                ),
                code="group_template_mismatch",
            )
        super().save(*args, **kwargs)

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.template.natural_key(), self.code)

    natural_key.dependencies = [  # type: ignore[attr-defined]
        "scoring.criteriatemplate",
        "scoring.criteriongroup",
    ]

    def clean(self) -> None:
        super().clean()
        if (
            self.group_id is not None
            and self.template_id is not None
            and self.group.template_id != self.template_id
        ):
            raise ValidationError(
                {
                    "group": gettext(
                        "Nhóm tiêu chí phải thuộc cùng mẫu tiêu chí. "
                        "/ The group must belong to the same template."
                    )
                },
                code="group_template_mismatch",
            )


class AdjustmentItem(TemplatePart):
    """A catalogue entry of bonus or deduction points (e.g. late self-assessment: −1)."""

    template = models.ForeignKey(
        CriteriaTemplate,
        verbose_name=_("mẫu tiêu chí"),
        on_delete=models.CASCADE,
        related_name="adjustment_items",
    )
    kind = models.CharField(_("loại"), max_length=10, choices=AdjustmentKind.choices)
    code = models.CharField(_("mã"), max_length=20)
    name = models.CharField(_("tên"), max_length=500)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=500, blank=True)
    points = models.DecimalField(
        _("số điểm mỗi lần"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
        help_text=_("Số dương; loại (thưởng hay trừ) quyết định cộng hay trừ."),
    )
    max_per_period = models.PositiveSmallIntegerField(
        _("số lần tối đa mỗi kỳ"),
        null=True,
        blank=True,
        help_text=_("Để trống: không giới hạn số lần."),
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    natural_key_fields = ("template__code", "template__version", "code")

    class Meta:
        verbose_name = _("khoản cộng/trừ điểm")
        verbose_name_plural = _("khoản cộng/trừ điểm")
        ordering = ["kind", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="scoring_adjustment_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


# The levels a condition may belong to: KHTNV is what is left when no level's are all met.
CONDITION_LEVEL_CHOICES = [c for c in RatingLevel.choices if c[0] != RatingLevel.KHTNV]


class LevelCondition(TemplatePart):
    """One condition of a level under ``task_mode`` "conditions" (Decree 90/2020 as amended by
    Decree 48/2023, public employees): the evaluator ticks the conditions met, and the level is
    the highest one all of whose conditions are ticked (``scoring.engine.conditions_level``)."""

    template = models.ForeignKey(
        CriteriaTemplate,
        verbose_name=_("mẫu tiêu chí"),
        on_delete=models.CASCADE,
        related_name="level_conditions",
    )
    level = models.CharField(_("mức"), max_length=10, choices=CONDITION_LEVEL_CHOICES)
    code = models.CharField(_("mã điều kiện"), max_length=20)
    text = models.TextField(_("nội dung điều kiện"))
    text_en = models.TextField(_("nội dung tiếng Anh"), blank=True)
    applies_to = models.CharField(
        _("áp dụng cho"),
        max_length=12,
        choices=ConditionScopeChoice.choices,
        default=ConditionScopeChoice.ALL,
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    natural_key_fields = ("template__code", "template__version", "code")

    class Meta:
        verbose_name = _("điều kiện xếp loại")
        verbose_name_plural = _("điều kiện xếp loại")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="scoring_condition_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.level})"


# --- Rule sets --------------------------------------------------------------------------------

percent_validators = [MinValueValidator(ZERO), MaxValueValidator(HUNDRED)]


class RuleSet(VersionHeader):
    """One version of the rules turning scores into levels (DOMAIN.md §2, §4, §5)."""

    legal_basis = models.TextField(
        _("căn cứ pháp lý"),
        blank=True,
        help_text=_("Văn bản quy định, ví dụ Nghị định 335/2025/NĐ-CP."),
    )
    # PROTECT: a rule-set version must keep the exact template version it was published with.
    template = models.ForeignKey(
        CriteriaTemplate,
        verbose_name=_("mẫu tiêu chí"),
        on_delete=models.PROTECT,
        related_name="rulesets",
        help_text=_("Phiên bản mẫu tiêu chí áp dụng; phải được công bố trước bộ quy tắc."),
    )

    # Optional short labels printed instead of the level names (Hà Nội: A/B/C/D).
    label_htxsnv = models.CharField(_("ký hiệu mức xuất sắc"), max_length=10, blank=True)
    label_httnv = models.CharField(_("ký hiệu mức tốt"), max_length=10, blank=True)
    label_htnv = models.CharField(_("ký hiệu mức hoàn thành"), max_length=10, blank=True)
    label_khtnv = models.CharField(_("ký hiệu mức không hoàn thành"), max_length=10, blank=True)

    band_excellent_min = models.DecimalField(
        _("điểm tối thiểu mức Hoàn thành xuất sắc nhiệm vụ"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("90"),
        validators=percent_validators,
    )
    band_good_min = models.DecimalField(
        _("điểm tối thiểu mức Hoàn thành tốt nhiệm vụ"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("70"),
        validators=percent_validators,
    )
    band_completed_min = models.DecimalField(
        _("điểm tối thiểu mức Hoàn thành nhiệm vụ"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50"),
        validators=percent_validators,
    )

    discipline_override_from = models.CharField(
        _("xếp Không hoàn thành nhiệm vụ khi bị kỷ luật từ mức"),
        max_length=10,
        blank=True,
        default=DisciplineChoice.REPRIMAND,
        choices=[c for c in DisciplineChoice.choices if c[0] != DisciplineChoice.NONE],
        help_text=_("Để trống: kỷ luật không tự động hạ mức xếp loại."),
    )
    degradation_override = models.BooleanField(
        _("xếp Không hoàn thành nhiệm vụ khi có kết luận suy thoái, tự diễn biến, tự chuyển hóa"),
        default=True,
    )
    unit_corruption_override = models.BooleanField(
        _(
            "xếp Không hoàn thành nhiệm vụ khi đơn vị do lãnh đạo phụ trách "
            "bị xử lý tham nhũng, lãng phí"
        ),
        default=True,
    )

    gates_enabled = models.BooleanField(
        _("áp dụng điều kiện lãnh đạo theo kết quả đơn vị"), default=True
    )
    gate_good_share_percent = models.DecimalField(
        _("tỷ lệ cấp dưới đạt Hoàn thành tốt trở lên (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("70"),
        validators=percent_validators,
        help_text=_("Để lãnh đạo được xếp mức tốt hoặc xuất sắc."),
    )
    gate_completed_share_percent = models.DecimalField(
        _("tỷ lệ cấp dưới đạt Hoàn thành trở lên (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("70"),
        validators=percent_validators,
        help_text=_("Để lãnh đạo được xếp mức Hoàn thành nhiệm vụ."),
    )

    quota_percent = models.DecimalField(
        _("tỷ lệ tối đa mức Hoàn thành xuất sắc nhiệm vụ (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        default=Decimal("20"),
        validators=percent_validators,
        help_text=_("Để trống: không khống chế tỷ lệ."),
    )
    quota_base = models.CharField(
        _("cơ sở tính tỷ lệ"),
        max_length=10,
        choices=QuotaBaseChoice.choices,
        default=QuotaBaseChoice.GOOD,
    )
    quota_scope = models.CharField(
        _("phạm vi tính tỷ lệ"),
        max_length=20,
        choices=QuotaScopeChoice.choices,
        default=QuotaScopeChoice.AGENCY_DUTY_GROUP,
    )
    quota_applies_month = models.BooleanField(_("áp dụng tỷ lệ cho tháng"), default=True)
    quota_applies_quarter = models.BooleanField(_("áp dụng tỷ lệ cho quý"), default=True)
    quota_applies_year = models.BooleanField(_("áp dụng tỷ lệ cho năm"), default=True)

    # Decree 335 tracks results monthly or quarterly (DOMAIN.md §5): a quarterly rule set opens
    # quarters with their own products and approval, and no months. Decree 90/48 rates public
    # employees once a year: a yearly rule set opens the year itself, and no month or quarter.
    cycle = models.CharField(
        _("chu kỳ theo dõi"),
        max_length=10,
        choices=CycleChoice.choices,
        default=CycleChoice.MONTH,
    )
    quota_exception_max_percent = models.DecimalField(
        _("tỷ lệ tối đa khi có quyết định ngoại lệ (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
        help_text=_(
            "Trần của một quyết định ngoại lệ về tỷ lệ xuất sắc, cùng cơ sở với tỷ lệ; "
            "để trống: không cho phép ngoại lệ."
        ),
    )
    year_due_month = models.PositiveSmallIntegerField(
        _("hạn xếp loại năm: tháng"),
        choices=[(12, _("Tháng 12 của năm đánh giá")), (1, _("Tháng 1 năm sau"))],
        default=12,
    )
    year_due_day = models.PositiveSmallIntegerField(
        _("hạn xếp loại năm: ngày"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    head_bound_by_agency_rating = models.BooleanField(
        _("mức của người đứng đầu không cao hơn mức xếp loại cơ quan"), default=False
    )
    aggregation = models.CharField(
        _("cách tổng hợp quý, năm"),
        max_length=20,
        choices=AggregationChoice.choices,
        default=AggregationChoice.MEAN_OF_MONTHS,
    )

    # Day of the month *following* the period by which each step is due.
    self_assessment_day = models.PositiveSmallIntegerField(
        _("hạn tự đánh giá (ngày của tháng sau)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    manager_day = models.PositiveSmallIntegerField(
        _("hạn người quản lý chấm (ngày của tháng sau)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    approval_day = models.PositiveSmallIntegerField(
        _("hạn phê duyệt (ngày của tháng sau)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    appeal_days = models.PositiveSmallIntegerField(
        _("thời hạn kiến nghị (số ngày sau khi công khai)"),
        default=5,
        validators=[MinValueValidator(1)],
    )

    class Meta:
        verbose_name = _("bộ quy tắc xếp loại")
        verbose_name_plural = _("bộ quy tắc xếp loại")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="scoring_ruleset_code_version")
        ]

    def natural_key(self) -> tuple[str, int]:
        return (self.code, self.version)

    natural_key.dependencies = ["scoring.criteriatemplate"]  # type: ignore[attr-defined]

    def own_field_errors(self) -> list[str]:
        """Problems among this row's own fields (no relations): used by clean() and publish."""
        errors: list[str] = []
        bands = (self.band_excellent_min, self.band_good_min, self.band_completed_min)
        if any(b is None for b in bands) or not (HUNDRED >= bands[0] > bands[1] > bands[2] >= ZERO):
            errors.append(
                gettext(
                    "Ngưỡng điểm các mức phải giảm dần trong khoảng 0–100 "
                    "(xuất sắc > tốt > hoàn thành). / Band minimums must be strictly "
                    "descending within 0–100 (excellent > good > completed)."
                )
            )
        percents = [self.gate_good_share_percent, self.gate_completed_share_percent]
        if self.quota_percent is not None:
            percents.append(self.quota_percent)
        if any(p is None or not ZERO <= p <= HUNDRED for p in percents):
            errors.append(
                gettext(
                    "Các tỷ lệ phần trăm phải trong khoảng 0–100. "
                    "/ Percentages must be within 0–100."
                )
            )
        if not self.self_assessment_day <= self.manager_day <= self.approval_day:
            errors.append(
                gettext(
                    "Hạn tự đánh giá, hạn chấm và hạn phê duyệt phải theo thứ tự. "
                    "/ Self-assessment, manager and approval deadlines must be in order."
                )
            )
        return errors

    def clean(self) -> None:
        super().clean()
        errors = self.own_field_errors()
        if errors:
            raise ValidationError(errors, code="invalid_ruleset")

    @property
    def level_labels(self) -> dict[rules.Level, str]:
        """The short labels configured for this rule set (only those that are set)."""
        labels = {
            rules.Level.HTXSNV: self.label_htxsnv,
            rules.Level.HTTNV: self.label_httnv,
            rules.Level.HTNV: self.label_htnv,
            rules.Level.KHTNV: self.label_khtnv,
        }
        return {level: label for level, label in labels.items() if label}


class CapRule(ImmutableWhenPublished):
    """A ceiling on the level by months worked in the period (DOMAIN.md §4.3)."""

    published_lookup = "ruleset__status"

    ruleset = models.ForeignKey(
        RuleSet, verbose_name=_("bộ quy tắc"), on_delete=models.CASCADE, related_name="caps"
    )
    code = models.CharField(_("mã"), max_length=30)
    period_kind = models.CharField(
        _("loại kỳ"),
        max_length=10,
        choices=PeriodKindChoice.choices,
        default=PeriodKindChoice.YEAR,
    )
    min_months = models.PositiveSmallIntegerField(_("số tháng công tác từ"))
    max_months = models.PositiveSmallIntegerField(_("số tháng công tác đến"))
    max_level = models.CharField(
        _("mức cao nhất được xếp"),
        max_length=10,
        blank=True,
        choices=RatingLevel.choices,
        help_text=_("Để trống: không xếp loại (chỉ tự nhận xét)."),
    )
    maternity_exempt = models.BooleanField(_("không áp dụng khi nghỉ thai sản"), default=True)
    description = models.TextField(_("mô tả"), blank=True)

    natural_key_fields = ("ruleset__code", "ruleset__version", "code")

    class Meta:
        verbose_name = _("giới hạn mức theo thời gian công tác")
        verbose_name_plural = _("giới hạn mức theo thời gian công tác")
        ordering = ["period_kind", "min_months", "code"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "code"], name="scoring_cap_code")]

    def __str__(self) -> str:
        return self.code

    def natural_key(self) -> tuple[Any, ...]:
        return (*self.ruleset.natural_key(), self.code)

    natural_key.dependencies = ["scoring.ruleset"]  # type: ignore[attr-defined]

    @property
    def is_published(self) -> bool:
        return self.ruleset.status == Status.PUBLISHED

    def _is_locked(self) -> bool:
        if (
            self.pk is not None
            and not self._state.adding
            and CapRule._base_manager.filter(pk=self.pk, ruleset__status=Status.PUBLISHED).exists()
        ):
            return True
        return (
            self.ruleset_id is not None
            and RuleSet._base_manager.filter(pk=self.ruleset_id, status=Status.PUBLISHED).exists()
        )

    def own_field_errors(self) -> list[str]:
        """Month range coherent with the period: 0 ≤ min ≤ max ≤ months in the period."""
        limit = MONTHS_IN_PERIOD.get(self.period_kind, 12)
        if (
            self.min_months is None
            or self.max_months is None
            or not 0 <= self.min_months <= self.max_months <= limit
        ):
            return [
                gettext(
                    "Giới hạn %(code)s: số tháng phải thỏa 0 ≤ từ ≤ đến ≤ %(limit)s. "
                    "/ Cap %(code)s: months must satisfy 0 ≤ from ≤ to ≤ %(limit)s."
                )
                % {"code": self.code, "limit": limit}
            ]
        return []

    def clean(self) -> None:
        super().clean()
        errors = self.own_field_errors()
        if errors:
            raise ValidationError(errors, code="invalid_cap")


class RuleSetCoverage(models.Model):
    """Which rule set (by code) rates whom, from a date (DOMAIN.md §5): an agency type or one
    agency, for one staff category or — category blank — every category not mapped otherwise.

    Decree 335 covers công chức; viên chức stay under Decrees 90/48; người lao động follow the
    agency's own regulation, so one agency may hold evaluations under several rule sets in the
    same month. The most specific row wins: agency + category, agency, type + category, type;
    among rows of the same kind, the latest ``valid_from`` on or before the day asked about."""

    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coverage",
        verbose_name=_("Cơ quan"),
    )
    agency_type = models.ForeignKey(
        AgencyType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coverage",
        verbose_name=_("Loại cơ quan"),
    )
    category = models.CharField(
        _("Phân loại"),
        max_length=3,
        blank=True,
        choices=StaffCategory.choices,
        help_text=_("Để trống: mọi phân loại chưa được gán riêng."),
    )
    ruleset_code = models.CharField(_("Mã bộ quy tắc"), max_length=40, db_index=True)
    valid_from = models.DateField(_("Áp dụng từ ngày"), default=dt.date(2000, 1, 1))

    class Meta:
        db_table = "evaluation_rulesetcoverage"  # created by the workflow app; moved in state only
        verbose_name = _("Phạm vi áp dụng bộ quy tắc")
        verbose_name_plural = _("Phạm vi áp dụng bộ quy tắc")
        ordering = ["agency_type_id", "agency_id", "category", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=True, agency_type__isnull=False)
                | Q(agency__isnull=False, agency_type__isnull=True),
                name="scoring_coverage_agency_xor_type",
            ),
            models.UniqueConstraint(
                fields=["agency", "category", "valid_from"],
                condition=Q(agency__isnull=False),
                name="scoring_coverage_agency_unique",
            ),
            models.UniqueConstraint(
                fields=["agency_type", "category", "valid_from"],
                condition=Q(agency_type__isnull=False),
                name="scoring_coverage_type_unique",
            ),
        ]

    def __str__(self) -> str:
        where = self.agency or self.agency_type
        category = self.category or "*"
        return f"{where} · {category} → {self.ruleset_code} ({self.valid_from:%d/%m/%Y})"
