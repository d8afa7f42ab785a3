"""How pages name a period: "Quý 1/2026" / "Q1 2026" (``scoring.periods.Period.title``), in the
active language; the label ``2026-Q1`` stays what forms, URLs and files carry."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

register = template.Library()


@register.filter
def period_title(period: Any) -> str:
    """An ``evaluation.models.Period`` as a page names it."""
    return period.rated_period.title(translation.get_language() or "vi")
