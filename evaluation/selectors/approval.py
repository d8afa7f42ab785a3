"""Reads for the approval board and the appeals inbox (head of agency / head's delegate).

The board rates the agency ONCE (``evaluation.rating.rate_agency``) and splits the result by
unit — what ``approval_preview`` gives for one unit, for all of them, in a constant number of
queries. The quota meter's live figures (the JS recomputes them as levels change) come from
the same engine; the server stays the judge when the approver signs (``unit_approve``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from evaluation.models import (
    Appeal,
    AppealStatus,
    Evaluation,
    Period,
    QuotaException,
    Status,
)
from evaluation.rating import AgencyRating, RatedEvaluation, rate_agency, rules_for_period
from evaluation.services.approval import exception_maximum, leaders_blocked
from scoring import engine
from scoring.coverage import coverage_resolve
from scoring.models import RatingLevel
from scoring.rules import Level, QuotaScope
from staff.access import Scope, head_of_agency_records, is_head_of_agency
from staff.models import Agency, DutyGroup, Unit

NOT_SCORED = (Status.DRAFT, Status.SELF_ASSESSED)


def approver_agencies(scope: Scope) -> QuerySet[Agency]:
    """The agencies whose head or head's delegate the caller is (nobody else approves)."""
    return Agency.objects.filter(pk__in=sorted(scope.approver_agency_ids)).order_by("code")


def agency_periods(agency: Agency, *, today: dt.date | None = None) -> list[Period]:
    """Every period of the agency, newest first, each month once per rule set: those it holds
    evaluations in, and those of the rule sets rating some of its staff today (DOMAIN.md §5:
    công chức and viên chức of one agency are rated under two rule sets in the same month).
    Three queries."""
    codes = coverage_resolve(
        on=today or timezone.localdate(), agency_ids=[agency.pk]
    ).codes_of_agency(agency.pk)
    held = Evaluation.objects.filter(agency=agency).values("period_id")
    return list(
        Period.objects.filter(Q(pk__in=held) | Q(ruleset__code__in=codes))
        .select_related("ruleset")
        .order_by("-year", "-index", "kind", "ruleset__code")
    )


def level_options(ceiling: str | None) -> list[tuple[str, str]]:
    """The levels an approver may choose for a proposal: its ceiling and every lower one."""
    if not ceiling:
        return []
    top = Level[ceiling]
    return [
        (level.name, RatingLevel(level.name).label)
        for level in sorted(Level, reverse=True)
        if level <= top
    ]


def quota_limit(*, percent: Decimal, base: str, above_good: int, rated: int) -> int:
    """The group's HTXSNV ceiling for the given counts, from the engine's own formula.

    ``engine.quota_allowed`` also caps the answer by the number of candidates; passing every
    rated person as a candidate leaves only the rule (⌊p(e+g)/(1+p)⌋, or ⌊p·rated⌋).
    """
    return engine.quota_allowed(
        percent=percent,
        candidates=rated,
        good=above_good - rated,
        rated=rated,
        base=engine.QuotaBase(base),
    )


@dataclass
class Row:
    """One proposal of the unit as the approver sees it."""

    evaluation: int
    staff: str
    full_name: str
    duty_group: str
    group: str
    leadership: str
    status: str
    status_label: str
    score: Decimal | None
    band: str
    level: str
    ceiling: str
    reasons: list[dict[str, str]]
    selectable: bool
    own: bool
    # The head of the agency: rated and signed by the superior authority (DOMAIN.md §1).
    superior: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    selected: str = ""
    reason: str = ""
    level_errors: list[dict[str, str]] = field(default_factory=list)
    reason_errors: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Meter:
    """The HTXSNV meter of one duty group (or the whole agency), for one unit's form: the
    figures of every rating outside the form are fixed, the form's own rows are counted live."""

    group: str
    name: str
    percent: Decimal
    percent_num: int
    percent_den: int
    base: str
    exception: str
    exception_ceiling: int | None
    fixed_excellent: int = 0
    fixed_good: int = 0
    fixed_rated: int = 0
    used: int = 0
    allowed: int = 0

    @property
    def over(self) -> bool:
        return self.used > self.allowed

    def recount(self, rows: list[Row]) -> None:
        """used / allowed with the form's rows at their chosen levels."""
        mine = [r for r in rows if r.selectable and r.group == self.group and r.selected]
        excellent = self.fixed_excellent + sum(1 for r in mine if r.selected == "HTXSNV")
        good = self.fixed_good + sum(1 for r in mine if r.selected == "HTTNV")
        rated = self.fixed_rated + len(mine)
        self.used = excellent
        if self.exception_ceiling is not None:
            self.allowed = self.exception_ceiling
        else:
            self.allowed = quota_limit(
                percent=self.percent, base=self.base, above_good=excellent + good, rated=rated
            )


@dataclass
class UnitBoard:
    unit: Unit
    rows: list[Row]
    meters: list[Meter]
    blocked: list[dict[str, Any]]
    not_scored: int
    approved: int
    # Proposals the caller may sign (counted for every unit, listed only for those shown).
    pending: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    otp_required: bool = False


@dataclass
class AgencyBoard:
    period: Period
    agency: Agency
    units: list[UnitBoard]
    quota: list[dict[str, Any]]
    counts: dict[str, int]
    exceptions: list[QuotaException]
    open_appeals: int
    # The rule set's ceiling for an exception (percent; None: no exception allowed).
    exception_percent: Decimal | None = None
    # A large agency's board lists one unit's proposals at a time; ``shown`` is what to render.
    paged: bool = False
    shown: list[UnitBoard] = field(default_factory=list)

    @property
    def not_scored(self) -> int:
        return sum(self.counts.get(s, 0) for s in NOT_SCORED)

    @property
    def pending(self) -> int:
        return self.counts.get(Status.MANAGER_SCORED, 0)

    @property
    def approved(self) -> int:
        return self.counts.get(Status.APPROVED, 0)

    @property
    def published(self) -> int:
        return sum(
            self.counts.get(s, 0) for s in (Status.PUBLISHED, Status.UNDER_APPEAL, Status.CLOSED)
        )

    @property
    def waiting(self) -> int:
        return sum(self.counts.get(s, 0) for s in (*NOT_SCORED, Status.MANAGER_SCORED))

    @property
    def publishable(self) -> bool:
        return self.period.is_open and not self.waiting and self.counts.get(Status.APPROVED, 0) > 0


def _unit_order(units: dict[int, Unit], facts: list[dict[str, Any]]) -> list[Unit]:
    """Units in the order the service accepts them: a leader's unit after the units of the
    people the leader manages (bottom-up: leaders after their units, DOMAIN.md §4.4), then by
    the unit tree."""
    unit_of_staff = {f["staff_id"]: f["unit_id"] for f in facts}
    after: dict[int, set[int]] = defaultdict(set)  # unit -> units that must come before it
    for f in facts:
        boss_unit = unit_of_staff.get(f["manager_id"])
        if boss_unit is not None and boss_unit != f["unit_id"]:
            after[boss_unit].add(f["unit_id"])
    order: list[int] = []
    state: dict[int, int] = {}

    def visit(pk: int) -> None:
        if state.get(pk):
            return  # done, or a cycle (left to the service to refuse)
        state[pk] = 1
        for before in sorted(after[pk], key=lambda u: units[u].path):
            visit(before)
        state[pk] = 2
        order.append(pk)

    for pk in sorted(units, key=lambda u: units[u].path):
        visit(pk)
    return [units[pk] for pk in order]


@dataclass(frozen=True)
class _QuotaFigures:
    """What the quota meters are drawn from (DOMAIN.md §4.5: the quota is counted per agency
    and duty group, on the final ratings): every rated person of each quota group at the
    engine's levels, the engine's count of each group, the recorded exceptions and the duty
    groups' names."""

    totals: dict[str, dict[str, int]]
    engine: dict[str, Any]
    exceptions: dict[str, QuotaException]
    names: dict[str, str]


@dataclass(frozen=True)
class _UnitTallies:
    """What the board shows of every unit, listed or not, counted from the facts and the one
    rating of the agency without building any unit's rows."""

    not_scored: defaultdict[int, int]
    approved: defaultdict[int, int]
    waiting: defaultdict[int, int]  # proposals the caller may sign
    blocked: defaultdict[int, list[dict[str, Any]]]


def approval_board(
    *, period: Period, agency: Agency, scope: Scope, unit_code: str | None = None
) -> AgencyBoard:
    """Every unit of the agency with its counts and gates, and the proposals, reasons and
    quota meters of the units shown: all of them, or — above
    ``settings.APPROVAL_BOARD_ALL_UNITS_UP_TO`` people — one (``unit_code``, default the first
    with proposals waiting). About a dozen queries whatever the number of people: the agency
    is rated once and the result split by unit."""
    facts = _evaluation_facts(period, agency)
    units = {u.pk: u for u in Unit.objects.filter(pk__in={f["unit_id"] for f in facts})}
    rating = rate_agency(period, agency.pk)
    agency_wide = rules_for_period(period).quota_scope is QuotaScope.AGENCY
    tallies = _unit_tallies(period, facts, rating, scope)
    group_names = dict(DutyGroup.objects.values_list("code", "name"))
    exceptions = _quota_exceptions(period, agency)
    figures = _quota_figures(rating, agency_wide, exceptions, group_names)
    ordered = _unit_order(units, facts)
    paged, listed = _listed_units(ordered, tallies.waiting, unit_code, people=len(facts))
    rows_by_unit = _rows_by_unit(rating, listed, scope, agency_wide)
    boards = _unit_boards(ordered, rows_by_unit, tallies, figures)
    exception_percent = period.ruleset.quota_exception_max_percent
    return AgencyBoard(
        period=period,
        agency=agency,
        units=boards,
        quota=_quota_rows(rating, figures, exception_percent),
        exception_percent=exception_percent,
        counts=_status_counts(facts),
        exceptions=exceptions,
        open_appeals=_open_appeal_count(period, agency),
        paged=paged,
        shown=[b for b in boards if b.unit.pk in listed],
    )


def _evaluation_facts(period: Period, agency: Agency) -> list[dict[str, Any]]:
    """The few columns of every evaluation of the agency the board counts and orders units by.

    Unordered (by id): the model's default ordering joins four tables and sorts the agency."""
    return list(
        Evaluation.objects.filter(period=period, agency=agency)
        .order_by("pk")
        .values("pk", "unit_id", "staff_id", "manager_id", "status")
    )


def _status_counts(facts: list[dict[str, Any]]) -> dict[str, int]:
    """How many evaluations of the agency stand at each step of the workflow (DOMAIN.md §6)."""
    counts: dict[str, int] = defaultdict(int)
    for f in facts:
        counts[f["status"]] += 1
    return dict(counts)


def _quota_exceptions(period: Period, agency: Agency) -> list[QuotaException]:
    """The recorded decisions lifting a group's HTXSNV ceiling (DOMAIN.md §4.5), by group."""
    return list(
        QuotaException.objects.filter(period=period, agency=agency)
        .select_related("duty_group", "decided_by")
        .order_by("duty_group__code")
    )


def _unit_tallies(
    period: Period, facts: list[dict[str, Any]], rating: AgencyRating, scope: Scope
) -> _UnitTallies:
    """Per unit: proposals not yet scored, those past approval, those the caller may sign and
    the leaders who must wait for their units — for every unit, so a paged board still shows
    each unit's figures in its list."""
    not_scored: defaultdict[int, int] = defaultdict(int)
    approved: defaultdict[int, int] = defaultdict(int)
    for f in facts:
        if f["status"] in NOT_SCORED:
            not_scored[f["unit_id"]] += 1
        elif f["status"] != Status.MANAGER_SCORED:
            approved[f["unit_id"]] += 1
    waiting: defaultdict[int, int] = defaultdict(int)
    for pk, result in rating.by_evaluation.items():
        evaluation = rating.rated[pk]
        if result.level and _selectable(evaluation, scope, result):
            waiting[evaluation.unit_id] += 1
    return _UnitTallies(
        not_scored=not_scored,
        approved=approved,
        waiting=waiting,
        blocked=_blocked_by_unit(period, facts, rating),
    )


def _blocked_by_unit(
    period: Period, facts: list[dict[str, Any]], rating: AgencyRating
) -> defaultdict[int, list[dict[str, Any]]]:
    """The leaders waiting for approval whose direct reports are not scored yet, by unit and
    staff code: leaders are approved after their units (DOMAIN.md §4.4), so the board shows
    why their unit cannot be signed yet. Two queries (``leaders_blocked``)."""
    pending = [f["pk"] for f in facts if f["status"] == Status.MANAGER_SCORED]
    blocked_by_pk = {b["evaluation"]: b for b in leaders_blocked(period, pending)}
    blocked: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for pk in sorted(blocked_by_pk, key=lambda pk: rating.rated[pk].staff.code):
        evaluation = rating.rated[pk]
        # The head of the agency waits for the superior authority, not for the agency's
        # approver (DOMAIN.md §1): the note says so rather than "wait for their units".
        blocked[evaluation.unit_id].append(
            blocked_by_pk[pk]
            | {"full_name": evaluation.staff.full_name, "superior": is_head_of_agency(evaluation)}
        )
    return blocked


def _quota_figures(
    rating: AgencyRating,
    agency_wide: bool,
    exceptions: list[QuotaException],
    group_names: dict[str, str],
) -> _QuotaFigures:
    """Every rated person of each quota group, at the engine's levels (DOMAIN.md §4.5 counts
    the quota on the whole group, not the unit being signed): a unit's form then takes its own
    rows out, as those are counted live at the levels the approver chooses."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for pk, result in rating.by_evaluation.items():
        evaluation = rating.rated[pk]
        if result.level:
            group = totals[_group(evaluation, agency_wide)]
            group["rated"] += 1
            group[result.level.name] += 1
    return _QuotaFigures(
        totals=totals,
        engine={q.duty_group: q for q in rating.batch.quota},
        exceptions={(e.duty_group.code if e.duty_group else ""): e for e in exceptions},
        names=group_names,
    )


def _listed_units(
    ordered: list[Unit], waiting: Mapping[int, int], unit_code: str | None, *, people: int
) -> tuple[bool, set[int]]:
    """Whether the board is paged, and the units whose proposals it lists: every unit of an
    agency up to ``settings.APPROVAL_BOARD_ALL_UNITS_UP_TO`` people (one page stays light
    enough to render), else the unit asked for, or the first with proposals waiting."""
    paged = people > settings.APPROVAL_BOARD_ALL_UNITS_UP_TO and bool(ordered)
    if not paged:
        return paged, {u.pk for u in ordered}
    chosen = next((u for u in ordered if u.code == unit_code), None)
    chosen = chosen or next((u for u in ordered if waiting[u.pk]), ordered[0])
    return paged, {chosen.pk}


def _rows_by_unit(
    rating: AgencyRating, listed: set[int], scope: Scope, agency_wide: bool
) -> defaultdict[int, list[Row]]:
    """The proposals of the listed units only: a paged board builds no rows it won't show."""
    rows_by_unit: defaultdict[int, list[Row]] = defaultdict(list)
    for pk, result in rating.by_evaluation.items():
        evaluation = rating.rated[pk]
        if evaluation.unit_id in listed:
            rows_by_unit[evaluation.unit_id].append(_row(evaluation, result, scope, agency_wide))
    return rows_by_unit


def _unit_boards(
    ordered: list[Unit],
    rows_by_unit: Mapping[int, list[Row]],
    tallies: _UnitTallies,
    figures: _QuotaFigures,
) -> list[UnitBoard]:
    """One board per unit in signing order, with the meters of the unit's form; within a
    unit, staff first and leaders last, as leaders are finalised after the people they lead
    (DOMAIN.md §4.4)."""
    boards = []
    for unit in ordered:
        rows = sorted(
            rows_by_unit.get(unit.pk, []), key=lambda r: (r.leadership != "none", r.staff)
        )
        boards.append(
            UnitBoard(
                unit=unit,
                rows=rows,
                meters=_meters(
                    rows, figures.totals, figures.engine, figures.exceptions, figures.names
                ),
                blocked=tallies.blocked[unit.pk],
                not_scored=tallies.not_scored[unit.pk],
                approved=tallies.approved[unit.pk],
                pending=tallies.waiting[unit.pk],
            )
        )
    return boards


def _quota_rows(
    rating: AgencyRating, figures: _QuotaFigures, exception_percent: Decimal | None
) -> list[dict[str, Any]]:
    """The agency's quota meter per group as the engine counted it (DOMAIN.md §4.5), with the
    ceiling the rule or a recorded exception allows, and the largest ceiling an exception may
    set now (None: the rule set allows none)."""
    return [
        {
            "group": q.duty_group,
            "name": figures.names.get(q.duty_group, q.duty_group) if q.duty_group else "",
            "used": len(q.kept),
            "allowed": _group_allowed(q, figures.exceptions.get(q.duty_group)),
            "candidates": q.candidates,
            "good": q.good,
            "percent": q.percent,
            "moved_down": len(q.moved_down),
            "exception": q.exception or "",
            "exception_max": None
            if exception_percent is None
            else exception_maximum(percent=exception_percent, quota=q),
        }
        for q in rating.batch.quota
    ]


def _open_appeal_count(period: Period, agency: Agency) -> int:
    """Appeals of the period still waiting for the approver (DOMAIN.md §6: appeal)."""
    return Appeal.objects.filter(
        status=AppealStatus.OPEN, evaluation__period=period, evaluation__agency=agency
    ).count()


def _meters(
    rows: list[Row],
    totals: dict[str, dict[str, int]],
    quota_by_group: dict[str, Any],
    exception_by_group: dict[str, QuotaException],
    group_names: dict[str, str],
) -> list[Meter]:
    """One unit form's quota meters, one per quota group of its signable rows: every other
    rating of the group fixed at the engine's level, the form's own rows counted live."""
    meters = []
    for key in sorted({r.group for r in rows if r.selectable}):
        q = quota_by_group.get(key)
        if q is None:
            continue
        exception = exception_by_group.get(key)
        fraction = Fraction(q.percent / 100)
        meter = Meter(
            group=key,
            name=group_names.get(key, key) if key else "",
            percent=q.percent / 100,
            percent_num=fraction.numerator,
            percent_den=fraction.denominator,
            base=q.base.value,
            exception=exception.reference if exception else "",
            exception_ceiling=exception.ceiling if exception else None,
        )
        own = [r for r in rows if r.selectable and r.group == key]
        meter.fixed_rated = totals[key]["rated"] - len(own)
        meter.fixed_excellent = totals[key]["HTXSNV"] - sum(r.level == "HTXSNV" for r in own)
        meter.fixed_good = totals[key]["HTTNV"] - sum(r.level == "HTTNV" for r in own)
        meter.recount(rows)
        meters.append(meter)
    return meters


def _group(evaluation: RatedEvaluation, agency_wide: bool) -> str:
    """The quota group of an evaluation: its duty group, or "" when the quota is agency-wide."""
    if agency_wide or evaluation.duty_group is None:
        return ""
    return evaluation.duty_group.code


def _selectable(evaluation: RatedEvaluation, scope: Scope, result: Any) -> bool:
    """Whether the caller signs this proposal now in a unit's batch: scored, rated, not their
    own and not the head of the agency's (the superior signs it, DOMAIN.md §1)."""
    own = evaluation.staff_id == scope.own_staff_id
    return (
        evaluation.status == Status.MANAGER_SCORED
        and not own
        and not is_head_of_agency(evaluation)
        and result.level is not None
    )


def _row(evaluation: RatedEvaluation, result: Any, scope: Scope, agency_wide: bool) -> Row:
    """One proposal as the approver sees it."""
    codes = {r.code for r in result.reasons}
    level = result.level.name if result.level else ""
    ceiling = "HTXSNV" if "quota.moved_down" in codes else level
    selectable = _selectable(evaluation, scope, result)
    return Row(
        evaluation=evaluation.pk,
        staff=evaluation.staff.code,
        full_name=evaluation.staff.full_name,
        duty_group=evaluation.duty_group.code if evaluation.duty_group else "",
        group=_group(evaluation, agency_wide),
        leadership=evaluation.leadership,
        status=evaluation.status,
        status_label=Status(evaluation.status).label,
        score=result.score,
        band=result.band.name if result.band else "",
        level=level,
        ceiling=ceiling,
        reasons=_reasons(result.reasons),
        selectable=selectable,
        own=evaluation.staff_id == scope.own_staff_id,
        superior=is_head_of_agency(evaluation),
        options=level_options(ceiling) if selectable else [],
        selected=level,
    )


def _group_allowed(q: Any, exception: QuotaException | None) -> int:
    """How many may hold HTXSNV in the group: the exception's ceiling, else the rule's —
    not capped by today's number of candidates, so room left shows as room."""
    if exception is not None:
        return exception.ceiling
    return quota_limit(
        percent=q.percent / 100, base=q.base.value, above_good=q.candidates + q.good, rated=q.rated
    )


def _reasons(reasons: list[Any]) -> list[dict[str, str]]:
    """Each step of the rating in words (both languages; the template shows the active one)."""
    return [
        {
            "code": r.code,
            "kind": r.code.split(".")[0],
            "message": r.message,
            "message_en": r.message_en,
        }
        for r in reasons
    ]


def _appeals_to_resolve(scope: Scope) -> Q:
    """The appeals the caller decides (``Scope.can_sign``): those of the agencies they approve
    for, but the head's; every head of agency's for the province approver (DOMAIN.md §1);
    never one on their own evaluation."""
    heads = head_of_agency_records("evaluation__")
    q = Q(evaluation__agency_id__in=sorted(scope.approver_agency_ids)) & ~heads
    if scope.approves_heads():
        q |= heads
    if scope.own_staff_id is not None:
        q &= ~Q(evaluation__staff_id=scope.own_staff_id)
    return q


def decides_appeals(scope: Scope) -> bool:
    """Who has an appeals inbox: the agencies' approvers and the province approver."""
    return bool(scope.approver_agency_ids) or scope.approves_heads()


def open_appeals(scope: Scope) -> QuerySet[Appeal]:
    """Open appeals the caller decides, oldest first (one query)."""
    return (
        Appeal.objects.filter(_appeals_to_resolve(scope), status=AppealStatus.OPEN)
        .select_related(
            "evaluation__staff",
            "evaluation__period",
            "evaluation__agency",
            "evaluation__unit",
            "evaluation__duty_group",
        )
        .order_by("filed_at", "pk")
    )


def recent_resolved_appeals(scope: Scope, limit: int = 20) -> list[Appeal]:
    return list(
        Appeal.objects.filter(_appeals_to_resolve(scope))
        .exclude(status=AppealStatus.OPEN)
        .select_related("evaluation__staff", "evaluation__period", "resolved_by")
        .order_by("-resolved_at", "-pk")[:limit]
    )


def appeal_or_none(scope: Scope, pk: int) -> Appeal | None:
    """An appeal the caller decides, or None (the page answers 404)."""
    return (
        Appeal.objects.filter(_appeals_to_resolve(scope), pk=pk)
        .select_related(
            "evaluation__staff",
            "evaluation__period",
            "evaluation__agency",
            "evaluation__unit",
            "evaluation__duty_group",
            "resolved_by",
        )
        .first()
    )


def appeal_group_quota(appeal: Appeal) -> dict[str, Any] | None:
    """The quota of the appellant's group now, signed ratings as they stand: how many hold
    HTXSNV and how many may (a revision to HTXSNV needs room, or an exception)."""
    evaluation = appeal.evaluation
    rating = rate_agency(evaluation.period, evaluation.agency_id)
    agency_wide = rules_for_period(evaluation.period).quota_scope is QuotaScope.AGENCY
    key = "" if agency_wide else (evaluation.duty_group.code if evaluation.duty_group else "")
    exceptions = QuotaException.objects.filter(
        period=evaluation.period, agency_id=evaluation.agency_id
    )
    exception = (
        exceptions.filter(duty_group__code=key) if key else exceptions.filter(duty_group=None)
    ).first()
    for q in rating.batch.quota:
        if q.duty_group == key:
            return {
                "group": key,
                "used": len(q.kept),
                "allowed": _group_allowed(q, exception),
                "exception": q.exception or "",
            }
    return None
