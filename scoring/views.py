"""Province admin — read views of rule sets and criteria templates, and the simulator page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def _placeholder(request: HttpRequest) -> HttpResponse:
    """Replaced by this screen's views (issue 4)."""
    raise Http404


urls: list[URLPattern] = [
    path("", _placeholder, name="rulesets"),
    path("simulator/", _placeholder, name="simulator"),
]
