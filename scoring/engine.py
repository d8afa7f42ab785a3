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
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from scoring.periods import Period
from scoring.rules import (
    DISCIPLINE_SEVERITY,
    LEVEL_NAMES_EN,
    LEVEL_NAMES_VI,
    Band,
    Discipline,
    Leadership,
    Level,
    PeriodKind,
    QuotaBase,
    QuotaScope,
    RuleSetRules,
    TemplateRules,
)

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")

DISCIPLINE_NAMES_VI: dict[Discipline, str] = {
    Discipline.NONE: "không",
    Discipline.REPRIMAND: "khiển trách",
    Discipline.WARNING: "cảnh cáo",
    Discipline.DEMOTION: "hạ bậc lương / giáng chức / cách chức",
    Discipline.DISMISSAL: "buộc thôi việc",
}


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


@dataclass(frozen=True, slots=True)
class QuotaException:
    """A recorded decision lifting the HTXSNV ceiling of one group (who, legal reference)."""

    agency: str
    duty_group: str
    ceiling: int
    reference: str


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a step decided what it did: stable code, Vietnamese message, English translation."""

    code: str
    message: str
    message_en: str


@dataclass(frozen=True, slots=True)
class Components:
    """The parts of a monthly score (rounded half-up to 2 decimals for display)."""

    general: Decimal
    tasks: Decimal | None
    bonus: Decimal
    deductions: Decimal


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
    reasons: list[Reason] = field(default_factory=list)

    def add(self, code: str, message: str, message_en: str) -> None:
        self.reasons.append(Reason(code, message, message_en))


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


def round_half_up(numerator: int, denominator: int) -> Decimal:
    """Round the exact ratio numerator/denominator half-up (away from zero) to 2 decimals."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    sign = -1 if numerator < 0 else 1
    cents, remainder = divmod(abs(numerator) * 100, denominator)
    if 2 * remainder >= denominator:
        cents += 1
    return Decimal(sign * cents).scaleb(-2)


def round_decimal(value: Decimal) -> Decimal:
    """Round a Decimal half-up to 2 decimals (exactly, whatever the context precision)."""
    numerator, denominator = value.as_integer_ratio()
    return round_half_up(numerator, denominator)


def vi_number(value: Decimal | int | Fraction) -> str:
    """Format a number the Vietnamese way (decimal comma, no trailing zeros)."""
    if isinstance(value, Fraction):
        value = round_half_up(value.numerator, value.denominator)
    text = format(value.normalize() if isinstance(value, Decimal) else value, "f")
    return text.replace(".", ",")


def en_number(value: Decimal | int | Fraction) -> str:
    if isinstance(value, Fraction):
        value = round_half_up(value.numerator, value.denominator)
    return format(value.normalize() if isinstance(value, Decimal) else value, "f")


def percent_text(value: Fraction | Decimal, *, vi: bool) -> str:
    """Format a share (0.875) as a percentage rounded to 2 decimals ("87,5%")."""
    as_fraction = Fraction(value) * 100
    rounded = round_half_up(as_fraction.numerator, as_fraction.denominator)
    return (vi_number(rounded) if vi else en_number(rounded)) + "%"


def _level_vi(level: Level | None) -> str:
    return LEVEL_NAMES_VI[level] if level is not None else "không xếp loại"


def _level_en(level: Level | None) -> str:
    return LEVEL_NAMES_EN[level] if level is not None else "no level"


# --------------------------------------------------------------------------------------------
# Step 1: the score
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskResult:
    """Task points as an exact ratio, with the three shares behind them."""

    numerator: Decimal
    denominator: Decimal
    quantity: Fraction
    quality: Fraction
    progress: Fraction
    total_weight: Decimal

    @property
    def points(self) -> Decimal:
        return round_decimal_ratio(self.numerator, self.denominator)


def round_decimal_ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    n1, d1 = numerator.as_integer_ratio()
    n2, d2 = denominator.as_integer_ratio()
    return round_half_up(n1 * d2, d1 * n2)


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
    w = Fraction(total_weight)
    return TaskResult(
        numerator=numerator,
        denominator=denominator,
        quantity=Fraction(quantity) / w,
        quality=Fraction(quality) / w,
        progress=Fraction(progress) / w,
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
    result = PersonResult(
        code=person.code,
        agency=person.agency,
        duty_group=person.duty_group,
        score=None,
        components=None,
        band=None,
        level=None,
        general_points=general,
    )
    tasks = task_result(person.products, template) if person.products else None
    if tasks is not None:
        task_num, task_den = tasks.numerator, tasks.denominator
        task_display = tasks.points
        result.add(
            "tasks.products",
            f"Kết quả thực hiện nhiệm vụ {vi_number(task_display)}/{vi_number(template.task_max)}"
            f" điểm: số lượng {percent_text(tasks.quantity, vi=True)}, chất lượng "
            f"{percent_text(tasks.quality, vi=True)}, tiến độ "
            f"{percent_text(tasks.progress, vi=True)}"
            f" trên tổng hệ số {vi_number(tasks.total_weight)}",
            f"Task results {en_number(task_display)}/{en_number(template.task_max)} points: "
            f"quantity {percent_text(tasks.quantity, vi=False)}, quality "
            f"{percent_text(tasks.quality, vi=False)}, progress "
            f"{percent_text(tasks.progress, vi=False)} over a total weight of "
            f"{en_number(tasks.total_weight)}",
        )
    elif person.task_points is not None:
        task_num, task_den = person.task_points, ONE
        task_display = round_decimal(person.task_points)
        result.add(
            "tasks.direct",
            f"Kết quả thực hiện nhiệm vụ chấm trực tiếp: {vi_number(task_display)}/"
            f"{vi_number(template.task_max)} điểm",
            f"Task results scored directly: {en_number(task_display)}/"
            f"{en_number(template.task_max)} points",
        )
    else:
        result.components = Components(general, None, person.bonus, person.deductions)
        result.add(
            "tasks.no_products",
            "Không có sản phẩm, công việc nào được đăng ký hoặc giao trong kỳ và không có điểm "
            "kết quả nhiệm vụ: chưa thể xếp loại",
            "No product or task was registered or assigned in the period and no task points were "
            "given: the person cannot be rated",
        )
        return result

    # Exact total: (general + bonus − deductions) + task_num / task_den, rounded once.
    rest = general + person.bonus - person.deductions
    n_rest, d_rest = rest.as_integer_ratio()
    n_task, d_task = task_num.as_integer_ratio()
    n_den, d_den = task_den.as_integer_ratio()
    # task = (n_task/d_task) / (n_den/d_den) = n_task·d_den / (d_task·n_den)
    task_n, task_d = n_task * d_den, d_task * n_den
    total_n = n_rest * task_d + task_n * d_rest
    total_d = d_rest * task_d
    score = round_half_up(total_n, total_d)
    result.components = Components(general, task_display, person.bonus, person.deductions)
    result.add(
        "score.total",
        f"Tổng điểm {vi_number(score)} = tiêu chí chung {vi_number(general)} + kết quả nhiệm vụ "
        f"{vi_number(task_display)} + điểm cộng {vi_number(person.bonus)} − điểm trừ "
        f"{vi_number(person.deductions)}",
        f"Total {en_number(score)} = general criteria {en_number(general)} + task results "
        f"{en_number(task_display)} + bonus {en_number(person.bonus)} − deductions "
        f"{en_number(person.deductions)}",
    )
    cap = template.total_cap
    if cap is not None and score > cap:
        result.add(
            "score.capped",
            f"Tổng điểm {vi_number(score)} vượt mức tối đa {vi_number(cap)}: tính {vi_number(cap)}",
            f"Total {en_number(score)} exceeds the maximum {en_number(cap)}: counted as "
            f"{en_number(cap)}",
        )
        score = cap
    if score < ZERO:
        result.add(
            "score.floored",
            f"Tổng điểm {vi_number(score)} âm: tính 0",
            f"Total {en_number(score)} is negative: counted as 0",
        )
        score = ZERO
    result.score = score
    return result


def aggregate_score(person: PersonInput, period: Period) -> PersonResult:
    """Quarter or year score: the mean of the monthly scores over the months actually worked
    (Decree 335 art. 21). Months not worked are absent from the input, never zeros."""
    in_period = set(period.month_labels)
    months = [m for m in person.months if m.period in in_period]
    result = PersonResult(
        code=person.code,
        agency=person.agency,
        duty_group=person.duty_group,
        score=None,
        components=None,
        band=None,
        level=None,
        months_worked=len(months),
    )
    if not months:
        result.add(
            "aggregate.no_months",
            f"Không có tháng làm việc nào trong kỳ {period.label}: chưa thể xếp loại",
            f"No month worked in {period.label}: the person cannot be rated",
        )
        return result
    total = sum((m.score for m in months), ZERO)
    numerator, denominator = total.as_integer_ratio()
    score = round_half_up(numerator, denominator * len(months))
    result.score = score
    worked = ", ".join(m.period for m in sorted(months, key=lambda m: m.period))
    result.add(
        "aggregate.mean",
        f"Điểm kỳ {period.label} = trung bình {len(months)} tháng làm việc ({worked}): "
        f"{vi_number(total)} / {len(months)} = {vi_number(score)}",
        f"Score for {period.label} = mean of {len(months)} months worked ({worked}): "
        f"{en_number(total)} / {len(months)} = {en_number(score)}",
    )
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
        vi = f"Điểm {vi_number(result.score)} ≥ {vi_number(floor)}: {LEVEL_NAMES_VI[level]}"
        en = f"Score {en_number(result.score)} ≥ {en_number(floor)}: {LEVEL_NAMES_EN[level]}"
    else:
        lowest = rules.bands[-1].min_score if rules.bands else ZERO
        vi = f"Điểm {vi_number(result.score)} < {vi_number(lowest)}: {LEVEL_NAMES_VI[level]}"
        en = f"Score {en_number(result.score)} < {en_number(lowest)}: {LEVEL_NAMES_EN[level]}"
    result.add(f"band.{level.name}", vi, en)


def apply_overrides(result: PersonResult, person: PersonInput, rules: RuleSetRules) -> None:
    """Overrides to KHTNV whatever the score (DOMAIN.md §4.2)."""
    threshold = rules.discipline_override_from
    if (
        threshold is not None
        and person.discipline is not Discipline.NONE
        and DISCIPLINE_SEVERITY[person.discipline] >= DISCIPLINE_SEVERITY[threshold]
    ):
        result.level = Level.KHTNV
        result.add(
            "override.discipline",
            f"Bị kỷ luật ({DISCIPLINE_NAMES_VI[person.discipline]}) có hiệu lực trong năm: "
            "Không hoàn thành nhiệm vụ, bất kể điểm",
            f"Disciplined ({person.discipline.value}) with effect in the year: not completed, "
            "whatever the score",
        )
    if rules.degradation_override and person.degradation:
        result.level = Level.KHTNV
        result.add(
            "override.degradation",
            "Có biểu hiện suy thoái, “tự diễn biến”, “tự chuyển hóa” được cấp có thẩm quyền kết "
            "luận: Không hoàn thành nhiệm vụ, bất kể điểm",
            "Degradation concluded by the competent authority: not completed, whatever the score",
        )
    if rules.unit_corruption_override and person.unit_corruption:
        if person.leader is Leadership.NONE:
            result.add(
                "override.unit_corruption_not_leader",
                "Đơn vị có vụ việc tham nhũng, lãng phí nhưng người này không phải lãnh đạo: "
                "không áp dụng",
                "The unit was handled for corruption or waste, but this person is not a leader: "
                "not applied",
            )
        else:
            result.level = Level.KHTNV
            result.add(
                "override.unit_corruption",
                "Đơn vị do mình trực tiếp phụ trách bị xử lý về tham nhũng, tiêu cực, lãng phí: "
                "Không hoàn thành nhiệm vụ, bất kể điểm",
                "A directly managed unit was handled for embezzlement, corruption or waste: not "
                "completed, whatever the score",
            )


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
            result.add(
                f"cap.{cap.code}.maternity_exempt",
                f"Làm việc {months} tháng nhưng nghỉ thai sản: không áp dụng giới hạn, xếp loại "
                "theo thời gian thực tế làm việc",
                f"Worked {months} months but on maternity leave: the limit does not apply, rated "
                "over the time actually worked",
            )
            continue
        if cap.max_level is None:
            result.level = None
            result.add(
                f"cap.{cap.code}",
                f"Làm việc {months} tháng trong kỳ {period.label} "
                f"(từ {cap.min_months} đến {cap.max_months} tháng): không xếp loại, chỉ tự kiểm "
                "điểm",
                f"Worked {months} months in {period.label} ({cap.min_months} to {cap.max_months}"
                "): no level, self-review only",
            )
            return
        if result.level is not None and result.level > cap.max_level:
            result.level = cap.max_level
            result.add(
                f"cap.{cap.code}",
                f"Làm việc {months} tháng trong kỳ {period.label} (từ {cap.min_months} đến "
                f"{cap.max_months} tháng): tối đa {LEVEL_NAMES_VI[cap.max_level]}",
                f"Worked {months} months in {period.label} ({cap.min_months} to "
                f"{cap.max_months}): at most {LEVEL_NAMES_EN[cap.max_level]}",
            )


def rate_individual(person: PersonInput, rules: RuleSetRules, period: Period) -> PersonResult:
    """Steps 1–4 for one person: score, band, overrides, caps (no gates, no quota)."""
    if period.kind is PeriodKind.MONTH:
        result = monthly_score(person, rules.template)
    else:
        result = aggregate_score(person, period)
    if result.score is None:
        return result
    apply_band(result, rules)
    apply_overrides(result, person, rules)
    apply_caps(result, person, rules, period)
    return result


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


def apply_leader_gates(
    results: Mapping[str, PersonResult],
    people: Mapping[str, PersonInput],
    rules: RuleSetRules,
) -> None:
    """Bind each leader by the levels of their direct subordinates (DOMAIN.md §4.4).

    Subordinates are read after overrides, caps and their own gates — so leaders are finalised
    after their units, bottom-up — and before the quota, which no gate distinguishes.
    """
    if not rules.gates_enabled:
        return
    if not any(p.subordinates and p.leader is not Leadership.NONE for p in people.values()):
        return
    for code in _gate_order(people):
        person = people[code]
        result = results[code]
        if person.leader is Leadership.NONE or not person.subordinates or result.level is None:
            continue
        levels = [level for sub in person.subordinates if (level := results[sub].level) is not None]
        if not levels:
            result.add(
                "gate.no_rated_subordinates",
                "Không cấp dưới trực tiếp nào được xếp loại: không áp dụng ràng buộc lãnh đạo",
                "No direct subordinate is rated: the leader gate does not apply",
            )
            continue
        ceiling, n, good, completed = leader_ceiling(levels, rules)
        counts_vi = (
            f"cấp dưới trực tiếp: {good}/{n} ({percent_text(Fraction(good, n), vi=True)}) từ "
            f"Hoàn thành tốt trở lên, {completed}/{n} "
            f"({percent_text(Fraction(completed, n), vi=True)}) từ Hoàn thành trở lên"
        )
        counts_en = (
            f"direct subordinates: {good}/{n} ({percent_text(Fraction(good, n), vi=False)}) good "
            f"or better, {completed}/{n} ({percent_text(Fraction(completed, n), vi=False)}) "
            "completed or better"
        )
        if ceiling is None:
            result.add(
                "gate.passed",
                f"Ràng buộc lãnh đạo đạt ({counts_vi}): không giới hạn",
                f"Leader gate passed ({counts_en}): no limit",
            )
        elif result.level > ceiling:
            result.level = ceiling
            result.add(
                f"gate.limited_{ceiling.name}",
                f"Lãnh đạo bị ràng buộc bởi kết quả đơn vị ({counts_vi}): tối đa "
                f"{LEVEL_NAMES_VI[ceiling]}",
                f"Leader bound by the unit ({counts_en}): at most {LEVEL_NAMES_EN[ceiling]}",
            )
        else:
            result.add(
                f"gate.within_{ceiling.name}",
                f"Ràng buộc lãnh đạo ({counts_vi}): tối đa {LEVEL_NAMES_VI[ceiling]}, "
                "mức hiện tại không vượt",
                f"Leader gate ({counts_en}): at most {LEVEL_NAMES_EN[ceiling]}, the level is "
                "within it",
            )


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
    """Keep at most the allowed number of HTXSNV per group; the rest become HTTNV.

    Who keeps it: higher total, then higher general-criteria points, then staff code.
    A recorded exception replaces the group's ceiling (decision reference kept in the reason).
    """
    if rules.quota_percent is None or period.kind not in rules.quota_period_kinds:
        return []
    percent = rules.quota_percent
    exception_by_group = {(e.agency, e.duty_group): e for e in exceptions}
    groups: dict[tuple[str, str], list[PersonResult]] = {}
    for result in results:
        if result.level is not None:
            groups.setdefault(_quota_key(result, rules.quota_scope), []).append(result)
    summaries: list[QuotaResult] = []
    percent_vi = vi_number(percent * 100)
    for key in sorted(groups):
        members = groups[key]
        candidates = [r for r in members if r.level is Level.HTXSNV]
        good = sum(1 for r in members if r.level is Level.HTTNV)
        allowed = quota_allowed(
            percent=percent,
            candidates=len(candidates),
            good=good,
            rated=len(members),
            base=rules.quota_base,
        )
        exception = exception_by_group.get(key)
        if exception is not None:
            allowed = min(len(candidates), exception.ceiling)
        candidates.sort(key=lambda r: (-(r.score or ZERO), -r.general_points, r.code))
        kept, moved = candidates[:allowed], candidates[allowed:]
        base_vi = "số Hoàn thành tốt" if rules.quota_base is QuotaBase.GOOD else "số được xếp loại"
        base_en = "the number rated good" if rules.quota_base is QuotaBase.GOOD else "those rated"
        group_vi = f"cơ quan {key[0]}" + (f", nhóm {key[1]}" if key[1] else "")
        group_en = f"agency {key[0]}" + (f", duty group {key[1]}" if key[1] else "")
        if exception is not None:
            limit_vi = f"ngoại lệ theo {exception.reference}: tối đa {allowed}"
            limit_en = f"exception under {exception.reference}: at most {allowed}"
        else:
            limit_vi = f"tỷ lệ {percent_vi}% {base_vi}: tối đa {allowed}"
            limit_en = f"{en_number(percent * 100)}% of {base_en}: at most {allowed}"
        for rank, result in enumerate(kept, start=1):
            result.add(
                "quota.kept",
                f"Giữ mức Hoàn thành xuất sắc: thứ {rank}/{len(candidates)} trong {group_vi} "
                f"({limit_vi})",
                f"Keeps excellent: rank {rank}/{len(candidates)} in {group_en} ({limit_en})",
            )
        for rank, result in enumerate(moved, start=allowed + 1):
            result.level = Level.HTTNV
            result.add(
                "quota.moved_down",
                f"Vượt tỷ lệ Hoàn thành xuất sắc: thứ {rank}/{len(candidates)} trong {group_vi} "
                f"({limit_vi}); chuyển xuống Hoàn thành tốt nhiệm vụ",
                f"Over the excellent quota: rank {rank}/{len(candidates)} in {group_en} "
                f"({limit_en}); moved down to good",
            )
        summaries.append(
            QuotaResult(
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
        )
    return summaries


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
    results = {p.code: rate_individual(p, rules, period) for p in people}
    apply_leader_gates(results, by_code, rules)
    quota = apply_quota(results.values(), rules, period, exceptions)
    return BatchResult(people=[results[p.code] for p in people], quota=quota)


def level_label(level: Level | None, *, vi: bool = True) -> str:
    """Human name of a level (or of "no level")."""
    return _level_vi(level) if vi else _level_en(level)
