"""The rating engine: scores to the four levels, exactly as DOMAIN.md sections 2–5 say.

Pure functions on plain data (``scoring.rules`` in, ``PersonResult`` out): no ORM, no I/O, so the
same code rates one person on a form, a whole province at month end, and an offline batch in the
simulator. Arithmetic is exact: inputs are ``Decimal``; the one division (task points) is carried
as an exact ratio and the total is rounded half-up to two decimals once, at the end; quota
ceilings use ``Fraction``. The steps run in the order the rules fix:

1. score (components and total, or the mean of the months worked for a quarter or year);
2. band (level from the rounded total);
3. overrides to KHTNV (discipline, degradation, unit corruption for leaders);
4. caps (by months worked, e.g. the annual 6-month and 6-to-9-month rules);
5. leader gates (a leader is bound by the levels of their direct subordinates, read after
   steps 3–4 and after the subordinates' own gates, before the quota);
6. quota (per agency and duty group, on the final ratings).

Every decision appends a ``Reason``: a stable machine code plus a Vietnamese message (and its
English translation) with the numbers that led to it, so that a person sees *why*.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import (
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from fractions import Fraction
from typing import Any

from scoring.periods import Period
from scoring.reasons import Reason
from scoring.rules import (
    DISCIPLINE_SEVERITY,
    Band,
    ConditionScope,
    Discipline,
    Leadership,
    Level,
    LevelConditionRule,
    PeriodKind,
    QuotaBase,
    QuotaScope,
    RuleSetRules,
    TemplateRules,
)

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")

# --------------------------------------------------------------------------------------------
# Input and output
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProductOutcome:
    """One registered product (sản phẩm) and its month-end outcome.

    ``objective_cause``: the competent person confirmed the errors and delays had an objective
    cause (nguyên nhân khách quan), so they are not counted.
    """

    weight: Decimal
    completed: bool = True
    major_errors: int = 0
    delays: int = 0
    objective_cause: bool = False


@dataclass(frozen=True, slots=True)
class MonthScore:
    """A month's rounded score, the input of quarter and year aggregation."""

    period: str
    score: Decimal


@dataclass(frozen=True, slots=True)
class PersonInput:
    """What the engine needs to rate one person for one period (already validated)."""

    code: str
    agency: str
    duty_group: str
    category: str = "CC"
    leader: Leadership = Leadership.NONE
    subordinates: tuple[str, ...] = ()
    general: Decimal | Mapping[str, Decimal] | None = None
    products: tuple[ProductOutcome, ...] = ()
    task_points: Decimal | None = None
    bonus: Decimal = ZERO
    deductions: Decimal = ZERO
    discipline: Discipline = Discipline.NONE
    degradation: bool = False
    unit_corruption: bool = False
    months: tuple[MonthScore, ...] = ()
    maternity_leave: bool = False
    # The approver's decision, within the rules: a ceiling with its reason (step 4).
    approver_max_level: Level | None = None
    approver_reason: str = ""
    # A rating already signed off: the quota counts it as it stands and never moves it.
    signed_level: Level | None = None
    # Set by the engine for a leader once the direct subordinates are rated: 1, or the
    # template's factor when any of them is KHTNV (the unit component, DOMAIN.md §3).
    unit_factor: Decimal | None = None
    # For the head of an agency in a year period whose rule set binds the head by the agency's
    # own rating (DOMAIN.md §8): the agency's level that year, and the decision recording it.
    agency_level_ceiling: Level | None = None
    agency_rating_reference: str = ""
    # Decree 335's leader components (templates with ``leader_components``): the organising %
    # and unity % the evaluator entered (0–100), and how the people under the leader scored —
    # set by the engine in a batch, or by the caller when rating a leader alone.
    organising: Decimal | None = None
    unity: Decimal | None = None
    unit: UnitStanding | None = None
    # Templates with ``task_mode`` "conditions" (Decree 90/48, public employees): the codes of
    # the level conditions the evaluator marked as met; None = not assessed (no level).
    conditions_met: frozenset[str] | None = None
    # Months worked in a tracked quarter or year (the caps, DOMAIN.md §4.3); None = all of it.
    months_worked: int | None = None


@dataclass(frozen=True, slots=True)
class UnitStanding:
    """Everyone under a leader's management authority (the whole subtree of reports) who has a
    score, and how many of them score below ``floor``, the HTNV band (DOMAIN.md §3)."""

    scored: int
    below: int
    floor: Decimal


@dataclass(frozen=True, slots=True)
class QuotaException:
    """A recorded decision lifting the HTXSNV ceiling of one group (who, legal reference)."""

    agency: str
    duty_group: str
    ceiling: int
    reference: str


@dataclass(frozen=True, slots=True)
class LeaderComponents:
    """The six components of a leader's task points under Decree 335, in percent (display).

    ``quantity``, ``quality`` and ``progress`` are None when the task points were scored
    directly (then ``own`` holds them as a percent of the task maximum)."""

    quantity: Decimal | None
    quality: Decimal | None
    progress: Decimal | None
    unit: Decimal
    organising: Decimal
    unity: Decimal
    own: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Components:
    """The parts of a monthly score (rounded half-up to 2 decimals for display)."""

    general: Decimal
    tasks: Decimal | None
    bonus: Decimal
    deductions: Decimal
    leader: LeaderComponents | None = None


@dataclass(slots=True)
class PersonResult:
    """The rating of one person; ``level`` None means the person cannot be rated (see reasons)."""

    code: str
    agency: str
    duty_group: str
    score: Decimal | None
    components: Components | None
    band: Level | None
    level: Level | None
    general_points: Decimal = ZERO
    months_worked: int | None = None
    signed: bool = False
    reasons: list[Reason] = field(default_factory=list)

    @classmethod
    def start(cls, person: PersonInput, **fields: Any) -> PersonResult:
        """An empty result for ``person``: no score, no level yet."""
        return cls(
            code=person.code,
            agency=person.agency,
            duty_group=person.duty_group,
            score=None,
            components=None,
            band=None,
            level=None,
            **fields,
        )

    def add(self, code: str, key: str | None = None, **params: Any) -> None:
        """Record a decision: its machine code, message template key and the numbers."""
        self.reasons.append(Reason(code, key or code, params))


@dataclass(frozen=True, slots=True)
class QuotaResult:
    """How the quota played out in one group."""

    agency: str
    duty_group: str
    percent: Decimal
    base: QuotaBase
    candidates: int
    good: int
    rated: int
    allowed: int
    kept: tuple[str, ...]
    moved_down: tuple[str, ...]
    exception: str | None = None


@dataclass(frozen=True, slots=True)
class BatchResult:
    people: list[PersonResult]
    quota: list[QuotaResult]


class EngineInputError(ValueError):
    """Input that validation should have refused (e.g. a subordinate cycle)."""


# --------------------------------------------------------------------------------------------
# Number helpers
# --------------------------------------------------------------------------------------------


# Decisions are computed in a context that refuses to round silently: an inexact sum or product
# raises instead of shifting a score across a band edge. Display shares use their own context.
EXACT = Context(prec=60, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])
DISPLAY = Context(prec=28)
_TWO = Decimal(2)
_TWO_HUNDRED = Decimal(200)


def round_ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """Round the exact ratio numerator/denominator (denominator > 0) half-up, away from zero,
    to 2 decimals — with integer division, so no intermediate rounding can creep in."""
    if numerator < ZERO:
        return -round_ratio(-numerator, denominator)
    cents = EXACT.divide_int(
        EXACT.add(EXACT.multiply(numerator, _TWO_HUNDRED), denominator),
        EXACT.multiply(denominator, _TWO),
    )
    return cents.scaleb(-2)


def round_decimal(value: Decimal) -> Decimal:
    """Round a Decimal half-up to 2 decimals."""
    return round_ratio(value, ONE)


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """A share for display (reasons), not for decisions: those use exact arithmetic."""
    return DISPLAY.divide(numerator, denominator)


# --------------------------------------------------------------------------------------------
# Step 1: the score
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskResult:
    """Task points as an exact ratio, with the three shares behind them."""

    numerator: Decimal
    denominator: Decimal
    quantity: Decimal
    quality: Decimal
    progress: Decimal
    total_weight: Decimal

    @property
    def points(self) -> Decimal:
        return round_ratio(self.numerator, self.denominator)


def task_result(products: Sequence[ProductOutcome], template: TemplateRules) -> TaskResult | None:
    """Task points from the month's products (DOMAIN.md §3), or None when there is nothing to
    count (no products, or only products of weight 0): "no products" is a finding, not a 0.

    quantity = Σ weight of completed / W; quality and progress weigh each completed product by
    1 − deduction × errors (resp. delays), floored at 0; errors and delays with a confirmed
    objective cause are not counted; an uncompleted product counts 0 in all three.
    """
    total_weight = quantity = quality = progress = ZERO
    error_step = template.error_deduction
    delay_step = template.delay_deduction
    for product in products:
        weight = product.weight
        total_weight += weight
        if not product.completed:
            continue
        quantity += weight
        if product.objective_cause:
            quality += weight
            progress += weight
            continue
        quality_factor = ONE - error_step * product.major_errors
        timeliness_factor = ONE - delay_step * product.delays
        if quality_factor > ZERO:
            quality += weight * quality_factor
        if timeliness_factor > ZERO:
            progress += weight * timeliness_factor
    if total_weight <= ZERO:
        return None
    wq, wl, wp = template.weight_quantity, template.weight_quality, template.weight_progress
    numerator = template.task_max * (wq * quantity + wl * quality + wp * progress)
    denominator = (wq + wl + wp) * total_weight
    return TaskResult(
        numerator=numerator,
        denominator=denominator,
        quantity=ratio(quantity, total_weight),
        quality=ratio(quality, total_weight),
        progress=ratio(progress, total_weight),
        total_weight=total_weight,
    )


def general_points(general: Decimal | Mapping[str, Decimal] | None) -> Decimal:
    """Sum of the general-criteria points (a total or a per-criterion mapping)."""
    if general is None:
        return ZERO
    if isinstance(general, Mapping):
        return sum(general.values(), ZERO)
    return general


def monthly_score(person: PersonInput, template: TemplateRules) -> PersonResult:
    """Components and total of a monthly score; level None when it cannot be rated."""
    general = general_points(person.general)
    result = PersonResult.start(person, general_points=general)
    components = template.leader_components and person.leader is not Leadership.NONE
    missing = _missing_leader_components(person) if components else ()
    tasks = task_result(person.products, template) if person.products else None
    if tasks is not None:
        task_num, task_den = tasks.numerator, tasks.denominator
        task_display = tasks.points
        result.add(
            "tasks.products",
            # A leader's own and directed products are three of six components: no points yet.
            "tasks.leader_products" if components else None,
            tasks=task_display,
            task_max=template.task_max,
            quantity_share=tasks.quantity,
            quality_share=tasks.quality,
            progress_share=tasks.progress,
            total_weight=tasks.total_weight,
        )
    elif person.task_points is not None:
        task_num, task_den = person.task_points, ONE
        task_display = round_decimal(person.task_points)
        result.add("tasks.direct", tasks=task_display, task_max=template.task_max)
    else:
        result.components = Components(general, None, person.bonus, person.deductions)
        result.add("tasks.no_products")
        _add_missing_leader_components(result, missing)
        return result

    leader: LeaderComponents | None = None
    share = template.leader_unit_share
    if components:
        if missing:
            result.components = Components(general, None, person.bonus, person.deductions)
            _add_missing_leader_components(result, missing)
            return result
        task_num, task_den, leader = _leader_task_points(
            result, person, template, tasks, task_num, task_den
        )
        task_display = round_ratio(task_num, task_den)
    elif person.unit_factor is not None and share > ZERO:
        # A leader's task points: (1 − share) × their own + share × the unit component.
        unit_points = template.task_max * person.unit_factor
        own_display = task_display
        task_num = (ONE - share) * task_num + share * unit_points * task_den
        task_display = round_ratio(task_num, task_den)
        result.add(
            "tasks.unit_component",
            tasks=task_display,
            own=own_display,
            unit=unit_points,
            unit_share=share,
            factor_share=person.unit_factor,
            why="mọi cấp dưới từ Hoàn thành nhiệm vụ trở lên"
            if person.unit_factor == ONE
            else "có cấp dưới Không hoàn thành nhiệm vụ",
            why_en="every subordinate completed or better"
            if person.unit_factor == ONE
            else "a subordinate did not complete",
        )

    # Exact total: (general + bonus − deductions) + task_num / task_den, rounded once.
    rest = general + person.bonus - person.deductions
    score = round_ratio(rest * task_den + task_num, task_den)
    result.components = Components(
        general, task_display, person.bonus, person.deductions, leader=leader
    )
    result.add(
        "score.total",
        score=score,
        general=general,
        tasks=task_display,
        bonus=person.bonus,
        deductions=person.deductions,
    )
    cap = template.total_cap
    if cap is not None and score > cap:
        result.add("score.capped", score=score, cap=cap)
        score = cap
    if score < ZERO:
        result.add("score.floored", score=score)
        score = ZERO
    result.score = score
    return result


# Decree 335's leader components (DOMAIN.md §3) ----------------------------------------------

_HUNDRED = Decimal(100)
LEADER_COMPONENT_FIELDS = ("organising", "unity")


def _missing_leader_components(person: PersonInput) -> tuple[str, ...]:
    """The evaluator's components a leader has not been given (organising, unity)."""
    return tuple(name for name in LEADER_COMPONENT_FIELDS if getattr(person, name) is None)


def _add_missing_leader_components(result: PersonResult, missing: Sequence[str]) -> None:
    for name in missing:
        result.add("tasks.leader_component_missing", f"tasks.leader_{name}_missing", field=name)


def unit_standing(scores: Iterable[Decimal], rules: RuleSetRules) -> UnitStanding:
    """How the people under a leader scored, against the rule set's HTNV band floor."""
    floor = next((b.min_score for b in rules.bands if b.level is Level.HTNV), Decimal(50))
    scored = below = 0
    for score in scores:
        scored += 1
        if score < floor:
            below += 1
    return UnitStanding(scored=scored, below=below, floor=floor)


def unit_percent(unit: UnitStanding | None, template: TemplateRules) -> Decimal:
    """The unit % as a fraction: 1 unless someone under the leader scores below the floor."""
    if unit is None or unit.below == 0:
        return ONE
    return template.unit_factor_if_khtnv


def _leader_task_points(
    result: PersonResult,
    person: PersonInput,
    template: TemplateRules,
    tasks: TaskResult | None,
    own_num: Decimal,
    own_den: Decimal,
) -> tuple[Decimal, Decimal, LeaderComponents]:
    """A leader's task points from the six weighted components, as an exact ratio.

    The own part (quantity, quality, progress) is ``own_num / own_den`` points out of
    ``task_max``, weighing wq + wl + wp; the unit, organising and unity percentages join it
    with their weights: task_max × Σ wᵢ·cᵢ / Σ wᵢ, carried exactly and rounded once, later.
    """
    assert person.organising is not None and person.unity is not None
    unit = unit_percent(person.unit, template)
    organising = person.organising.scaleb(-2)
    unity = person.unity.scaleb(-2)
    own_weight = template.weight_quantity + template.weight_quality + template.weight_progress
    extra = (
        template.weight_unit * unit
        + template.weight_organising * organising
        + template.weight_unity * unity
    )
    weights = own_weight + template.weight_unit + template.weight_organising + template.weight_unity
    numerator = own_num * own_weight + template.task_max * extra * own_den
    denominator = weights * own_den
    _add_unit_reason(result, person.unit, unit)
    own = (
        None if tasks is not None else round_ratio(own_num * _HUNDRED, own_den * template.task_max)
    )
    leader = LeaderComponents(
        quantity=_percent(tasks.quantity) if tasks is not None else None,
        quality=_percent(tasks.quality) if tasks is not None else None,
        progress=_percent(tasks.progress) if tasks is not None else None,
        unit=_percent(unit),
        organising=_percent(organising),
        unity=_percent(unity),
        own=own,
    )
    weight_list = (
        template.weight_quantity,
        template.weight_quality,
        template.weight_progress,
        template.weight_unit,
        template.weight_organising,
        template.weight_unity,
    )
    params: dict[str, Any] = {
        "tasks": round_ratio(numerator, denominator),
        "task_max": template.task_max,
        "unit_share": unit,
        "organising_share": organising,
        "unity_share": unity,
        "weights": " / ".join(format(w.normalize(), "f") for w in weight_list),
    }
    if tasks is not None:
        result.add(
            "tasks.leader_components",
            quantity_share=tasks.quantity,
            quality_share=tasks.quality,
            progress_share=tasks.progress,
            **params,
        )
    else:
        result.add(
            "tasks.leader_components",
            "tasks.leader_components_direct",
            own=round_ratio(own_num, own_den),
            **params,
        )
    return numerator, denominator, leader


def _percent(fraction: Decimal) -> Decimal:
    """A fraction as a percent rounded half-up to 2 decimals, for display."""
    return round_decimal(DISPLAY.multiply(fraction, _HUNDRED))


def _add_unit_reason(result: PersonResult, unit: UnitStanding | None, percent: Decimal) -> None:
    """Why the unit % is what it is: nobody scored under the leader, all at or above the HTNV
    band, or how many below it."""
    if unit is None or unit.scored == 0:
        result.add("tasks.leader_unit", "tasks.leader_unit_none", unit_share=percent)
    elif unit.below == 0:
        result.add(
            "tasks.leader_unit",
            "tasks.leader_unit_all",
            unit_share=percent,
            scored=unit.scored,
            floor=unit.floor,
        )
    else:
        result.add(
            "tasks.leader_unit",
            "tasks.leader_unit_below",
            unit_share=percent,
            scored=unit.scored,
            below=unit.below,
            floor=unit.floor,
        )


def aggregate_score(
    person: PersonInput, period: Period, cycle: PeriodKind = PeriodKind.MONTH
) -> PersonResult:
    """Quarter or year score: the mean of the tracked periods' scores over those actually
    worked (Decree 335 art. 21) — the months, or for a quarterly ``cycle`` the quarters.
    Periods not worked are absent from the input (``person.months``), never zeros."""
    in_period = set(period.tracked_labels(cycle))
    months = [m for m in person.months if m.period in in_period]
    quarterly = cycle is PeriodKind.QUARTER
    # The caps count months worked (DOMAIN.md §4.3). A quarterly cycle records no month of its
    # own, and a quarter is scored only when the person worked in it (§5), so a quarter worked
    # counts its three months: 2 quarters = 6 months (at most HTNV), 1 quarter = no level.
    months_worked = len(months) * 3 if quarterly else len(months)
    result = PersonResult.start(person, months_worked=months_worked)
    if not months:
        result.add(
            "aggregate.no_quarters" if quarterly else "aggregate.no_months", period=period.label
        )
        return result
    total = sum((m.score for m in months), ZERO)
    score = round_ratio(total, Decimal(len(months)))
    result.score = score
    worked = ", ".join(m.period for m in sorted(months, key=lambda m: m.period))
    result.add(
        "aggregate.mean_quarters" if quarterly else "aggregate.mean",
        period=period.label,
        count=len(months),
        months=worked,
        total=total,
        score=score,
    )
    return result


def is_tracked(period: Period, rules: RuleSetRules) -> bool:
    """Whether ``period`` is the rule set's tracked period (its cycle: a month, a quarter, or
    — Decree 90's annual rating — the year), rated from its own criteria and products (or
    conditions) rather than aggregated (DOMAIN.md §5)."""
    return period.kind is rules.cycle


# Decree 90/48's conditions-based levels ------------------------------------------------------

CONDITION_LEVELS = (Level.HTXSNV, Level.HTTNV, Level.HTNV)


def condition_applies(condition: LevelConditionRule, leader: Leadership) -> bool:
    """Whether ``condition`` is one the person must meet: every condition for everyone; the
    managers' ones for heads and deputies; the others for staff who lead nobody."""
    if condition.applies_to is ConditionScope.ALL:
        return True
    is_leader = leader is not Leadership.NONE
    return is_leader if condition.applies_to is ConditionScope.LEADERS else not is_leader


def conditions_by_level(
    template: TemplateRules, leader: Leadership
) -> dict[Level, tuple[str, ...]]:
    """The codes of the conditions that apply to the person, level by level (form order)."""
    levels: dict[Level, list[str]] = {}
    for condition in template.conditions:
        if condition_applies(condition, leader):
            levels.setdefault(condition.level, []).append(condition.code)
    return {level: tuple(codes) for level, codes in levels.items()}


def conditions_level(person: PersonInput, template: TemplateRules) -> PersonResult:
    """The level from the conditions met, without points (Decree 90/48): the highest level
    with conditions all of which are met; none met → KHTNV; not assessed → no level. Every
    level above the one chosen is recorded with the conditions missing."""
    result = PersonResult.start(person)
    met = person.conditions_met
    if met is None:
        result.add("conditions.not_assessed")
        return result
    chosen: Level | None = None
    for level in CONDITION_LEVELS:
        codes = conditions_by_level(template, person.leader).get(level, ())
        if not codes:
            continue
        missing = [code for code in codes if code not in met]
        if missing:
            present = [code for code in codes if code in met]
            result.add(
                f"conditions.missing_{level.name}",
                "conditions.missing",
                level=level,
                missing=", ".join(missing),
                met=", ".join(present) or "—",
                count=len(present),
                n=len(codes),
            )
            continue
        result.add(
            f"conditions.met_{level.name}",
            "conditions.met",
            level=level,
            codes=", ".join(codes),
            n=len(codes),
        )
        chosen = level
        break
    if chosen is None:
        chosen = Level.KHTNV
        result.add("conditions.none", level=chosen)
    result.band = result.level = chosen
    return result


# --------------------------------------------------------------------------------------------
# Steps 2–4: band, overrides, caps
# --------------------------------------------------------------------------------------------


def band_for(score: Decimal, bands: Sequence[Band]) -> Level:
    """The level of the band the (rounded) score falls in; below every band is KHTNV."""
    for band in bands:
        if score >= band.min_score:
            return band.level
    return Level.KHTNV


def apply_band(result: PersonResult, rules: RuleSetRules) -> None:
    assert result.score is not None
    level = band_for(result.score, rules.bands)
    result.band = result.level = level
    floor = next((b.min_score for b in rules.bands if b.level is level), None)
    if floor is not None:
        result.add(
            f"band.{level.name}", "band.at_least", score=result.score, floor=floor, level=level
        )
    else:
        lowest = rules.bands[-1].min_score if rules.bands else ZERO
        result.add(
            f"band.{level.name}", "band.below", score=result.score, floor=lowest, level=level
        )


def apply_overrides(result: PersonResult, person: PersonInput, rules: RuleSetRules) -> None:
    """Overrides to KHTNV whatever the score (DOMAIN.md §4.2)."""
    threshold = rules.discipline_override_from
    if (
        threshold is not None
        and person.discipline is not Discipline.NONE
        and DISCIPLINE_SEVERITY[person.discipline] >= DISCIPLINE_SEVERITY[threshold]
    ):
        result.level = Level.KHTNV
        result.add("override.discipline", discipline=person.discipline)
    if rules.degradation_override and person.degradation:
        result.level = Level.KHTNV
        result.add("override.degradation")
    if rules.unit_corruption_override and person.unit_corruption:
        if person.leader is Leadership.NONE:
            result.add("override.unit_corruption_not_leader")
        else:
            result.level = Level.KHTNV
            result.add("override.unit_corruption")


def apply_caps(
    result: PersonResult, person: PersonInput, rules: RuleSetRules, period: Period
) -> None:
    """Ceilings by months worked (DOMAIN.md §4.3); a ceiling of None removes the level."""
    months = result.months_worked if result.months_worked is not None else 1
    for cap in rules.caps:
        if cap.period_kind != period.kind:
            continue
        if not (cap.min_months <= months <= cap.max_months):
            continue
        if cap.maternity_exempt and person.maternity_leave:
            result.add(f"cap.{cap.code}.maternity_exempt", "cap.maternity_exempt", months=months)
            continue
        if cap.max_level is None:
            result.level = None
            result.add(
                f"cap.{cap.code}",
                "cap.no_level",
                months=months,
                period=period.label,
                min_months=cap.min_months,
                max_months=cap.max_months,
            )
            return
        if result.level is not None and result.level > cap.max_level:
            result.level = cap.max_level
            result.add(
                f"cap.{cap.code}",
                "cap.at_most",
                months=months,
                period=period.label,
                min_months=cap.min_months,
                max_months=cap.max_months,
                level=cap.max_level,
            )


def rate_individual(person: PersonInput, rules: RuleSetRules, period: Period) -> PersonResult:
    """Steps 1–4 for one person: score, band, overrides, caps (no gates, no quota)."""
    with localcontext(EXACT):
        return _rate_individual(person, rules, period)


def _rate_individual(person: PersonInput, rules: RuleSetRules, period: Period) -> PersonResult:
    if is_tracked(period, rules):
        if rules.template.conditions_based:
            result = conditions_level(person, rules.template)
        else:
            result = monthly_score(person, rules.template)
        if result.months_worked is None and period.kind is not PeriodKind.MONTH:
            # A tracked quarter or year counts the months worked in it as given, else all of
            # them, like a tracked month (caps, §4.3).
            result.months_worked = (
                person.months_worked if person.months_worked is not None else period.months
            )
    else:
        result = aggregate_score(person, period, rules.cycle)
    if result.score is not None:
        apply_band(result, rules)
    elif result.level is None:
        return result
    apply_overrides(result, person, rules)
    apply_caps(result, person, rules, period)
    apply_approver_ceiling(result, person)
    return result


def apply_approver_ceiling(result: PersonResult, person: PersonInput) -> None:
    """The approver may lower a level, never raise it, and always with a reason (§6)."""
    ceiling = person.approver_max_level
    if ceiling is None or result.level is None or result.level <= ceiling:
        return
    result.level = ceiling
    result.add("approver.lowered", level=ceiling, reason=person.approver_reason)


# --------------------------------------------------------------------------------------------
# Step 5: leader gates
# --------------------------------------------------------------------------------------------


def leader_ceiling(
    levels: Sequence[Level], rules: RuleSetRules
) -> tuple[Level | None, int, int, int]:
    """The highest level a leader may have given the direct subordinates' levels.

    Returns (ceiling or None for "no limit", n, n at least HTTNV, n at least HTNV). A leader
    can be HTTNV or HTXSNV only if every subordinate is ≥ HTNV and ≥ 70 % are ≥ HTTNV; HTNV
    needs ≥ 70 % ≥ HTNV; otherwise KHTNV (Decree 90, art. 4/12–15; shares configurable).
    """
    n = len(levels)
    good = sum(1 for level in levels if level >= Level.HTTNV)
    completed = sum(1 for level in levels if level >= Level.HTNV)
    if completed == n and good >= rules.gate_good_share * n:
        return None, n, good, completed
    if completed >= rules.gate_completed_share * n:
        return Level.HTNV, n, good, completed
    return Level.KHTNV, n, good, completed


def _gate_order(people: Mapping[str, PersonInput]) -> list[str]:
    """Leaders ordered so that every subordinate comes before their leader (bottom-up)."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done
    for root in people:
        if state.get(root) == 2:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            code, index = stack.pop()
            subs = people[code].subordinates
            if index < len(subs):
                stack.append((code, index + 1))
                child = subs[index]
                if child not in people:
                    raise EngineInputError(f"unknown subordinate {child!r} of {code!r}")
                child_state = state.get(child)
                if child_state == 1:
                    raise EngineInputError(f"subordinate cycle through {child!r}")
                if child_state is None:
                    state[child] = 1
                    stack.append((child, 0))
            else:
                state[code] = 2
                order.append(code)
    return order


def _subtree_scores(
    code: str, people: Mapping[str, PersonInput], results: Mapping[str, PersonResult]
) -> list[Decimal]:
    """The scores of everyone under ``code`` (reports, transitively, each counted once) who
    has one."""
    scores: list[Decimal] = []
    seen = {code}
    stack = list(people[code].subordinates)
    while stack:
        sub = stack.pop()
        if sub in seen:
            continue
        seen.add(sub)
        score = results[sub].score
        if score is not None:
            scores.append(score)
        stack.extend(people[sub].subordinates)
    return scores


def _rate_with_unit(
    code: str,
    results: Mapping[str, PersonResult],
    people: Mapping[str, PersonInput],
    rules: RuleSetRules,
    period: Period,
) -> PersonResult:
    """A leader rated again with the unit % from the subtree's final scores (Decree 335)."""
    unit = unit_standing(_subtree_scores(code, people, results), rules)
    before = results[code]
    rated = _rate_individual(replace(people[code], unit=unit), rules, period)
    if before.signed:
        rated.level, rated.signed = before.level, True
    return rated


def apply_leader_gates(
    results: dict[str, PersonResult],
    people: Mapping[str, PersonInput],
    rules: RuleSetRules,
    period: Period | None = None,
) -> None:
    """Bind each leader by the levels of their direct subordinates (DOMAIN.md §4.4), and count
    the unit they direct in a leader's monthly task points (§3) where the template says so.

    Subordinates are read after overrides, caps and their own gates — so leaders are finalised
    after their units, bottom-up — and before the quota, which no gate distinguishes.

    Under Decree 335's leader components (``leader_components``) the same bottom-up pass sets
    each leader's unit %: the scores of the whole subtree of reports, final by then, against
    the HTNV band; a leader already signed keeps the signed level.
    """
    unit_share = rules.template.leader_unit_share > ZERO and (
        period is not None and period.kind is PeriodKind.MONTH
    )
    components = rules.template.leader_components and period is not None
    if not rules.gates_enabled and not unit_share and not components:
        return
    if not any(p.subordinates and p.leader is not Leadership.NONE for p in people.values()):
        return
    for code in _gate_order(people):
        person = people[code]
        result = results[code]
        if person.leader is Leadership.NONE or not person.subordinates:
            continue
        if components and result.components is not None and result.components.leader is not None:
            assert period is not None
            result = results[code] = _rate_with_unit(code, results, people, rules, period)
        if result.signed:
            continue
        levels = [level for sub in person.subordinates if (level := results[sub].level) is not None]
        if unit_share and levels and result.score is not None:
            factor = rules.template.unit_factor_if_khtnv if Level.KHTNV in levels else ONE
            result = results[code] = _rate_individual(
                replace(person, unit_factor=factor), rules, period
            )
        if not rules.gates_enabled or result.level is None:
            continue
        if not levels:
            result.add("gate.no_rated_subordinates")
            continue
        ceiling, n, good, completed = leader_ceiling(levels, rules)
        counts = {
            "n": n,
            "good": good,
            "completed": completed,
            "good_share": ratio(Decimal(good), Decimal(n)),
            "completed_share": ratio(Decimal(completed), Decimal(n)),
        }
        if ceiling is None:
            result.add("gate.passed", **counts)
        elif result.level > ceiling:
            result.level = ceiling
            result.add(f"gate.limited_{ceiling.name}", "gate.limited", level=ceiling, **counts)
        else:
            result.add(f"gate.within_{ceiling.name}", "gate.within", level=ceiling, **counts)


# --------------------------------------------------------------------------------------------
# Step 6: the quota
# --------------------------------------------------------------------------------------------


def quota_allowed(
    *, percent: Decimal, candidates: int, good: int, rated: int, base: QuotaBase
) -> int:
    """How many of the HTXSNV candidates may keep HTXSNV, computed with exact fractions.

    Base "good" (Decree 335): HTXSNV ≤ p × HTTNV on the final ratings; whoever is moved down
    joins HTTNV and enlarges the base, so with e candidates and g rated HTTNV the largest k
    with k ≤ p·(e + g − k) is ⌊p·(e + g) / (1 + p)⌋ (20 % → ⌊(e + g) / 6⌋).
    Base "rated" (Hà Nội): HTXSNV ≤ p × everyone rated, which moving down does not change.
    """
    p = Fraction(percent)
    allowed = p * rated if base is QuotaBase.RATED else p * (candidates + good) / (1 + p)
    return min(candidates, allowed.numerator // allowed.denominator)


def _quota_key(result: PersonResult, scope: QuotaScope) -> tuple[str, str]:
    if scope is QuotaScope.AGENCY:
        return (result.agency, "")
    return (result.agency, result.duty_group)


def apply_quota(
    results: Iterable[PersonResult],
    rules: RuleSetRules,
    period: Period,
    exceptions: Iterable[QuotaException] = (),
) -> list[QuotaResult]:
    """Keep at most the allowed number of HTXSNV per group; the rest become HTTNV (DOMAIN.md
    section 4, step 5: in Decree 335, 20 % of the HTTNV on the final ratings).

    Who keeps it: higher total, then higher general-criteria points, then staff code.
    A recorded exception replaces the group's ceiling (decision reference kept in the reason).
    """
    if rules.quota_percent is None or period.kind not in rules.quota_period_kinds:
        return []
    exception_by_group = {(e.agency, e.duty_group): e for e in exceptions}
    groups = _quota_groups(results, rules.quota_scope)
    return [
        _apply_group_quota(
            key, groups[key], rules, rules.quota_percent, exception_by_group.get(key)
        )
        for key in sorted(groups)
    ]


def _quota_groups(
    results: Iterable[PersonResult], scope: QuotaScope
) -> dict[tuple[str, str], list[PersonResult]]:
    """The people of each quota group (agency, duty group) who have a level: the base is counted
    on them; someone without a level counts nowhere."""
    groups: dict[tuple[str, str], list[PersonResult]] = {}
    for result in results:
        if result.level is not None:
            groups.setdefault(_quota_key(result, scope), []).append(result)
    return groups


def _apply_group_quota(
    key: tuple[str, str],
    members: list[PersonResult],
    rules: RuleSetRules,
    percent: Decimal,
    exception: QuotaException | None,
) -> QuotaResult:
    """The quota in one group: rank the candidates, fix the ceiling, let the first ones keep
    HTXSNV and move the others down to HTTNV, each with the reason why."""
    candidates = _ranked_candidates(members)
    good = sum(1 for r in members if r.level is Level.HTTNV)
    allowed = _group_ceiling(
        candidates=len(candidates),
        good=good,
        rated=len(members),
        base=rules.quota_base,
        percent=percent,
        exception=exception,
    )
    # Ratings already signed off keep their level even past the ceiling (they rank first).
    kept_count = max(allowed, sum(1 for r in candidates if r.signed))
    kept, moved = candidates[:kept_count], candidates[kept_count:]
    group = _group_reason(key)
    limit = _limit_reason(rules.quota_base, percent, allowed, exception)
    _record_kept(kept, candidates=len(candidates), group=group, limit=limit)
    _move_down(
        moved, first_rank=kept_count + 1, candidates=len(candidates), group=group, limit=limit
    )
    return QuotaResult(
        agency=key[0],
        duty_group=key[1],
        percent=percent * 100,
        base=rules.quota_base,
        candidates=len(candidates),
        good=good,
        rated=len(members),
        allowed=allowed,
        kept=tuple(r.code for r in kept),
        moved_down=tuple(r.code for r in moved),
        exception=exception.reference if exception is not None else None,
    )


def _group_ceiling(
    *,
    candidates: int,
    good: int,
    rated: int,
    base: QuotaBase,
    percent: Decimal,
    exception: QuotaException | None,
) -> int:
    """How many candidates may keep HTXSNV: the rule set's share of its base, or the ceiling of
    a recorded exception — never more than there are candidates."""
    if exception is not None:
        return min(candidates, exception.ceiling)
    return quota_allowed(percent=percent, candidates=candidates, good=good, rated=rated, base=base)


def _ranked_candidates(members: Iterable[PersonResult]) -> list[PersonResult]:
    """The group's HTXSNV candidates, first to keep it first: ratings already signed off keep
    their level and their place; the rest compete for what remains, by total, then
    general-criteria points, then code."""
    candidates = [r for r in members if r.level is Level.HTXSNV]
    candidates.sort(key=lambda r: (not r.signed, -(r.score or ZERO), -r.general_points, r.code))
    return candidates


def _group_reason(key: tuple[str, str]) -> Reason:
    agency, duty_group = key
    if duty_group:
        return Reason(
            "quota.group_duty", "quota.group_duty", {"agency": agency, "duty_group": duty_group}
        )
    return Reason("quota.group", "quota.group", {"agency": agency})


def _limit_reason(
    base: QuotaBase, percent: Decimal, allowed: int, exception: QuotaException | None
) -> Reason:
    """The ceiling and where it comes from: the recorded exception's decision, or the share."""
    if exception is not None:
        return Reason(
            "quota.limit",
            "quota.limit_exception",
            {"reference": exception.reference, "allowed": allowed},
        )
    return Reason(
        "quota.limit", f"quota.limit_{base.value}", {"percent": percent * 100, "allowed": allowed}
    )


def _record_kept(
    kept: Sequence[PersonResult], *, candidates: int, group: Reason, limit: Reason
) -> None:
    for rank, result in enumerate(kept, start=1):
        if result.signed:
            result.add("quota.signed", group=group, limit=limit)
        else:
            result.add("quota.kept", rank=rank, candidates=candidates, group=group, limit=limit)


def _move_down(
    moved: Sequence[PersonResult],
    *,
    first_rank: int,
    candidates: int,
    group: Reason,
    limit: Reason,
) -> None:
    for rank, result in enumerate(moved, start=first_rank):
        result.level = Level.HTTNV
        result.add("quota.moved_down", rank=rank, candidates=candidates, group=group, limit=limit)


# --------------------------------------------------------------------------------------------
# The head bound by the agency's own rating
# --------------------------------------------------------------------------------------------


def apply_agency_ceiling(
    results: Mapping[str, PersonResult], people: Mapping[str, PersonInput], period: Period
) -> None:
    """The head of an agency is at most the agency's level of the year (DOMAIN.md §8), where
    the head's rule set says so: the caller sets ``agency_level_ceiling`` only then, and only
    on the head's year evaluation. Applied after the leader gates and before the quota, so the
    quota counts the head's final level; a signed rating is never moved."""
    for code, person in people.items():
        ceiling = person.agency_level_ceiling
        result = results[code]
        if ceiling is None or result.signed or result.level is None:
            continue
        params = {
            "agency": person.agency,
            "year": period.year,
            "level": ceiling,
            "reference": person.agency_rating_reference,
        }
        if result.level > ceiling:
            result.level = ceiling
            result.add("agency.limited", **params)
        else:
            result.add("agency.within", **params)


# --------------------------------------------------------------------------------------------
# The whole batch
# --------------------------------------------------------------------------------------------


def rate_batch(
    people: Sequence[PersonInput],
    rules: RuleSetRules,
    period: Period,
    exceptions: Iterable[QuotaException] = (),
) -> BatchResult:
    """Rate a batch (an agency, a province) for one period: every step, in order."""
    by_code = {p.code: p for p in people}
    if len(by_code) != len(people):
        raise EngineInputError("duplicate staff code in the batch")
    with localcontext(EXACT):
        results = {p.code: _rate_individual(p, rules, period) for p in people}
        for person in people:
            if person.signed_level is not None:
                result = results[person.code]
                result.level, result.signed = person.signed_level, True
        apply_leader_gates(results, by_code, rules, period)
        apply_agency_ceiling(results, by_code, period)
        quota = apply_quota(results.values(), rules, period, exceptions)
    return BatchResult(people=[results[p.code] for p in people], quota=quota)
