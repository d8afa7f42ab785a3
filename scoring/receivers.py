"""What the rules do when the organisation below them changes (connected in ``apps.py``)."""

from __future__ import annotations

from typing import Any

from scoring.models import RuleSetCoverage
from staff import audit
from staff.restructuring import Moves, Plan, Step


def cover_successors(
    sender: Any, *, plan: Plan, step: Step, moves: Moves, actor: Any, **kwargs: Any
) -> None:
    """A new agency made by a merger or a split is rated under its predecessor's rule set until
    the province says otherwise: without coverage its people would get no evaluation when the
    next month opens."""
    covered = dict(RuleSetCoverage.objects.values_list("agency_id", "ruleset_code"))
    for predecessor_id, successor_id in moves.successions:
        code = covered.get(predecessor_id)
        if code is None or successor_id in covered:
            continue
        coverage = RuleSetCoverage.objects.create(agency_id=successor_id, ruleset_code=code)
        covered[successor_id] = code
        audit.record(
            "coverage.added",
            actor=actor,
            agency=successor_id,
            obj=coverage,
            after={"ruleset_code": code, "from_predecessor": predecessor_id},
            reason=step.reference,
        )
