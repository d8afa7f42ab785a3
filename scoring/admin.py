"""Admin for the Sở Nội vụ: templates and rule sets, versioned and frozen once published.

A published row is shown read-only (Django's view-only change page: every field and inline is
read-only, and a POST is refused) and cannot be deleted. The only ways forward are the two
actions, which call the services: "Tạo phiên bản mới" (a draft copy) and "Công bố".
The models refuse the same writes on their own, so this is convenience, not the guard.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from scoring import services
from scoring.models import (
    AdjustmentItem,
    CapRule,
    CriteriaTemplate,
    Criterion,
    CriterionGroup,
    LevelCondition,
    RuleSet,
    RuleSetCoverage,
    TaskModeChoice,
)
from scoring.template_io import TemplateFileInvalid, template_export_xlsx, template_import
from staff import audit
from staff.lib.uploads import MAX_UPLOAD_BYTES

_COMPACT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


def _is_published(obj: Any) -> bool:
    return obj is not None and obj.is_published


class FrozenWhenPublishedMixin:
    """View-only and undeletable once the row (or, for inlines, its parent) is published."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if _is_published(obj):
            return False
        return super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if _is_published(obj):
            return False
        return super().has_delete_permission(request, obj)  # type: ignore[misc]


class FrozenInlineMixin(FrozenWhenPublishedMixin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if _is_published(obj):
            return False
        return super().has_add_permission(request, obj)  # type: ignore[misc]


class CriterionGroupInline(FrozenInlineMixin, admin.TabularInline):
    model = CriterionGroup
    extra = 0
    fields = ("code", "name", "name_en", "order")


class CriterionInline(FrozenInlineMixin, admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ("group", "code", "name", "name_en", "max_points", "order", "guidance")
    formfield_overrides = _COMPACT_TEXT

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        # Only the groups of the template being edited: a criterion in another template's
        # group would break "code unique within the template". On a new template there are no
        # groups yet; save the groups first, then add criteria.
        if db_field.name == "group":
            match = request.resolver_match
            object_id = match.kwargs.get("object_id") if match else None
            kwargs["queryset"] = CriterionGroup.objects.filter(template_id=object_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AdjustmentItemInline(FrozenInlineMixin, admin.TabularInline):
    model = AdjustmentItem
    extra = 0
    fields = ("kind", "code", "name", "name_en", "points", "max_per_period", "order")


class LevelConditionInline(FrozenInlineMixin, admin.TabularInline):
    model = LevelCondition
    extra = 0
    fields = ("level", "code", "text", "text_en", "applies_to", "order")


class CapRuleInline(FrozenInlineMixin, admin.TabularInline):
    model = CapRule
    extra = 0
    fields = (
        "code",
        "period_kind",
        "min_months",
        "max_months",
        "max_level",
        "maternity_exempt",
        "description",
    )
    formfield_overrides = _COMPACT_TEXT


def _run_per_object(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    service: Callable[[Any], Any],
    success: str,
) -> None:
    """Call ``service`` on each selected row, reporting each success or refusal separately."""
    for obj in queryset.order_by("code", "version"):
        try:
            result = service(obj)
        except ValidationError as exc:
            modeladmin.message_user(
                request, f"{obj}: {' '.join(exc.messages)}", level=messages.ERROR
            )
        else:
            modeladmin.message_user(request, success % {"obj": result}, level=messages.SUCCESS)


class VersionedAdmin(FrozenWhenPublishedMixin, admin.ModelAdmin):
    list_display = ("code", "version", "name", "status", "published_at")
    list_filter = ("status",)
    search_fields = ("code", "name", "name_en")
    readonly_fields = ("status", "published_at", "published_by", "created_at", "created_by")
    formfield_overrides = _COMPACT_TEXT

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The version number is given by "Tạo phiên bản mới"; typing it by hand invites gaps.
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "version") if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(CriteriaTemplate)
class CriteriaTemplateAdmin(VersionedAdmin):
    list_display = (*VersionedAdmin.list_display, "task_mode", "task_max")
    list_filter = ("status", "task_mode")
    inlines = (CriterionGroupInline, CriterionInline, AdjustmentItemInline, LevelConditionInline)

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        # Level conditions belong to conditions-based templates only (Decree 90/48): choose
        # that mode and save, then the conditions are edited here.
        if obj is None or obj.task_mode != TaskModeChoice.CONDITIONS:
            return [i for i in self.inlines if i is not LevelConditionInline]
        return self.inlines

    actions = ("new_version", "publish", "export_xlsx")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("code", "version"),
                    "name",
                    "name_en",
                    "description",
                    ("status", "published_at", "published_by"),
                    ("created_at", "created_by"),
                )
            },
        ),
        (
            _("Kết quả thực hiện nhiệm vụ"),
            {
                "fields": (
                    ("task_mode", "task_max"),
                    ("weight_quantity", "weight_quality", "weight_progress"),
                    ("error_deduction", "delay_deduction"),
                    ("leader_unit_share", "unit_factor_if_khtnv"),
                )
            },
        ),
        (
            _("Lãnh đạo (Nghị định 335)"),
            {
                "fields": (
                    "leader_components",
                    ("weight_unit", "weight_organising", "weight_unity"),
                    "leader_component_steps",
                    "organising_guidance",
                    "unity_guidance",
                ),
                "description": _(
                    "Điểm nhiệm vụ của cấp trưởng, cấp phó = điểm tối đa × trung bình có trọng "
                    "số của số lượng, chất lượng, tiến độ, kết quả đơn vị, năng lực tổ chức "
                    "triển khai và năng lực tập hợp, đoàn kết. Kết quả đơn vị là 100% khi mọi "
                    "người thuộc quyền quản lý đạt từ ngưỡng Hoàn thành nhiệm vụ trở lên, còn "
                    "không thì bằng hệ số kết quả đơn vị ở trên."
                ),
            },
        ),
        (
            _("Điểm thưởng, điểm trừ và tổng điểm"),
            {"fields": (("bonus_max", "deduction_max", "total_cap"),)},
        ),
    )

    @admin.action(description=_("Tạo phiên bản mới"), permissions=["add"])
    def new_version(self, request: HttpRequest, queryset: QuerySet[CriteriaTemplate]) -> None:
        _run_per_object(
            self,
            request,
            queryset,
            lambda t: services.template_new_version(template=t, user=request.user),
            gettext("Đã tạo bản nháp %(obj)s."),
        )

    @admin.action(description=_("Công bố"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[CriteriaTemplate]) -> None:
        _run_per_object(
            self,
            request,
            queryset,
            lambda t: services.template_publish(template=t, user=request.user),
            gettext("Đã công bố %(obj)s."),
        )

    @admin.action(description=_("Xuất ra tệp Excel (.xlsx)"), permissions=["view"])
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet[CriteriaTemplate]):
        if queryset.count() != 1:
            self.message_user(
                request, gettext("Hãy chọn đúng một phiên bản để xuất."), level=messages.ERROR
            )
            return None
        template = queryset.get()
        response = HttpResponse(
            template_export_xlsx(template=template),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"mau-tieu-chi-{template.code}-v{template.version}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def get_urls(self):
        extra = [
            path(
                "import-xlsx/",
                self.admin_site.admin_view(self.import_xlsx_view),
                name="scoring_criteriatemplate_import_xlsx",
            )
        ]
        return extra + super().get_urls()

    def import_xlsx_view(self, request: HttpRequest) -> HttpResponse:
        """Upload an edited workbook: it becomes a NEW DRAFT version (province admin only)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = TemplateUploadForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > MAX_UPLOAD_BYTES:
                    raise TemplateFileInvalid([])
                template = template_import(
                    data=upload.read(), filename=upload.name, user=request.user
                )
            except TemplateFileInvalid as exc:
                errors = [str(e) for e in exc.errors] or [gettext("Tệp lớn hơn giới hạn cho phép.")]
            else:
                self.message_user(
                    request,
                    gettext("Đã tạo bản nháp %(obj)s; kiểm tra rồi công bố.") % {"obj": template},
                    level=messages.SUCCESS,
                )
                return redirect("admin:scoring_criteriatemplate_change", template.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Nhập mẫu tiêu chí từ tệp Excel"),
            "form": form,
            "errors": errors,
        }
        return render(request, "admin/scoring/criteriatemplate/import_xlsx.html", context)


class TemplateUploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp mẫu tiêu chí (.xlsx)"))


@admin.register(RuleSet)
class RuleSetAdmin(VersionedAdmin):
    list_display = (*VersionedAdmin.list_display, "template", "quota_percent", "quota_base")
    list_filter = ("status", "quota_base", "quota_scope")
    list_select_related = ("template",)
    inlines = (CapRuleInline,)
    actions = ("new_version", "publish")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("code", "version"),
                    "name",
                    "name_en",
                    "legal_basis",
                    "template",
                    ("status", "published_at", "published_by"),
                    ("created_at", "created_by"),
                )
            },
        ),
        (
            _("Ngưỡng điểm và ký hiệu các mức"),
            {
                "fields": (
                    ("band_excellent_min", "band_good_min", "band_completed_min"),
                    ("label_htxsnv", "label_httnv", "label_htnv", "label_khtnv"),
                )
            },
        ),
        (
            _("Các trường hợp xếp Không hoàn thành nhiệm vụ"),
            {
                "fields": (
                    "discipline_override_from",
                    "degradation_override",
                    "unit_corruption_override",
                )
            },
        ),
        (
            _("Điều kiện đối với người đứng đầu, cấp phó"),
            {
                "fields": (
                    "gates_enabled",
                    ("gate_good_share_percent", "gate_completed_share_percent"),
                )
            },
        ),
        (
            _("Tỷ lệ Hoàn thành xuất sắc nhiệm vụ"),
            {
                "fields": (
                    ("quota_percent", "quota_base", "quota_scope"),
                    ("quota_applies_month", "quota_applies_quarter", "quota_applies_year"),
                )
            },
        ),
        (
            _("Tổng hợp và thời hạn"),
            {
                "fields": (
                    "aggregation",
                    ("self_assessment_day", "manager_day", "approval_day", "appeal_days"),
                )
            },
        ),
    )

    @admin.action(description=_("Tạo phiên bản mới"), permissions=["add"])
    def new_version(self, request: HttpRequest, queryset: QuerySet[RuleSet]) -> None:
        _run_per_object(
            self,
            request,
            queryset,
            lambda r: services.ruleset_new_version(ruleset=r, user=request.user),
            gettext("Đã tạo bản nháp %(obj)s."),
        )

    @admin.action(description=_("Công bố"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[RuleSet]) -> None:
        _run_per_object(
            self,
            request,
            queryset,
            lambda r: services.ruleset_publish(ruleset=r, user=request.user),
            gettext("Đã công bố %(obj)s."),
        )


class RuleSetCoverageForm(forms.ModelForm):
    """One agency or one agency type, a staff category (blank: every category not mapped
    otherwise), the rule set — chosen among the codes that exist, a typo would silently rate
    nobody — and the day it applies from (DOMAIN.md §5)."""

    ruleset_code = forms.ChoiceField(label=_("Mã bộ quy tắc"))

    class Meta:
        model = RuleSetCoverage
        fields = ["agency", "agency_type", "category", "ruleset_code", "valid_from"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = sorted(set(RuleSet.objects.values_list("code", flat=True)))
        self.fields["ruleset_code"].choices = [(c, c) for c in codes]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("agency")) == bool(data.get("agency_type")):
            raise ValidationError(
                gettext(
                    "Chọn một cơ quan hoặc một loại cơ quan (không chọn cả hai). "
                    "/ Choose one agency or one agency type (not both)."
                ),
                code="agency_xor_type",
            )
        return data


def _coverage_audit(obj: RuleSetCoverage) -> dict[str, Any]:
    return {
        "agency": obj.agency.code if obj.agency_id else "",
        "agency_type": obj.agency_type.code if obj.agency_type_id else "",
        "category": obj.category,
        "ruleset_code": obj.ruleset_code,
        "valid_from": obj.valid_from.isoformat(),
    }


@admin.register(RuleSetCoverage)
class RuleSetCoverageAdmin(admin.ModelAdmin):
    """The province admin says which rule set rates whom: per agency type or agency, per staff
    category, from a date. The most specific row wins (agency + category, agency, type +
    category, type); a change takes effect for the months opened from then on — a month is
    resolved on its first day, and months already open keep their evaluations."""

    form = RuleSetCoverageForm
    list_display = ["where", "category_label", "ruleset_code", "valid_from"]
    list_filter = ["ruleset_code", "category", "agency_type", "agency__agency_type"]
    search_fields = ["agency__code", "agency__name", "agency_type__code", "ruleset_code"]
    autocomplete_fields = ["agency"]
    list_select_related = ["agency", "agency_type"]
    ordering = ["agency_type__code", "agency__code", "category", "valid_from"]

    @admin.display(description=_("Cơ quan / loại cơ quan"))
    def where(self, obj: RuleSetCoverage) -> str:
        return str(obj.agency or obj.agency_type)

    @admin.display(description=_("Phân loại"), ordering="category")
    def category_label(self, obj: RuleSetCoverage) -> str:
        return obj.get_category_display() if obj.category else gettext("Mọi phân loại khác")

    def save_model(
        self, request: HttpRequest, obj: RuleSetCoverage, form: Any, change: bool
    ) -> None:
        before = {}
        if change and obj.pk:
            old = RuleSetCoverage.objects.select_related("agency", "agency_type").get(pk=obj.pk)
            before = _coverage_audit(old)
        super().save_model(request, obj, form, change)
        audit.record(
            "coverage.changed" if change else "coverage.added",
            actor=request.user,
            agency=obj.agency,
            obj=obj,
            before=before,
            after=_coverage_audit(obj),
        )

    def delete_model(self, request: HttpRequest, obj: RuleSetCoverage) -> None:
        audit.record(
            "coverage.removed",
            actor=request.user,
            agency=obj.agency,
            obj=obj,
            before=_coverage_audit(obj),
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset.select_related("agency", "agency_type"):
            self.delete_model(request, obj)
