"""Query-parameter filters of the evaluation API (django-filter).

They only narrow a queryset that already came from ``staff.access``: a filter can never widen
what the caller sees. Objects are named by their public codes (agency, unit, staff) or, for
periods, by id or label (``2026-10``).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from evaluation.models import (
    Appeal,
    AppealStatus,
    Evaluation,
    Notification,
    Period,
    PeriodKind,
    PeriodStatus,
    Status,
)
from scoring.models import RatingLevel
from staff.models import AuditEntry


def _period(queryset: QuerySet[Any], field: str, value: str) -> QuerySet[Any]:
    """A period by id (``12``) or label (``2026-10``, ``2026-Q4``, ``2026``)."""
    q = Q(**{f"{field}__label": value})
    if value.isdigit():
        q |= Q(**{f"{field}_id": int(value)})
    return queryset.filter(q)


class PeriodFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=PeriodKind.choices)
    year = django_filters.NumberFilter()
    status = django_filters.ChoiceFilter(choices=PeriodStatus.choices)
    ruleset = django_filters.CharFilter(field_name="ruleset__code", help_text="Mã bộ quy tắc")

    class Meta:
        model = Period
        fields = ["kind", "year", "status", "ruleset"]


class EvaluationFilter(django_filters.FilterSet):
    period = django_filters.CharFilter(method="filter_period", help_text="Id hoặc nhãn kỳ")
    agency = django_filters.CharFilter(field_name="agency__code", help_text="Mã cơ quan")
    unit = django_filters.CharFilter(field_name="unit__code", help_text="Mã đơn vị")
    status = django_filters.ChoiceFilter(choices=Status.choices)
    level = django_filters.ChoiceFilter(field_name="final_level", choices=RatingLevel.choices)
    staff = django_filters.CharFilter(field_name="staff__code", help_text="Mã cán bộ")

    class Meta:
        model = Evaluation
        fields = ["period", "agency", "unit", "status", "level", "staff"]

    def filter_period(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _period(queryset, "period", value)


class AppealFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AppealStatus.choices)
    period = django_filters.CharFilter(method="filter_period", help_text="Id hoặc nhãn kỳ")

    class Meta:
        model = Appeal
        fields = ["status", "period"]

    def filter_period(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _period(queryset, "evaluation__period", value)


class AuditFilter(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__code", help_text="Mã cơ quan")
    period = django_filters.CharFilter(method="filter_period", help_text="Id hoặc nhãn kỳ")
    action = django_filters.CharFilter(help_text="Ví dụ evaluation.approved")

    class Meta:
        model = AuditEntry
        fields = ["agency", "period", "action"]

    def filter_period(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _period(queryset, "period", value)


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", help_text="Chỉ thông báo chưa đọc"
    )

    class Meta:
        model = Notification
        fields = ["unread", "kind"]
