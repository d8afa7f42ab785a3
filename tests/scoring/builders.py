"""Plain-data rule sets and people for engine tests (no database)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from scoring.engine import PersonInput, ProductOutcome
from scoring.rules import (
    CapRule,
    CriterionRule,
    Level,
    PeriodKind,
    QuotaBase,
    RuleSetRules,
    TaskMode,
    TemplateRules,
)

D = Decimal

ND335_TEMPLATE = TemplateRules(
    code="ND335-2025-TPL",
    version=1,
    criteria=tuple(CriterionRule(f"G{i}", D(5)) for i in range(1, 7)),
)

ND335 = RuleSetRules(
    code="ND335-2025",
    version=1,
    template=ND335_TEMPLATE,
    caps=(
        CapRule("year_under_6_months", PeriodKind.YEAR, 0, 5, None, True),
        CapRule("year_6_to_9_months", PeriodKind.YEAR, 6, 9, Level.HTNV, True),
    ),
)

HN3814 = RuleSetRules(
    code="HN-3814",
    version=1,
    template=TemplateRules(
        code="HN-3814-TPL",
        version=1,
        criteria=tuple(CriterionRule(f"K{i}", D(5)) for i in range(1, 5)),
        task_mode=TaskMode.DIRECT,
        bonus_max=D(10),
        total_cap=D(100),
    ),
    quota_percent=D("0.30"),
    quota_base=QuotaBase.RATED,
)


def person(code: str, score: Decimal | str | int | None = None, **fields: Any) -> PersonInput:
    """A person whose monthly total is ``score``: general 30 (or less) plus direct task points."""
    fields.setdefault("agency", "SNV")
    fields.setdefault("duty_group", "CV")
    if score is not None:
        total = D(score)
        general = min(total, D(30))
        fields.setdefault("general", general)
        fields.setdefault("task_points", total - general)
    return PersonInput(code=code, **fields)


def product(weight: str | int = 1, **fields: Any) -> ProductOutcome:
    return ProductOutcome(weight=D(weight), **fields)
