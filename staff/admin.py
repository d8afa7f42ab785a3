"""Admin for the organisation map and staff: the Sở Nội vụ's back office.

Staff search folds diacritics like the API. Transfers are append-only: new ones go through
``services.staff_transfer`` (which also moves the person), existing ones cannot be edited or
deleted.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from staff import services
from staff.access import scope_for
from staff.imports.formats import StaffCSV, StaffXLSX, UnitCSV, UnitXLSX
from staff.imports.reader import FileError
from staff.imports.resources import StaffMemberResource, UnitResource
from staff.lib.admin import StaffSearchMixin, ViewOnlyMixin
from staff.lib.uploads import UnsafeFile
from staff.models import (
    AccessLog,
    Agency,
    AgencySuccession,
    AgencyType,
    AuditEntry,
    DutyGroup,
    ImportJob,
    LeavePeriod,
    Position,
    Province,
    Restructuring,
    RoleAssignment,
    StaffMember,
    Transfer,
    Unit,
)
from staff.names import query_terms


@admin.register(AgencyType)
class AgencyTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "order"]
    list_editable = ["order"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "agency_type", "parent", "valid_from", "valid_to", "is_active"]
    list_filter = ["agency_type", "is_active", "province"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["province", "agency_type", "parent"]
    list_select_related = ["agency_type", "parent"]


class SpreadsheetMixin(ImportExportMixin):
    """Import/export through ``staff.imports`` (safe readers, the same resources and rules as
    the command); the resource gets the user and, for an HR officer, their agency."""

    export_formats = [XLSX, CSV]

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"user": request.user, "agency": _single_hr_agency(request.user)}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"agency": _single_hr_agency(request.user)}

    def add_data_read_fail_error_to_form(self, form, e):
        # Our readers' messages say what is wrong with the file (vi — en); show them.
        if isinstance(e, UnsafeFile | FileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)


def _single_hr_agency(user):
    scope = scope_for(user)
    if scope.writes_province or len(scope.hr_agency_ids) != 1:
        return None
    return Agency.objects.get(pk=next(iter(scope.hr_agency_ids)))


@admin.register(Unit)
class UnitAdmin(SpreadsheetMixin, admin.ModelAdmin):
    resource_classes = [UnitResource]
    import_formats = [UnitXLSX, UnitCSV]
    list_display = ["code", "name", "agency", "parent", "valid_from", "valid_to"]
    list_filter = ["agency__agency_type", "agency"]
    search_fields = ["code", "name", "agency__name", "agency__code"]
    autocomplete_fields = ["agency", "parent"]
    readonly_fields = ["path"]
    list_select_related = ["agency", "parent"]
    ordering = ["agency__code", "path"]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "leadership"]
    list_filter = ["leadership"]
    search_fields = ["code", "name", "name_en"]


@admin.register(DutyGroup)
class DutyGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name", "name_en"]


class LeavePeriodInline(admin.TabularInline):
    model = LeavePeriod
    extra = 0


class TransferInline(admin.TabularInline):
    model = Transfer
    fk_name = "staff"
    extra = 0
    can_delete = False
    fields = ["effective_on", "from_unit", "to_unit", "reason", "recorded_by", "recorded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StaffMember)
class StaffMemberAdmin(SpreadsheetMixin, admin.ModelAdmin):
    resource_classes = [StaffMemberResource]
    import_formats = [StaffXLSX, StaffCSV]
    list_display = [
        "code",
        "full_name",
        "category",
        "position",
        "unit",
        "agency",
        "manager",
        "left_on",
    ]
    list_filter = ["category", "agency__agency_type", "agency", "duty_group", "party_member"]
    search_fields = ["code", "search_text"]
    autocomplete_fields = ["position", "duty_group", "unit", "manager", "user"]
    readonly_fields = [
        "agency",
        "family_name",
        "middle_name",
        "given_name",
        "sort_key",
        "search_text",
    ]
    list_select_related = ["position", "unit", "agency", "manager"]
    ordering = ["sort_key", "code"]
    inlines = [LeavePeriodInline, TransferInline]

    def get_search_results(self, request, queryset, search_term):
        """Fold the query like the stored ``search_text``: "Nguyễn" and "nguyen" both match."""
        for term in query_terms(search_term):
            queryset = queryset.filter(search_text__contains=term)
        return queryset, False


@admin.register(LeavePeriod)
class LeavePeriodAdmin(admin.ModelAdmin):
    list_display = ["staff", "kind", "start", "end"]
    list_filter = ["kind"]
    search_fields = ["staff__code", "staff__search_text"]
    autocomplete_fields = ["staff"]
    list_select_related = ["staff"]
    date_hierarchy = "start"


class TransferAddForm(forms.ModelForm):
    class Meta:
        model = Transfer
        fields = ["staff", "to_unit", "effective_on", "reason"]

    def clean(self):
        data = super().clean()
        if data.get("staff") and data.get("to_unit") and data.get("effective_on"):
            services.staff_transfer_check(
                staff=data["staff"], to_unit=data["to_unit"], effective_on=data["effective_on"]
            )
        return data


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    """Append-only: add runs the transfer service; nothing can be changed or deleted."""

    list_display = ["staff", "from_unit", "to_unit", "effective_on", "recorded_by", "recorded_at"]
    list_filter = ["effective_on"]
    search_fields = ["staff__code", "staff__search_text"]
    autocomplete_fields = ["staff", "to_unit"]
    list_select_related = ["staff", "from_unit", "to_unit", "recorded_by"]
    date_hierarchy = "effective_on"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TransferAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["staff", "to_unit", "effective_on", "reason"]
        return ["staff", "from_unit", "to_unit", "effective_on", "reason", "recorded_by",
                "recorded_at"]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj is not None else []

    def has_change_permission(self, request, obj=None) -> bool:
        # Viewing is allowed through has_view_permission; any change would rewrite history.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        # The service moves the person and writes the row; obj is replaced by the stored row.
        record = services.staff_transfer(
            staff=obj.staff,
            to_unit=obj.to_unit,
            effective_on=obj.effective_on,
            reason=obj.reason,
            recorded_by=request.user,
            manager=None,
        )
        obj.pk = record.pk
        obj.from_unit = record.from_unit
        obj._state.adding = False


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "agency", "unit", "valid_from", "valid_to", "granted_by"]
    list_filter = ["role", "agency"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__name"]
    autocomplete_fields = ["user", "agency", "unit"]
    readonly_fields = ["granted_by"]
    list_select_related = ["user", "agency", "unit", "granted_by"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only log of uploads; jobs are created by ``staff.imports.jobs``."""

    list_display = ["filename", "kind", "agency", "status", "progress", "written", "created_by",
                    "created_at"]  # fmt: skip
    list_filter = ["status", "kind", "dry_run"]
    exclude = ["data", "error_report"]
    list_select_related = ["agency", "created_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Who read whose evaluation, failed sign-ins, refused accesses: read-only for everyone
    (the model itself refuses updates and deletes)."""

    list_display = ["at", "kind", "username", "ip", "method", "path", "status", "evaluation_id"]
    list_filter = ["kind"]
    search_fields = ["username", "path", "ip"]
    readonly_fields = [f.name for f in AccessLog._meta.fields]
    actions = None
    show_full_result_count = False

    def has_view_permission(self, request, obj=None) -> bool:
        return scope_for(request.user).can_read_audit()

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(StaffSearchMixin, ViewOnlyMixin, admin.ModelAdmin):
    """The trail, read-only for everyone: no add, change or delete permission, no actions.
    ``manage.py verify_audit`` checks that nobody changed it behind the admin's back."""

    staff_path = "evaluation__staff"
    list_display = [
        "at",
        "action",
        "actor",
        "agency",
        "period",
        "evaluation",
        "chained",
        "sequence",
        "short_hash",
    ]
    list_filter = ["action", "chained", "agency"]
    search_fields = ["action", "evaluation__staff__code"]
    list_select_related = ["actor", "agency", "period__ruleset", "evaluation__staff"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    actions = None
    show_full_result_count = False

    @admin.display(description="hash")
    def short_hash(self, obj: AuditEntry) -> str:
        return obj.hash[:12]


@admin.register(Restructuring)
class RestructuringAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Recorded through ``staff.restructuring`` only (the page, the API): read here."""

    list_display = ["effective_on", "kind", "reference", "recorded_by", "recorded_at"]
    list_filter = ["kind"]
    search_fields = ["reference", "note"]
    list_select_related = ["recorded_by"]


@admin.register(AgencySuccession)
class AgencySuccessionAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["predecessor", "successor", "effective_on", "restructuring"]
    search_fields = ["predecessor__code", "successor__code"]
    list_select_related = ["predecessor", "successor", "restructuring"]
