"""Reads for the heads-of-agencies board (“Người đứng đầu / Heads of agencies”).

The head of an agency is rated and signed by the superior authority — the provincial People's
Committee's chair or the vice-chair they designate (DOMAIN.md §1) — the province approver
(``Scope.approves_heads``). The board lists the heads' evaluations of one period across every
agency, with the score, the proposal and its reasons as the manager's step recorded them, and
whether each may be signed now: a fixed number of queries whatever the number of agencies (the
service rates the head's agency when signing, and stays the judge).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from evaluation.models import Evaluation, Period, Status
from evaluation.selectors.access import evaluations_in_scope
from evaluation.selectors.approval import level_options
from evaluation.services.approval import leaders_blocked
from staff.access import Scope, head_of_agency_records


def head_evaluations(scope: Scope) -> QuerySet[Evaluation]:
    """The heads of agencies' evaluations the caller signs (``Scope.can_sign``), any period:
    none for anyone but the province approver."""
    if not scope.approves_heads():
        return Evaluation.objects.none()
    qs = evaluations_in_scope(scope).filter(head_of_agency_records())
    if scope.own_staff_id is not None:
        qs = qs.exclude(staff_id=scope.own_staff_id)
    return qs


def head_periods(scope: Scope) -> list[Period]:
    """The periods holding a head's evaluation, newest first (one query)."""
    return list(
        Period.objects.filter(pk__in=head_evaluations(scope).values("period_id"))
        .select_related("ruleset")
        .order_by("-year", "-index", "kind", "pk")
    )


@dataclass
class HeadRow:
    """One head of agency's evaluation as the province approver sees it."""

    evaluation: Evaluation
    reasons: list[dict[str, str]]
    selectable: bool
    blocked: int = 0  # direct reports not scored yet (leaders after their units)
    options: list[tuple[str, str]] = field(default_factory=list)
    selected: str = ""
    reason: str = ""
    level_errors: list[dict[str, Any]] = field(default_factory=list)
    reason_errors: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    otp_required: bool = False

    @property
    def status_label(self) -> str:
        return Status(self.evaluation.status).label


@dataclass
class HeadsBoard:
    period: Period
    rows: list[HeadRow]

    @property
    def pending(self) -> int:
        return sum(1 for r in self.rows if r.evaluation.status == Status.MANAGER_SCORED)

    @property
    def signed(self) -> int:
        return sum(1 for r in self.rows if r.evaluation.final_level)

    @property
    def not_scored(self) -> int:
        return sum(
            1 for r in self.rows if r.evaluation.status in (Status.DRAFT, Status.SELF_ASSESSED)
        )


def heads_board(*, period: Period, scope: Scope) -> HeadsBoard:
    """Every head of agency's evaluation of ``period`` the caller signs, by agency: three
    queries (the evaluations with their agency, unit and person; the leaders waiting for their
    reports, ``leaders_blocked``)."""
    evaluations = list(
        head_evaluations(scope)
        .filter(period=period)
        .select_related("staff", "agency", "unit", "duty_group", "period")
        .order_by("agency__code", "staff__code", "pk")
    )
    pending = [e.pk for e in evaluations if e.status == Status.MANAGER_SCORED]
    blocked = {b["evaluation"]: b["reports_not_scored"] for b in leaders_blocked(period, pending)}
    rows = []
    for evaluation in evaluations:
        selectable = (
            period.is_open
            and evaluation.status == Status.MANAGER_SCORED
            and bool(evaluation.proposed_level)
            and evaluation.pk not in blocked
        )
        rows.append(
            HeadRow(
                evaluation=evaluation,
                reasons=[
                    {
                        "code": r.get("code", ""),
                        "kind": str(r.get("code", "")).split(".")[0],
                        "message": r.get("message", ""),
                        "message_en": r.get("message_en", ""),
                    }
                    for r in evaluation.reasons or []
                ],
                selectable=selectable,
                blocked=blocked.get(evaluation.pk, 0),
                options=level_options(evaluation.proposed_level) if selectable else [],
                selected=evaluation.proposed_level,
            )
        )
    return HeadsBoard(period=period, rows=rows)


def head_evaluation_or_none(scope: Scope, pk: int) -> Evaluation | None:
    """One head's evaluation the caller signs, or None (the page and the API answer 404)."""
    return head_evaluations(scope).select_related("period").filter(pk=pk).first()
