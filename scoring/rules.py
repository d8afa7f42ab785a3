"""The rule data the engine reads: plain frozen dataclasses, no ORM.

The Sở Nội vụ edits templates and rule sets in the database (``scoring.models``);
``scoring.selectors.ruleset_rules`` turns one published rule set into these objects, and
``scoring.engine`` applies them. Keeping the engine on plain data makes it fast (a province
of 50,000 in one batch), testable without a database, and usable by the offline simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum, StrEnum


class Level(IntEnum):
    """The four rating levels, ordered so that ``a >= b`` reads "a is at least b"."""

    KHTNV = 1
    HTNV = 2
    HTTNV = 3
    HTXSNV = 4


LEVEL_NAMES_VI: dict[Level, str] = {
    Level.HTXSNV: "Hoàn thành xuất sắc nhiệm vụ",
    Level.HTTNV: "Hoàn thành tốt nhiệm vụ",
    Level.HTNV: "Hoàn thành nhiệm vụ",
    Level.KHTNV: "Không hoàn thành nhiệm vụ",
}
LEVEL_NAMES_EN: dict[Level, str] = {
    Level.HTXSNV: "excellent",
    Level.HTTNV: "good",
    Level.HTNV: "completed",
    Level.KHTNV: "not completed",
}


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Leadership(StrEnum):
    """Leadership of a position: cấp trưởng (head), cấp phó (deputy) or none."""

    NONE = "none"
    DEPUTY = "deputy"
    HEAD = "head"


class Discipline(StrEnum):
    """Disciplinary measures, mildest first.

    khiển trách, cảnh cáo, hạ bậc lương / giáng chức / cách chức, buộc thôi việc.
    """

    NONE = "none"
    REPRIMAND = "reprimand"
    WARNING = "warning"
    DEMOTION = "demotion"
    DISMISSAL = "dismissal"


DISCIPLINE_SEVERITY: dict[Discipline, int] = {
    Discipline.NONE: 0,
    Discipline.REPRIMAND: 1,
    Discipline.WARNING: 2,
    Discipline.DEMOTION: 3,
    Discipline.DISMISSAL: 4,
}


class TaskMode(StrEnum):
    """How the task-results component is scored.

    ``products``: from the month's registered products (Decree 335 model, DOMAIN.md §3).
    ``direct``: the manager scores the component directly (Hà Nội 3814 framework).
    ``conditions``: no points at all — the level is the highest one all of whose conditions the
    evaluator marked as met (Decree 90/2020 as amended by 48/2023, public employees).
    """

    PRODUCTS = "products"
    DIRECT = "direct"
    CONDITIONS = "conditions"


class ConditionScope(StrEnum):
    """Whom a level condition applies to: everyone, leaders (heads, deputies) only, or the
    staff who lead nobody only (Decree 90 lists the two separately in each level's article)."""

    ALL = "all"
    LEADERS = "leaders"
    NON_LEADERS = "non_leaders"


class QuotaBase(StrEnum):
    """What the top-level quota is a percentage of.

    ``good``: HTXSNV ≤ p × HTTNV on the final ratings (Decree 335 / 48).
    ``rated``: HTXSNV ≤ p × everyone rated in the group (Hà Nội: A ≤ 30 % of those rated).
    """

    GOOD = "good"
    RATED = "rated"


class QuotaScope(StrEnum):
    """The group within which the quota is counted."""

    AGENCY_DUTY_GROUP = "agency_duty_group"
    AGENCY = "agency"


@dataclass(frozen=True, slots=True)
class CriterionRule:
    """One general criterion of a template (e.g. G1, 5 points)."""

    code: str
    max_points: Decimal


@dataclass(frozen=True, slots=True)
class LevelConditionRule:
    """One condition of a level (templates with ``task_mode`` "conditions"), e.g. HTNV1."""

    code: str
    level: Level
    applies_to: ConditionScope = ConditionScope.ALL


@dataclass(frozen=True, slots=True)
class TemplateRules:
    """A published criteria-template version, as the engine needs it."""

    code: str
    version: int
    criteria: tuple[CriterionRule, ...]
    task_mode: TaskMode = TaskMode.PRODUCTS
    task_max: Decimal = Decimal("70")
    # Relative weights of quantity, quality and progress; normalised by their sum, so
    # (1, 1, 1) means exactly one third each without a rounded 0.3333.
    weight_quantity: Decimal = Decimal("1")
    weight_quality: Decimal = Decimal("1")
    weight_progress: Decimal = Decimal("1")
    error_deduction: Decimal = Decimal("0.25")
    delay_deduction: Decimal = Decimal("0.25")
    bonus_max: Decimal = Decimal("0")
    deduction_max: Decimal | None = None
    total_cap: Decimal | None = Decimal("100")
    # Leaders' task results also count the unit they direct (DOMAIN.md §3): this share of the
    # task points comes from the unit component, which is 100 % when every direct subordinate
    # is at least HTNV and ``unit_factor_if_khtnv`` when any is KHTNV. 0 switches it off.
    leader_unit_share: Decimal = Decimal("0")
    unit_factor_if_khtnv: Decimal = Decimal("0.5")
    # Decree 335's leader formula (DOMAIN.md §3): a head's or deputy's task points are the
    # weighted mean of six components — quantity, quality, progress (from the products), the
    # unit % (100 % when everyone under them scores at least the HTNV band, else
    # ``unit_factor_if_khtnv``), and the organising % and unity % the evaluator enters.
    # When on, it replaces ``leader_unit_share``.
    leader_components: bool = False
    weight_unit: Decimal = Decimal("1")
    weight_organising: Decimal = Decimal("1")
    weight_unity: Decimal = Decimal("1")
    # The values the evaluator may enter for organising and unity, in percent; () = any 0–100.
    leader_component_steps: tuple[Decimal, ...] = ()
    # The conditions of each level, under ``task_mode`` "conditions" (in the form's order).
    conditions: tuple[LevelConditionRule, ...] = ()

    @property
    def conditions_based(self) -> bool:
        return self.task_mode is TaskMode.CONDITIONS

    @property
    def condition_codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.conditions)

    @property
    def general_max(self) -> Decimal:
        return sum((c.max_points for c in self.criteria), Decimal("0"))

    @property
    def criteria_by_code(self) -> dict[str, CriterionRule]:
        return {c.code: c for c in self.criteria}


def parse_component_steps(text: str) -> tuple[Decimal, ...]:
    """A template's scale for organising and unity ("100,75,50,25,0") as Decimals, in the
    order written; "" is no scale (any value from 0 to 100). Raises ValueError naming the
    first value that is not a number from 0 to 100."""
    steps: list[Decimal] = []
    for token in text.split(","):
        token = token.strip()
        if not token:
            continue
        try:
            value = Decimal(token)
        except ArithmeticError:
            raise ValueError(token) from None
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
            raise ValueError(token)
        steps.append(value)
    return tuple(steps)


@dataclass(frozen=True, slots=True)
class Band:
    """Scores at or above ``min_score`` (and below the next band up) get ``level``."""

    min_score: Decimal
    level: Level


@dataclass(frozen=True, slots=True)
class CapRule:
    """A ceiling on the level by months worked in the period (DOMAIN.md §4.3).

    ``max_level`` None means "no level at all" (self-review only).
    """

    code: str
    period_kind: PeriodKind
    min_months: int
    max_months: int
    max_level: Level | None
    maternity_exempt: bool = True


@dataclass(frozen=True, slots=True)
class RuleSetRules:
    """A published rule-set version with its template: everything the engine applies."""

    code: str
    version: int
    template: TemplateRules
    bands: tuple[Band, ...] = (
        Band(Decimal("90"), Level.HTXSNV),
        Band(Decimal("70"), Level.HTTNV),
        Band(Decimal("50"), Level.HTNV),
    )
    discipline_override_from: Discipline | None = Discipline.REPRIMAND
    degradation_override: bool = True
    unit_corruption_override: bool = True
    caps: tuple[CapRule, ...] = ()
    gates_enabled: bool = True
    # Shares of direct subordinates, as fractions (0.70 = 70 %).
    gate_good_share: Decimal = Decimal("0.70")
    gate_completed_share: Decimal = Decimal("0.70")
    # Percent as a fraction (0.20 = 20 %); None disables the quota.
    quota_percent: Decimal | None = Decimal("0.20")
    quota_base: QuotaBase = QuotaBase.GOOD
    quota_scope: QuotaScope = QuotaScope.AGENCY_DUTY_GROUP
    quota_period_kinds: frozenset[PeriodKind] = field(default_factory=lambda: frozenset(PeriodKind))
    # The tracked period (DOMAIN.md §5: Decree 335 tracks results monthly or quarterly; Decree
    # 90 rates public employees once a year): a period of this kind is rated from its own
    # criteria and products (or conditions); longer ones are the mean of the tracked periods
    # inside them.
    cycle: PeriodKind = PeriodKind.MONTH
