"""Admin mixins every app's admin uses: read-only windows and searching by a person's name."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

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
