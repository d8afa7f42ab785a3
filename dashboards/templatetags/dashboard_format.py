"""Number formatting of the dashboard tables (the active locale's decimal mark)."""

from __future__ import annotations

import math

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@register.filter
def pct(value, digits: int = 1) -> str:
    """0.873 → "87,3 %" (Vietnamese) ; missing → "—"."""
    if _missing(value):
        return "—"
    return f"{floatformat(float(value) * 100, digits)} %"


@register.filter
def num(value, digits: int = 2) -> str:
    if _missing(value):
        return "—"
    return floatformat(value, digits)


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None
