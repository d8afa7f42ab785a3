"""Admin for evaluations: the Sở Nội vụ's window onto every month.

Almost everything here is read-only on purpose: evaluations, products, appeals, exceptions and
periods change only through ``evaluation.services`` (which check the role, lock, and write the
audit trail). The one thing the province admin edits here is which rule set each agency is
rated under (``RuleSetCoverage``), and that change is recorded too. The audit trail itself has
no add, change or delete permission at all — not even for a superuser.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from evaluation import audit
from evaluation.models import (
    Appeal,
    AuditEntry,
    EarlyWarning,
    Evaluation,
    Notification,
    Period,
    Product,
    QuotaException,
    RuleSetCoverage,
)
from scoring.models import RuleSet
from staff.names import query_terms


class ViewOnlyMixin:
    """Visible to whoever may view; changed only through the services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StaffSearchMixin:
    """Search by the fields in ``search_fields`` (codes) or by the person's name, folded like
    ``search_text``: "Nguyễn" and "nguyen" both match."""

    staff_path = "staff"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        found, may_duplicate = super().get_search_results(  # type: ignore[misc]
            request, queryset, search_term
        )
        terms = query_terms(search_term)
        if terms:
            by_name = queryset
            for term in terms:
                by_name = by_name.filter(**{f"{self.staff_path}__search_text__contains": term})
            found = found | by_name
        return found, may_duplicate


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


class RuleSetCoverageForm(forms.ModelForm):
    """The rule set is chosen among the codes that exist (a typo would silently rate nobody)."""

    ruleset_code = forms.ChoiceField(label=_("Mã bộ quy tắc"))

    class Meta:
        model = RuleSetCoverage
        fields = ["agency", "ruleset_code"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = sorted(set(RuleSet.objects.values_list("code", flat=True)))
        self.fields["ruleset_code"].choices = [(c, c) for c in codes]


@admin.register(RuleSetCoverage)
class RuleSetCoverageAdmin(admin.ModelAdmin):
    """The province admin assigns each agency to the rule set it is rated under. A change
    takes effect from the next month opened; months already open keep their evaluations."""

    form = RuleSetCoverageForm
    list_display = ["agency", "ruleset_code"]
    list_filter = ["ruleset_code", "agency__agency_type"]
    search_fields = ["agency__code", "agency__name", "ruleset_code"]
    autocomplete_fields = ["agency"]
    list_select_related = ["agency"]
    ordering = ["agency__code"]

    def save_model(
        self, request: HttpRequest, obj: RuleSetCoverage, form: Any, change: bool
    ) -> None:
        before = {}
        if change and obj.pk:
            old = RuleSetCoverage.objects.get(pk=obj.pk)
            before = {"agency": old.agency.code, "ruleset_code": old.ruleset_code}
        super().save_model(request, obj, form, change)
        audit.record(
            "coverage.changed" if change else "coverage.added",
            actor=request.user,
            agency=obj.agency,
            obj=obj,
            before=before,
            after={"agency": obj.agency.code, "ruleset_code": obj.ruleset_code},
        )

    def delete_model(self, request: HttpRequest, obj: RuleSetCoverage) -> None:
        audit.record(
            "coverage.removed",
            actor=request.user,
            agency=obj.agency,
            obj=obj,
            before={"agency": obj.agency.code, "ruleset_code": obj.ruleset_code},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset.select_related("agency"):
            self.delete_model(request, obj)


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
        from evaluation.services.notifications import send_emails

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


@admin.register(AuditEntry)
class AuditEntryAdmin(StaffSearchMixin, admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
