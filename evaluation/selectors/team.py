"""Reads for the direct manager's “My team” pages: the team of a period, its progress, the next
person to score — a fixed number of queries whatever the size of the team.

Who is on the team is ``Scope.can_score_as_manager`` written as one query: the evaluations whose
recorded manager is the caller (when they hold a manager role); for the agency's head and
delegate, the evaluations in their agency that have no manager, but the head's; for the
province approver, every head of agency's (DOMAIN.md §1). The caller's own evaluation is never
on it. ``tests/web/test_team.py`` checks the two agree row by row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluation.models import CriterionScore, Evaluation, Period, PeriodStatus, Status
from evaluation.selectors.access import evaluations_in_scope
from evaluation.selectors.periods import current_period
from scoring.models import Criterion, RatingLevel
from scoring.selectors import template_criteria
from staff.access import Scope, head_of_agency_records

# Past the manager's step: counted as scored by the progress counter.
SCORED_STATUSES = (
    Status.MANAGER_SCORED,
    Status.APPROVED,
    Status.PUBLISHED,
    Status.UNDER_APPEAL,
    Status.CLOSED,
)
# The status filter's extra choice: what the manager may score now.
TO_SCORE = "to_score"
TEAM_ORDER = ("staff__sort_key", "staff__code", "pk")


def uses_team_page(scope: Scope) -> bool:
    """Direct managers, the agency's approvers, and the province approver who scores the heads
    of agencies (as the navigation)."""
    if scope.approves_heads():
        return True
    return scope.own_staff_id is not None and (
        scope.manages_direct_reports or bool(scope.approver_agency_ids)
    )


def team_evaluations(scope: Scope) -> QuerySet[Evaluation]:
    """Every evaluation the caller scores as manager (``Scope.can_score_as_manager``), any
    period, as one query."""
    heads = head_of_agency_records()
    q = Q(pk__in=[])
    if scope.own_staff_id is not None:
        if scope.manages_direct_reports:
            q |= Q(manager_id=scope.own_staff_id)
        if scope.approver_agency_ids:
            q |= Q(manager__isnull=True, agency_id__in=sorted(scope.approver_agency_ids)) & ~heads
    if scope.approves_heads():
        q |= heads
    if scope.own_staff_id is None and not scope.approves_heads():
        return Evaluation.objects.none()
    qs = evaluations_in_scope(scope).filter(q)
    if scope.own_staff_id is not None:
        qs = qs.exclude(staff_id=scope.own_staff_id)
    return qs


def scorable_statuses(period: Period, today: dt.date | None = None) -> tuple[str, ...]:
    """What the manager may score now in ``period``: a submitted self-assessment, and a draft
    once the self-assessment deadline has passed (the service then marks it "no
    self-assessment"); nothing once the period is closed. The list's filter, its progress count
    and each row's link all follow from this one rule."""
    today = today or timezone.localdate()
    if period.status != PeriodStatus.OPEN:
        return ()
    if today > period.self_assessment_due:
        return (Status.SELF_ASSESSED, Status.DRAFT)
    return (Status.SELF_ASSESSED,)


def team_periods(scope: Scope) -> list[Period]:
    """The periods in which the caller has someone to score, newest first (one query)."""
    return list(
        Period.objects.filter(pk__in=team_evaluations(scope).values("period_id"))
        .select_related("ruleset")
        .order_by("-year", "-index", "kind", "pk")
    )


def is_late(evaluation: Evaluation, period: Period, today: dt.date | None = None) -> bool:
    """Self-assessment late: submitted after the period's self-assessment deadline, or still
    not submitted (a draft, or scored without it) once that deadline has passed."""
    today = today or timezone.localdate()
    due = period.self_assessment_due
    if evaluation.status == Status.DRAFT or evaluation.no_self_assessment:
        return today > due
    submitted = evaluation.self_submitted_at
    if submitted is None:
        return False
    return timezone.localtime(submitted).date() > due


def can_score_now(evaluation: Evaluation, period: Period, today: dt.date | None = None) -> bool:
    return evaluation.status in scorable_statuses(period, today)


def can_return_now(evaluation: Evaluation, period: Period) -> bool:
    """The manager may return it to the person while it waits for them or for approval."""
    return period.status == PeriodStatus.OPEN and evaluation.status in (
        Status.SELF_ASSESSED,
        Status.MANAGER_SCORED,
    )


@dataclass
class TeamRow:
    evaluation: Evaluation
    late: bool
    to_score: bool
    self_total: Any
    manager_total: Any
    status_label: str = ""
    level_title: str = ""  # the name of the official level, else of the proposed one
    score_url: str = ""


@dataclass
class TeamBoard:
    period: Period | None
    periods: list[Period]
    rows: list[TeamRow] = field(default_factory=list)
    total: int = 0
    scored: int = 0
    to_score: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    status_filter: str = ""

    @property
    def percent(self) -> int:
        return round(100 * self.scored / self.total) if self.total else 0


def team_board(*, scope: Scope, period_id: int | None = None, status: str = "") -> TeamBoard:
    """The list page: the team of one period in Vietnamese name order, each row with its
    lateness and the totals of the general criteria; the progress counts over the whole team
    (whatever the filter). Three queries: periods, counts, rows."""
    periods = team_periods(scope)
    period = next((p for p in periods if p.pk == period_id), None) if period_id else None
    if period is None:
        period = current_period(periods)
    board = TeamBoard(period=period, periods=periods, status_filter=status)
    if period is None:
        return board
    today = timezone.localdate()
    team = team_evaluations(scope).filter(period=period)
    # One GROUP BY status (cheap to build and to run); the progress figures follow from it.
    scorable = scorable_statuses(period, today)
    counted = dict(team.order_by().values_list("status").annotate(n=Count("pk")))
    board.by_status = {s.value: counted.get(s.value, 0) for s in Status}
    board.total = sum(board.by_status.values())
    board.scored = sum(board.by_status[s] for s in SCORED_STATUSES)
    board.to_score = sum(board.by_status[s] for s in scorable)
    rows = team
    if status == TO_SCORE:
        rows = rows.filter(status__in=scorable)
    elif status in Status.values:
        rows = rows.filter(status=status)
    rows = (
        rows.select_related("staff", "unit")
        .annotate(
            self_total=Sum("criterion_scores__self_points"),
            manager_total=Sum("criterion_scores__manager_points"),
        )
        .order_by(*TEAM_ORDER)
    )
    # What each row prints, worked out here: the template runs its loop up to 40 times.
    status_labels = {value: str(label) for value, label in Status.choices}
    level_names = {value: str(label) for value, label in RatingLevel.choices}
    board.rows = [
        TeamRow(
            evaluation=e,
            late=is_late(e, period, today),
            to_score=e.status in scorable,
            self_total=e.self_total,
            manager_total=e.manager_total,
            status_label=status_labels.get(e.status, e.status),
            level_title=level_names.get(e.final_level or e.proposed_level, ""),
            score_url=reverse("evaluation:team-score", args=[e.pk]),
        )
        for e in rows
    ]
    return board


STATUS_FILTERS = (
    (TO_SCORE, _("Cần chấm")),
    *Status.choices,
)


def team_evaluation(*, scope: Scope, pk: int) -> Evaluation | None:
    """One evaluation of the caller's team, with what the scoring form shows; None when it is
    not theirs to score (the page then answers 404)."""
    return (
        team_evaluations(scope)
        .select_related("period", "staff", "unit", "template", "staff__position")
        .filter(pk=pk)
        .first()
    )


@dataclass
class CriterionLine:
    criterion: Criterion
    self_points: Any
    manager_points: Any


def scoring_sheet(evaluation: Evaluation) -> tuple[list[CriterionLine], list[Any]]:
    """The criteria of the pinned template beside the person's and the manager's points, and
    the products (three queries)."""
    criteria = list(template_criteria(evaluation.template))
    scores = {s.criterion_id: s for s in CriterionScore.objects.filter(evaluation=evaluation)}
    lines = [
        CriterionLine(
            criterion=c,
            self_points=getattr(scores.get(c.pk), "self_points", None),
            manager_points=getattr(scores.get(c.pk), "manager_points", None),
        )
        for c in criteria
    ]
    products = list(evaluation.products.select_related("assigned_by", "confirmed_by"))
    return lines, products


def next_to_score(*, scope: Scope, evaluation: Evaluation) -> Evaluation | None:
    """The next person of the same period still to score, in the list's order after this one,
    wrapping round to the start; None when nobody is left (one query)."""
    candidates = list(
        team_evaluations(scope)
        .filter(period_id=evaluation.period_id)
        .filter(status__in=scorable_statuses(evaluation.period))
        .exclude(pk=evaluation.pk)
        .select_related("staff")
        .order_by(*TEAM_ORDER)
    )
    if not candidates:
        return None
    key = (evaluation.staff.sort_key, evaluation.staff.code, evaluation.pk)
    for candidate in candidates:
        if (candidate.staff.sort_key, candidate.staff.code, candidate.pk) > key:
            return candidate
    return candidates[0]
