"""What the navigation shows each person, from ``staff.access`` (one place decides)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from staff.access import Scope, request_scope


class Navigation:
    """The links a user may follow, each asked of the scope only when the page renders it."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def _scope(self) -> Scope:
        return request_scope(self._request)

    @property
    def my_month(self) -> bool:
        """Anyone on the staff list has a month of their own."""
        return self._scope.own_staff_id is not None

    @property
    def team(self) -> bool:
        """Direct managers, the agency's approvers (who score anyone of the agency with no
        manager but its head) and the province approver who scores the heads."""
        return (
            self._scope.manages_direct_reports
            or bool(self._scope.approver_agency_ids)
            or self._scope.approves_heads()
        )

    @property
    def approval(self) -> bool:
        return bool(self._scope.approver_agency_ids)

    @property
    def heads(self) -> bool:
        """The heads of agencies' board: the province approver (DOMAIN.md §1)."""
        return self._scope.approves_heads()

    @property
    def quota_exceptions(self) -> bool:
        """Quota exceptions are recorded by the province admin (DOMAIN.md §4.5)."""
        return self._scope.is_province_admin()

    @property
    def people(self) -> bool:
        """The staff list: HR officers, the province admin and the inspector."""
        return self._scope.imports_staff() or self._scope.sees_all

    @property
    def restructure(self) -> bool:
        """The restructuring record: the province admin (who records) and the inspector."""
        return self._scope.sees_all

    @property
    def periods(self) -> bool:
        return self._scope.is_province_admin()

    @property
    def rules(self) -> bool:
        return self._scope.sees_all

    @property
    def inspect(self) -> bool:
        return self._scope.can_read_audit()

    @property
    def dashboards(self) -> bool:
        return self._scope.reads_indicators()

    @property
    def imports(self) -> bool:
        return self._scope.imports_staff()


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation for signed-in users; nothing for anonymous ones."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav": Navigation(request)}
