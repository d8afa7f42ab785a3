"""The level conditions of a conditions-based template (Decree 90/2020 as amended by Decree
48/2023, public employees), grouped by level as the self-assessment and the manager's page show
them: only the conditions that apply to the person (a manager's or a non-manager's), each with
whether it is ticked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import translation

from evaluation.models import Evaluation
from scoring.models import ConditionScopeChoice, RatingLevel
from scoring.selectors import template_conditions


def _applies(applies_to: str, leadership: str) -> bool:
    leader = leadership not in ("", "none")
    if applies_to == ConditionScopeChoice.LEADERS:
        return leader
    if applies_to == ConditionScopeChoice.NON_LEADERS:
        return not leader
    return True


def condition_groups(
    evaluation: Evaluation,
    *,
    ticked: Iterable[str] | None,
    also: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """One group per level (highest first): the level's code and label, and its conditions
    that apply to the person, each with its text in the active language, ``checked`` (in
    ``ticked``) and ``also_checked`` (in ``also``: the other side's ticks shown beside —
    the person's own on the manager's page, the manager's on the person's)."""
    english = translation.get_language() == "en"
    ticked_set = set(ticked or ())
    own = set(also or ())
    groups: dict[str, dict[str, Any]] = {}
    for condition in template_conditions(evaluation.template):
        if not _applies(condition.applies_to, evaluation.leadership):
            continue
        group = groups.setdefault(
            condition.level,
            {
                "level": condition.level,
                "label": str(RatingLevel(condition.level).label),
                "conditions": [],
            },
        )
        group["conditions"].append(
            {
                "code": condition.code,
                "text": (condition.text_en or condition.text) if english else condition.text,
                "checked": condition.code in ticked_set,
                "also_checked": condition.code in own,
            }
        )
    return list(groups.values())
