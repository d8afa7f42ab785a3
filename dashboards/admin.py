"""Admin of the dashboards' configuration (Sở Nội vụ): ranking weights, PAR sub-criteria, the
PAR points of the other fields imported from the appraisal; snapshots and jobs read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from import_export import fields, resources
from import_export.admin import ImportExportModelAdmin
from import_export.widgets import DecimalWidget, ForeignKeyWidget, IntegerWidget

from dashboards.models import (
    ExportJob,
    IndicatorSnapshot,
    ParImportedScore,
    ParSubCriterion,
    RankingWeight,
)
from staff.models import Agency


@admin.register(RankingWeight)
class RankingWeightAdmin(admin.ModelAdmin):
    list_display = ("indicator", "name", "weight", "direction")
    list_editable = ("weight", "direction")


@admin.register(ParSubCriterion)
class ParSubCriterionAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "indicator",
        "max_points",
        "rule",
        "threshold",
        "lower",
        "order",
        "verified",
    )
    list_filter = ("verified",)
    ordering = ("order", "code")


class ParImportedScoreResource(resources.ModelResource):
    """Columns of the appraisal's file: Năm, Mã cơ quan, Mã lĩnh vực, Lĩnh vực, Điểm, Tối đa."""

    year = fields.Field("year", "Năm", IntegerWidget())
    agency = fields.Field("agency", "Mã cơ quan", ForeignKeyWidget(Agency, field="code"))
    field_code = fields.Field("field_code", "Mã lĩnh vực")
    field_name = fields.Field("field_name", "Lĩnh vực")
    points = fields.Field("points", "Điểm đạt", DecimalWidget())
    max_points = fields.Field("max_points", "Điểm tối đa", DecimalWidget())

    class Meta:
        model = ParImportedScore
        import_id_fields = ("year", "agency", "field_code")
        fields = ("year", "agency", "field_code", "field_name", "points", "max_points")
        skip_unchanged = True
        report_skipped = True


@admin.register(ParImportedScore)
class ParImportedScoreAdmin(ImportExportModelAdmin):
    resource_classes = [ParImportedScoreResource]
    list_display = ("year", "agency", "field_code", "field_name", "points", "max_points")
    list_filter = ("year", "field_code")
    search_fields = ("agency__code", "agency__name")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IndicatorSnapshot)
class IndicatorSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("period", "agency", "computed_at")
    list_filter = ("period",)


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ("title", "user", "status", "rows", "created_at")
