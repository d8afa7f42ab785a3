"""HR officer / province admin — the staff list: Vietnamese sort, diacritic-free search, filters."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def _placeholder(request: HttpRequest) -> HttpResponse:
    """Replaced by this screen's views (issue 4)."""
    raise Http404


urls: list[URLPattern] = [
    path("people/", _placeholder, name="people"),
]
