"""Admin for evaluations: the Sở Nội vụ's window onto every month.

Almost everything here is read-only on purpose: evaluations, products, appeals, exceptions,
agency ratings and periods change only through ``evaluation.services`` (which check the role,
lock, and write the audit trail). Which rule set covers an agency is edited in the rule sets'
admin (scoring); the audit trail is read in the staff admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from evaluation.models import (
    AgencyRating,
    Appeal,
    EarlyWarning,
    Evaluation,
    Notification,
    Period,
    Product,
    QuotaException,
)
from evaluation.services.notifications import send_emails
from staff.lib.admin import StaffSearchMixin, ViewOnlyMixin


@admin.register(Period)
class PeriodAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = [
        "label",
        "ruleset",
        "kind",
        "status",
        "starts_on",
        "ends_on",
        "self_assessment_due",
        "manager_due",
        "approval_due",
        "opened_at",
        "closed_at",
    ]
    list_filter = ["status", "kind", "ruleset__code", "year"]
    search_fields = ["label", "ruleset__code"]
    list_select_related = ["ruleset"]
    date_hierarchy = "starts_on"


class ProductInline(admin.TabularInline):
    model = Product
    fields = ["title", "weight", "completed", "major_errors", "delays", "objective_cause"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Evaluation)
class EvaluationAdmin(StaffSearchMixin, ViewOnlyMixin, admin.ModelAdmin):
    list_display = [
        "staff_code",
        "staff_name",
        "period",
        "agency",
        "unit",
        "status",
        "score",
        "proposed_level",
        "final_level",
        "no_self_assessment",
    ]
    list_filter = [
        "status",
        "final_level",
        "period__label",
        "period__ruleset__code",
        "agency",
        "no_self_assessment",
    ]
    search_fields = ["staff__code"]
    list_select_related = ["staff", "period__ruleset", "agency", "unit"]
    ordering = ["-period__year", "-period__index", "agency__code", "staff__sort_key"]
    inlines = [ProductInline]
    show_full_result_count = False  # a province has tens of thousands of rows a year

    @admin.display(description=_("Mã cán bộ"), ordering="staff__code")
    def staff_code(self, obj: Evaluation) -> str:
        return obj.staff.code

    @admin.display(description=_("Họ và tên"), ordering="staff__sort_key")
    def staff_name(self, obj: Evaluation) -> str:
        return obj.staff.full_name


@admin.register(Product)
class ProductAdmin(StaffSearchMixin, ViewOnlyMixin, admin.ModelAdmin):
    staff_path = "evaluation__staff"
    list_display = [
        "title",
        "evaluation",
        "weight",
        "deadline",
        "completed",
        "major_errors",
        "delays",
        "objective_cause",
        "confirmed_at",
    ]
    list_filter = ["completed", "objective_cause", "evaluation__period__label"]
    search_fields = ["title", "evaluation__staff__code"]
    list_select_related = ["evaluation__staff", "evaluation__period"]


@admin.register(Appeal)
class AppealAdmin(StaffSearchMixin, ViewOnlyMixin, admin.ModelAdmin):
    staff_path = "evaluation__staff"
    list_display = [
        "evaluation",
        "status",
        "level_before",
        "level_after",
        "filed_by",
        "filed_at",
        "resolved_by",
        "resolved_at",
    ]
    list_filter = ["status", "evaluation__period__label", "evaluation__agency"]
    search_fields = ["evaluation__staff__code"]
    list_select_related = [
        "evaluation__staff",
        "evaluation__period",
        "filed_by",
        "resolved_by",
    ]


@admin.register(QuotaException)
class QuotaExceptionAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["period", "agency", "duty_group", "ceiling", "reference", "decided_by"]
    list_filter = ["period__label", "agency"]
    search_fields = ["reference", "agency__code", "agency__name"]
    list_select_related = ["period__ruleset", "agency", "duty_group", "decided_by"]


@admin.register(AgencyRating)
class AgencyRatingAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """The agencies' own ratings, for audit: recorded and revised only on the agency-ratings
    page or its API (``evaluation.services.agency_rating``), which check the province admin's
    second factor and write the before and after to the audit trail."""

    list_display = [
        "agency",
        "year",
        "quarter",
        "proposed_points",
        "score",
        "level",
        "reference",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["year", "quarter", "level"]
    search_fields = ["reference", "agency__code", "agency__name"]
    list_select_related = ["agency", "decided_by"]


@admin.register(Notification)
class NotificationAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = [
        "subject",
        "recipient",
        "kind",
        "created_at",
        "read_at",
        "emailed_at",
        "email_attempts",
    ]
    list_filter = ["kind", ("emailed_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "recipient__username", "recipient__email"]
    list_select_related = ["recipient"]
    actions = ["retry_emails"]
    show_full_result_count = False

    @admin.action(description=_("Gửi lại thư điện tử chưa gửi được / Retry unsent e-mails"))
    def retry_emails(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        sent = send_emails(queryset.filter(emailed_at__isnull=True).values_list("pk", flat=True))
        self.message_user(request, _("Đã gửi %(n)d thư.") % {"n": sent}, messages.INFO)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # The action only sends mail; it must show even though nobody may change a row here.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(EarlyWarning)
class EarlyWarningAdmin(StaffSearchMixin, ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["staff", "agency", "period", "kind", "months", "created_at"]
    list_filter = ["kind", "agency", "period__label"]
    search_fields = ["staff__code"]
    list_select_related = ["staff", "agency", "period__ruleset"]
