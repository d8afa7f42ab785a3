"""What the navigation shows each person, from ``staff.access`` (one place decides)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from staff.access import scope_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Links a user may follow: dashboards for leaders, HR and the province; the import page
    for HR officers and the province admin. Resolved lazily, once per request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cache: dict[str, Any] = {}

    def scope() -> Any:
        if "scope" not in cache:
            cache["scope"] = scope_for(user)
        return cache["scope"]

    class Nav:
        @property
        def dashboards(self) -> bool:
            return scope().reads_indicators()

        @property
        def imports(self) -> bool:
            return scope().imports_staff()

    return {"nav": Nav()}
