"""The bridge from stored evaluations to the pure engine.

Builds ``PersonInput`` objects from evaluations (manager scores where given, else the person's
own), runs ``scoring.engine.rate_batch`` over a whole agency — the quota is counted per agency
and duty group, and leaders are bound by their direct reports — and returns the results by
evaluation id. Signed ratings enter as ``signed_level``: counted, never moved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, lru_cache

from django.db.models import Prefetch

from evaluation.models import (
    SIGNED_STATUSES,
    CriterionScore,
    Evaluation,
    Period,
    Product,
    QuotaException,
    Status,
)
from evaluation.models import AgencyRating as AgencyOwnRating
from scoring import engine
from scoring.engine import (
    BatchResult,
    MonthScore,
    PersonInput,
    PersonResult,
    ProductOutcome,
    UnitStanding,
)
from scoring.models import RuleSet
from scoring.rules import Discipline, Leadership, Level, RuleSetRules
from scoring.selectors import ruleset_rules
from staff.models import Agency, DutyGroup

RATED_STATUSES = (Status.MANAGER_SCORED, *SIGNED_STATUSES)
# What the manager sets for the engine besides the criteria points (the workflow's
# MANAGER_ONLY_FIELDS adds the comment).
MANAGER_INPUTS = (
    "task_points",
    "bonus",
    "deductions",
    "discipline",
    "degradation",
    "unit_corruption",
    "organising_percent",
    "unity_percent",
    "manager_conditions",
)


@lru_cache(maxsize=64)
def _rules_for(ruleset_pk: int) -> RuleSetRules:
    # Published rule sets never change (scoring.models), so their rules can be cached by pk.
    return ruleset_rules(ruleset=RuleSet.objects.get(pk=ruleset_pk))


def rules_for_period(period: Period) -> RuleSetRules:
    return _rules_for(period.ruleset_id)


@lru_cache(maxsize=64)
def _head_bound(ruleset_pk: int) -> bool:
    # A published rule set never changes: whether it binds the head by the agency's rating.
    return RuleSet.objects.values_list("head_bound_by_agency_rating", flat=True).get(pk=ruleset_pk)


AgencyCeiling = tuple[Level, str]


def is_agency_head(evaluation: Evaluation | RatedEvaluation) -> bool:
    """The head of the agency: leadership "head" with no manager inside it (rated by the
    superior authority, DOMAIN.md §1) — a head of unit has a manager."""
    return evaluation.leadership == "head" and evaluation.manager_id is None


def agency_ceilings(period: Period, agency_ids: Iterable[int]) -> dict[int, AgencyCeiling]:
    """For a year period whose rule set binds the head by the agency's own rating (DOMAIN.md
    §8): each agency's recorded level of that year and the decision's reference, by agency id.
    Empty for months, quarters, other rule sets and agencies not rated yet."""
    if period.kind != "year" or not _head_bound(period.ruleset_id):
        return {}
    rows = AgencyOwnRating.objects.filter(
        year=period.year, quarter__isnull=True, agency_id__in=list(agency_ids)
    ).values_list("agency_id", "level", "reference")
    return {agency_id: (Level[level], reference) for agency_id, level, reference in rows}


def evaluations_for_rating(queryset: Iterable[Evaluation] | None = None, **filters: object):
    """Evaluations with everything ``person_input`` reads, in a constant number of queries."""
    qs = Evaluation.objects.filter(**filters) if queryset is None else queryset
    return qs.select_related("staff", "agency", "duty_group", "period").prefetch_related(
        Prefetch(
            "criterion_scores",
            queryset=CriterionScore.objects.select_related("criterion").order_by(
                "criterion__order"
            ),
        ),
        Prefetch("products", queryset=Product.objects.order_by("id")),
    )


def _chosen(
    self_points: Decimal | None, manager_points: Decimal | None, source: str
) -> Decimal | None:
    """The manager's points where given (``source="manager"``), else the person's own."""
    value = manager_points if source == "manager" else None
    return self_points if value is None else value


def general_points(evaluation: Evaluation, *, source: str) -> dict[str, Decimal]:
    """Per-criterion points: the manager's where given (``source="manager"``), else the
    person's own; criteria nobody scored are absent (count 0)."""
    points: dict[str, Decimal] = {}
    for score in evaluation.criterion_scores.all():
        value = _chosen(score.self_points, score.manager_points, source)
        if value is not None:
            points[score.criterion.code] = value
    return points


def _outcome(
    weight: Decimal,
    completed: bool | None,
    major_errors: int,
    delays: int,
    objective_cause: bool,
) -> ProductOutcome:
    """A product with no reported outcome counts as not completed (the manager must confirm
    each before approval)."""
    return ProductOutcome(
        weight=weight,
        completed=bool(completed),
        major_errors=major_errors,
        delays=delays,
        objective_cause=objective_cause,
    )


def product_outcomes(evaluation: Evaluation) -> tuple[ProductOutcome, ...]:
    """Outcomes of the month's products."""
    return tuple(
        _outcome(p.weight, p.completed, p.major_errors, p.delays, p.objective_cause)
        for p in evaluation.products.all()
    )


def _agency_points_and_products(
    period: Period, agency_id: int
) -> tuple[dict[int, dict[str, Decimal]], dict[int, list[ProductOutcome]]]:
    """Every rated evaluation's manager-else-own points and product outcomes, by evaluation id,
    as plain rows: an agency of 6,000 people has 36,000 criterion scores, and building a model
    instance for each cost most of its approval board (docs/performance.md)."""
    rated = {
        "evaluation__period": period,
        "evaluation__agency_id": agency_id,
        "evaluation__status__in": RATED_STATUSES,
    }
    points: dict[int, dict[str, Decimal]] = {}
    for evaluation_id, code, own, manager in (
        CriterionScore.objects.filter(**rated)
        .order_by("criterion__order")
        .values_list("evaluation_id", "criterion__code", "self_points", "manager_points")
    ):
        value = _chosen(own, manager, "manager")
        if value is not None:
            points.setdefault(evaluation_id, {})[code] = value
    products: dict[int, list[ProductOutcome]] = {}
    for evaluation_id, *outcome in (
        Product.objects.filter(**rated)
        .order_by("id")
        .values_list(
            "evaluation_id", "weight", "completed", "major_errors", "delays", "objective_cause"
        )
    ):
        products.setdefault(evaluation_id, []).append(_outcome(*outcome))
    return points, products


def conditions_met(
    evaluation: Evaluation | RatedEvaluation, *, source: str = "manager"
) -> frozenset[str] | None:
    """The level conditions ticked as met (conditions-based templates, Decree 90/48): the
    manager's where given (``source="manager"``), else the person's own; None = not assessed."""
    chosen = evaluation.manager_conditions if source == "manager" else None
    if chosen is None:
        chosen = evaluation.self_conditions
    return None if chosen is None else frozenset(chosen)


def person_input(
    evaluation: Evaluation | RatedEvaluation,
    *,
    subordinates: Sequence[str] = (),
    months: Sequence[MonthScore] = (),
    source: str = "manager",
    signed: bool = True,
    general: dict[str, Decimal] | None = None,
    products: Sequence[ProductOutcome] | None = None,
    unit: UnitStanding | None = None,
    agency_ceiling: AgencyCeiling | None = None,
) -> PersonInput:
    """The engine's view of one evaluation (``general`` and ``products``, when given, are
    what ``general_points`` and ``product_outcomes`` would read from its prefetched rows;
    ``agency_ceiling``, for the head's year, the agency's own level and its reference)."""
    level = evaluation.final_level
    return PersonInput(
        code=evaluation.staff.code,
        agency=evaluation.agency.code,
        duty_group=evaluation.duty_group.code if evaluation.duty_group else "",
        category=evaluation.staff.category,
        leader=Leadership(evaluation.leadership or "none"),
        subordinates=tuple(subordinates),
        general=general_points(evaluation, source=source) if general is None else general,
        products=product_outcomes(evaluation) if products is None else tuple(products),
        task_points=evaluation.task_points,
        bonus=evaluation.bonus,
        deductions=evaluation.deductions,
        discipline=Discipline(evaluation.discipline or "none"),
        degradation=evaluation.degradation,
        unit_corruption=evaluation.unit_corruption,
        organising=evaluation.organising_percent,
        unity=evaluation.unity_percent,
        unit=unit,
        conditions_met=conditions_met(evaluation, source=source),
        months_worked=evaluation.months_worked,
        months=tuple(months),
        maternity_leave=evaluation.maternity_leave,
        approver_max_level=Level[evaluation.approver_max_level]
        if evaluation.approver_max_level
        else None,
        approver_reason=evaluation.approver_reason,
        signed_level=Level[level]
        if signed and level and evaluation.status in SIGNED_STATUSES
        else None,
        agency_level_ceiling=agency_ceiling[0] if agency_ceiling else None,
        agency_rating_reference=agency_ceiling[1] if agency_ceiling else "",
    )


def is_tracked(period: Period) -> bool:
    """Whether ``period`` is its rule set's tracked period (a month, or a quarterly rule set's
    quarter), scored from its own criteria and products rather than from ``monthly_scores``."""
    return engine.is_tracked(period.rated_period, rules_for_period(period))


def monthly_scores(
    evaluations: Sequence[Evaluation | RatedEvaluation], period: Period
) -> dict[int, list[MonthScore]]:
    """For a quarter or year: each person's signed scores of the tracked periods inside it
    (the months; a quarterly rule set's quarters), by staff id."""
    cycle = rules_for_period(period).cycle
    labels = period.rated_period.tracked_labels(cycle)
    rows = Evaluation.objects.filter(
        staff_id__in=[e.staff_id for e in evaluations],
        period__ruleset__code=period.ruleset.code,
        period__kind=cycle.value,
        period__label__in=labels,
        status__in=SIGNED_STATUSES,
        score__isnull=False,
    ).values_list("staff_id", "period__label", "score")
    months: dict[int, list[MonthScore]] = {}
    for staff_id, label, score in rows:
        months.setdefault(staff_id, []).append(MonthScore(label, score))
    return months


@dataclass(frozen=True, slots=True)
class Code:
    code: str


@dataclass(frozen=True, slots=True)
class RatedStaff:
    code: str
    full_name: str
    category: str


@dataclass(frozen=True, slots=True)
class RatedEvaluation:
    """What rating an agency reads of one evaluation, from one plain row; ``person_input``
    takes it as it takes an ``Evaluation``. The largest agency's 1,136 scored evaluations took
    50 ms to build as model instances with their staff, and 5 ms to read as rows: its approval
    board reads them on every page (docs/performance.md)."""

    pk: int
    staff_id: int
    unit_id: int
    manager_id: int | None
    staff: RatedStaff
    agency: Code
    duty_group: Code | None
    leadership: str
    status: str
    final_level: str
    task_points: Decimal | None
    bonus: Decimal
    deductions: Decimal
    discipline: str
    degradation: bool
    unit_corruption: bool
    organising_percent: Decimal | None
    unity_percent: Decimal | None
    manager_conditions: list[str] | None
    self_conditions: list[str] | None
    months_worked: int | None
    maternity_leave: bool
    approver_max_level: str
    approver_reason: str


# The evaluation's own columns of a ``RatedEvaluation`` (besides its id, staff, agency and duty
# group), read and passed by these names.
RATED_COLUMNS = (
    "staff_id",
    "unit_id",
    "manager_id",
    "leadership",
    "status",
    "final_level",
    *MANAGER_INPUTS,
    "self_conditions",
    "months_worked",
    "maternity_leave",
    "approver_max_level",
    "approver_reason",
)


def _rated_evaluations(period: Period, agency_id: int) -> list[RatedEvaluation]:
    """The agency's scored and signed evaluations of the period, by id, as plain rows."""
    agency = Code(Agency.objects.values_list("code", flat=True).get(pk=agency_id))
    groups = {pk: Code(code) for pk, code in DutyGroup.objects.values_list("pk", "code")}
    rows = (
        period.evaluations.filter(agency_id=agency_id, status__in=RATED_STATUSES)
        # By id, not the model's ordering (period, agency, unit path, name): that joined and
        # sorted the whole agency for nothing — 100 ms of a 5,875-person board.
        .order_by("pk")
        .values_list(
            "pk",
            "duty_group_id",
            "staff__code",
            "staff__full_name",
            "staff__category",
            *RATED_COLUMNS,
        )
    )
    return [
        RatedEvaluation(
            pk=pk,
            staff=RatedStaff(code, full_name, category),
            agency=agency,
            duty_group=groups.get(duty_group_id),
            **dict(zip(RATED_COLUMNS, columns, strict=True)),
        )
        for pk, duty_group_id, code, full_name, category, *columns in rows
    ]


@dataclass(frozen=True)
class AgencyRating:
    """The engine's answer for one agency and period, by evaluation id: ``rated`` holds what
    the engine read of each evaluation (enough to list them); ``evaluations``, the model
    instances, is read on first use, by the services that need them."""

    batch: BatchResult
    by_evaluation: dict[int, PersonResult]
    rated: dict[int, RatedEvaluation]

    @cached_property
    def evaluations(self) -> dict[int, Evaluation]:
        loaded = (
            Evaluation.objects.select_related("staff")
            .prefetch_related("agency", "duty_group")
            .in_bulk(list(self.rated))
        )
        return {pk: loaded[pk] for pk in self.rated}


def rate_agency(period: Period, agency_id: int, *, unsigned: Iterable[int] = ()) -> AgencyRating:
    """Rate every scored evaluation of one agency in one period, as the approver sees it.

    ``unsigned``: evaluation ids treated as not yet signed (the batch being approved, or an
    appeal being revised), so the engine may still move them; every other signed rating keeps
    its level and its place in the quota.
    """
    unsigned = set(unsigned)
    evaluations = _rated_evaluations(period, agency_id)
    points, products = _agency_points_and_products(period, agency_id)
    reports: dict[int, list[str]] = {}
    for evaluation in evaluations:
        if evaluation.manager_id:
            reports.setdefault(evaluation.manager_id, []).append(evaluation.staff.code)
    months = {} if is_tracked(period) else monthly_scores(evaluations, period)
    ceiling = agency_ceilings(period, [agency_id]).get(agency_id)
    inputs = [
        person_input(
            evaluation,
            subordinates=reports.get(evaluation.staff_id, ()),
            months=months.get(evaluation.staff_id, ()),
            signed=evaluation.pk not in unsigned,
            general=points.get(evaluation.pk, {}),
            products=products.get(evaluation.pk, ()),
            agency_ceiling=ceiling if is_agency_head(evaluation) else None,
        )
        for evaluation in evaluations
    ]
    exceptions = [
        engine.QuotaException(
            agency=e.agency.code,
            duty_group=e.duty_group.code if e.duty_group else "",
            ceiling=e.ceiling,
            reference=e.reference,
        )
        for e in QuotaException.objects.filter(period=period, agency_id=agency_id).select_related(
            "agency", "duty_group"
        )
    ]
    batch = engine.rate_batch(inputs, rules_for_period(period), period.rated_period, exceptions)
    by_evaluation = {e.pk: r for e, r in zip(evaluations, batch.people, strict=True)}
    return AgencyRating(batch, by_evaluation, {e.pk: e for e in evaluations})


def rate_one(evaluation: Evaluation, *, source: str = "manager") -> PersonResult:
    """The proposal for one person alone: score, band, overrides, caps (no gates, no quota),
    shown live to the person and the manager while they score."""
    period = evaluation.period
    months = (
        ()
        if is_tracked(period)
        else monthly_scores([evaluation], period).get(evaluation.staff_id, ())
    )
    rules = rules_for_period(period)
    return engine.rate_individual(
        person_input(
            evaluation,
            months=months,
            source=source,
            signed=False,
            unit=leader_unit(evaluation, rules),
        ),
        rules,
        period.rated_period,
    )


def leader_unit(evaluation: Evaluation, rules: RuleSetRules) -> UnitStanding | None:
    """For a leader under Decree 335's components rated alone (the live proposal, the
    manager's submission): how the people under them scored so far, read as the approval's
    batch reads them — the scored evaluations of the same period and agency reached through
    ``manager`` from the leader, transitively. None for anyone else. At approval the engine
    recomputes it from the batch's own final scores."""
    if not rules.template.leader_components or evaluation.leadership in ("", "none"):
        return None
    return engine.unit_standing(subtree_scores(evaluation), rules)


def subtree_scores(evaluation: Evaluation) -> list[Decimal]:
    """The stored scores of everyone under ``evaluation``'s person in its period and agency
    (scored or signed, reached through scored or signed evaluations): one query per level."""
    scores: list[Decimal] = []
    seen = {evaluation.staff_id}
    frontier = [evaluation.staff_id]
    while frontier:
        rows = Evaluation.objects.filter(
            period_id=evaluation.period_id,
            agency_id=evaluation.agency_id,
            manager_id__in=frontier,
            status__in=RATED_STATUSES,
        ).values_list("staff_id", "score")
        frontier = []
        for staff_id, score in rows:
            if staff_id in seen:
                continue
            seen.add(staff_id)
            frontier.append(staff_id)
            if score is not None:
                scores.append(score)
    return scores


def reasons_json(result: PersonResult) -> list[dict[str, str]]:
    """Reasons as stored on the evaluation: code and both messages, frozen as signed."""
    return [
        {"code": r.code, "message": r.message, "message_en": r.message_en} for r in result.reasons
    ]
