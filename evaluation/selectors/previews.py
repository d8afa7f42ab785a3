"""Live previews: the level the engine would propose from values typed but NOT saved yet.

The person's self-assessment form and the manager's scoring form both show, as the user types,
the total, the proposed level and the engine's reasons. ``level_preview`` validates the typed
values exactly as the services will (``parse_points`` against each criterion's maximum, the
manager's fields through the workflow's own check), rates the evaluation alone with the same
engine call as ``evaluation.rating.rate_one`` (score, band, overrides, caps; no leader gates,
no quota), and writes nothing: no row, no version, no audit entry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from evaluation.errors import WorkflowError, unknown_criterion
from evaluation.models import Evaluation
from evaluation.rating import (
    general_points,
    is_tracked,
    leader_unit,
    monthly_scores,
    person_input,
    reasons_json,
    rules_for_period,
)
from evaluation.services.common import parse_points
from evaluation.services.workflow import conditions_validate, manager_fields_validate
from scoring import engine
from scoring.models import RatingLevel
from scoring.rules import Discipline
from scoring.selectors import template_criteria

SOURCES = ("self", "manager")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _typed_general(
    evaluation: Evaluation, source: str, scores: Mapping[str, Any]
) -> dict[str, Decimal]:
    """The saved per-criterion points with the typed ones laid over them.

    A blank typed value means "not given": for ``self`` the criterion is unscored (counts 0);
    for ``manager`` the person's own points count, as ``general_points`` does for a criterion
    the manager left empty.
    """
    criteria = {c.code: c for c in template_criteria(evaluation.template)}
    general = general_points(evaluation, source=source)
    own = general_points(evaluation, source="self") if source == "manager" else {}
    for code, raw in scores.items():
        criterion = criteria.get(code)
        if criterion is None:
            raise unknown_criterion(code)
        if _blank(raw):
            if code in own:
                general[code] = own[code]
            else:
                general.pop(code, None)
            continue
        general[code] = parse_points(raw, path=f"scores.{code}", maximum=criterion.max_points)
    return general


def _typed_fields(evaluation: Evaluation, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The manager's fields as ``PersonInput`` takes them (the comment does not rate)."""
    values = manager_fields_validate(evaluation, fields)
    values.pop("manager_comment", None)
    if "discipline" in values:
        values["discipline"] = Discipline(values["discipline"])
    # The evaluation's names of a leader's Decree 335 components → the engine's.
    for column, name in (("organising_percent", "organising"), ("unity_percent", "unity")):
        if column in values:
            values[name] = values.pop(column)
    if "manager_conditions" in values:
        ticked = values.pop("manager_conditions")
        if ticked is not None:
            values["conditions_met"] = frozenset(ticked)
    return values


def level_preview(
    *,
    evaluation: Evaluation,
    source: str,
    scores: Mapping[str, Any],
    fields: Mapping[str, Any] | None = None,
    conditions: Any = None,
) -> dict[str, Any]:
    """The proposal for ``evaluation`` if the typed values were saved; nothing is written.

    ``conditions``: the level conditions ticked so far (a conditions-based template, Decree
    90/48), validated as the services do; None keeps the saved ones. The manager's may also
    come as ``fields["conditions_met"]``.

    ``source``: ``"self"`` (the person's own points) or ``"manager"`` (the manager's points,
    the person's where the manager gave none). ``scores`` maps criterion codes to typed values
    (strings or numbers; blank = not given, see ``_typed_general``); codes left out keep their
    saved points. ``fields``: the manager's typed ``task_points``, ``bonus``, ``deductions``,
    ``discipline``, ``degradation``, ``unit_corruption``, ``organising_percent``,
    ``unity_percent`` (validated as
    ``evaluation_manager_score`` does); the person's form passes none. Products count as saved.

    Invalid input raises ``WorkflowError`` with the path of the field (``scores.G1``,
    ``bonus``…), so a form shows it next to that field.

    For a constant number of queries, pass an evaluation from
    ``evaluation.rating.evaluations_for_rating``. Returns a dict: ``total`` (Decimal or None
    when it cannot be rated), ``general``, ``tasks``, ``bonus``, ``deductions`` (the
    components, Decimal or None), ``leader`` (a head's or deputy's six Decree 335 components,
    ``scoring.engine.LeaderComponents``, or None), ``band`` and ``level`` (level codes such as
    ``"HTTNV"``, or ``""``), ``level_label`` (in the active language), ``reasons`` (messages in
    the active language) and ``reasons_json`` (code and both messages, as stored on an
    evaluation).

    A leader under a template with leader components gets the unit % from the scores stored
    under them so far (``evaluation.rating.leader_unit``); the typed ``organising_percent`` and
    ``unity_percent`` count as the engine's ``organising`` and ``unity``.
    """
    if source not in SOURCES:
        raise WorkflowError(
            "bad_choice",
            "Nguồn điểm phải là tự chấm (self) hoặc quản lý chấm (manager)",
            "The source is 'self' or 'manager'",
            path="source",
        )
    general = _typed_general(evaluation, source, scores)
    extra = _typed_fields(evaluation, fields) if fields else {}
    period = evaluation.period
    months = (
        ()
        if is_tracked(period)
        else monthly_scores([evaluation], period).get(evaluation.staff_id, ())
    )
    rules = rules_for_period(period)
    person = person_input(
        evaluation,
        months=months,
        source=source,
        signed=False,
        unit=leader_unit(evaluation, rules),
    )
    if conditions is not None:
        extra["conditions_met"] = frozenset(conditions_validate(evaluation, conditions) or ())
    person = dataclasses.replace(person, general=general, **extra)
    result = engine.rate_individual(person, rules, period.rated_period)

    english = translation.get_language() == "en"
    components = result.components
    level = result.level.name if result.level else ""
    return {
        "source": source,
        # Decree 90/48's levels chosen by conditions: a level and no points.
        "conditions_based": rules.template.conditions_based,
        "total": result.score,
        "general": components.general if components else result.general_points,
        "tasks": components.tasks if components else None,
        "bonus": components.bonus if components else person.bonus,
        "deductions": components.deductions if components else person.deductions,
        "leader": components.leader if components else None,
        "band": result.band.name if result.band else "",
        "level": level,
        "level_label": str(RatingLevel(level).label) if level else gettext("Chưa thể xếp loại"),
        "reasons": [r.message_en if english else r.message for r in result.reasons],
        "reasons_json": reasons_json(result),
    }
