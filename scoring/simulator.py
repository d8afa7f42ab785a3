"""The simulator: rate a JSON batch offline with a rule set, writing nothing.

The Sở Nội vụ tries a rule set on a batch before using it (``manage.py rate FILE.json`` and
``POST /api/v1/rulesets/{code}/simulate/``). This module is the contract both share:
``parse_batch`` validates the JSON against the rule set and names the JSON path of the first
problem found (``people[3].products[0].weight``) in Vietnamese with English; ``render_batch``
turns the engine's result into the documented output. See docs/simulator.md.

The rule set comes from the database through ``scoring.selectors.ruleset_simulate``; this module
imports no Django, so that a batch can be rated where there is none (bench/engine.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from scoring.engine import (
    BatchResult,
    MonthScore,
    PersonInput,
    PersonResult,
    ProductOutcome,
    QuotaException,
    condition_applies,
    rate_batch,
)
from scoring.periods import Period, PeriodFormatError, parse_period
from scoring.rules import Discipline, Leadership, PeriodKind, RuleSetRules

CATEGORIES = ("CB", "CC", "VC", "NLD")
MAX_PEOPLE = 200_000
MAX_PRODUCTS = 500
MAX_WEIGHT = Decimal("1000")
MAX_COUNT = 1000
# Bound for values the rules leave open (e.g. deductions with no maximum): keeps arithmetic exact.
SANITY_MAXIMUM = Decimal("1000000")


@dataclass(frozen=True, slots=True)
class SimulationError(Exception):
    """Bad input: where (a JSON path) and what, in Vietnamese and English."""

    path: str
    message: str
    message_en: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.message} / {self.message_en}"

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "message_en": self.message_en}


@dataclass(frozen=True, slots=True)
class Batch:
    """A validated batch, ready for the engine."""

    ruleset: str
    period: Period
    people: list[PersonInput]
    exceptions: list[QuotaException]


# --------------------------------------------------------------------------------------------
# Field readers: each names its JSON path in the error
# --------------------------------------------------------------------------------------------


def _require_object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SimulationError(path, "phải là một đối tượng JSON", "must be a JSON object")
    return value


def _string(value: Any, path: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise SimulationError(path, "phải là chuỗi ký tự không rỗng", "must be a non-empty string")
    return value.strip()


def _number(
    value: Any,
    path: str,
    *,
    default: Decimal | None = None,
    minimum: Decimal | None = Decimal(0),
    maximum: Decimal | None = None,
    places: int = 2,
) -> Decimal:
    """A JSON number (or numeric string) as an exact Decimal, within bounds and decimals."""
    if value is None:
        if default is None:
            raise SimulationError(path, "thiếu giá trị bắt buộc", "a required value is missing")
        return default
    # JSON numbers only (read as Decimal by the command, as float by the API): a string such
    # as "5" is a wrong type, not a number.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise SimulationError(path, "phải là một số", "must be a number")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise SimulationError(path, "phải là một số", "must be a number") from None
    if not number.is_finite():
        raise SimulationError(path, "phải là một số hữu hạn", "must be a finite number")
    if minimum is not None and number < minimum:
        raise SimulationError(
            path,
            f"không được nhỏ hơn {minimum} (đang là {number})",
            f"must not be less than {minimum} (got {number})",
        )
    if maximum is None:
        maximum = SANITY_MAXIMUM
    if number > maximum:
        raise SimulationError(
            path,
            f"vượt mức tối đa {maximum} (đang là {number})",
            f"exceeds the maximum {maximum} (got {number})",
        )
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places and number != number.normalize():
        number = number.normalize()
        exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise SimulationError(
            path,
            f"chỉ được có tối đa {places} chữ số thập phân",
            f"must have at most {places} decimal places",
        )
    return number


def _count(value: Any, path: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise SimulationError(path, "phải là số nguyên không âm", "must be a non-negative integer")
    if not 0 <= value <= MAX_COUNT:
        raise SimulationError(
            path,
            f"phải nằm trong khoảng 0–{MAX_COUNT}",
            f"must be between 0 and {MAX_COUNT}",
        )
    return value


def _bool(value: Any, path: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise SimulationError(path, "phải là true hoặc false", "must be true or false")
    return value


def _choice(value: Any, path: str, choices: tuple[str, ...], default: str) -> str:
    if value is None:
        return default
    if value not in choices:
        allowed = ", ".join(choices)
        raise SimulationError(
            path,
            f"giá trị không hợp lệ {value!r}; chỉ nhận: {allowed}",
            f"invalid value {value!r}; expected one of: {allowed}",
        )
    return value


def _list(value: Any, path: str, *, limit: int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SimulationError(path, "phải là một danh sách", "must be a list")
    if len(value) > limit:
        raise SimulationError(
            path,
            f"quá nhiều phần tử ({len(value)} > {limit})",
            f"too many items ({len(value)} > {limit})",
        )
    return value


# --------------------------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------------------------


def _general(value: Any, path: str, rules: RuleSetRules) -> Decimal | dict[str, Decimal] | None:
    template = rules.template
    if value is None:
        return None
    if isinstance(value, Mapping):
        criteria = template.criteria_by_code
        points: dict[str, Decimal] = {}
        for code, raw in value.items():
            criterion = criteria.get(code)
            if criterion is None:
                known = ", ".join(criteria)
                raise SimulationError(
                    f"{path}.{code}",
                    f"tiêu chí không có trong mẫu {template.code} (các tiêu chí: {known})",
                    f"criterion not in template {template.code} (criteria: {known})",
                )
            points[code] = _number(raw, f"{path}.{code}", maximum=criterion.max_points)
        return points
    return _number(value, path, maximum=template.general_max)


def _product(value: Any, path: str) -> ProductOutcome:
    data = _require_object(value, path)
    weight = _number(data.get("weight"), f"{path}.weight", maximum=MAX_WEIGHT, places=4)
    return ProductOutcome(
        weight=weight,
        completed=_bool(data.get("completed", True), f"{path}.completed"),
        major_errors=_count(data.get("major_errors"), f"{path}.major_errors"),
        delays=_count(data.get("delays"), f"{path}.delays"),
        objective_cause=_bool(data.get("objective_cause"), f"{path}.objective_cause"),
    )


def _months(
    value: Any, path: str, period: Period, cycle: PeriodKind = PeriodKind.MONTH
) -> tuple[MonthScore, ...]:
    """The scores a quarter or year is the mean of: its months, or under a quarterly rule set
    its quarters (``YYYY-Qn``, DOMAIN.md §5) — given under ``months`` either way."""
    if cycle is PeriodKind.QUARTER:
        return _tracked_scores(value, path, period, cycle)
    allowed = set(period.month_labels)
    seen: set[str] = set()
    months: list[MonthScore] = []
    for index, item in enumerate(_list(value, path, limit=12)):
        item_path = f"{path}[{index}]"
        data = _require_object(item, item_path)
        label = _string(data.get("period"), f"{item_path}.period")
        try:
            month = parse_period(label)
        except PeriodFormatError:
            raise SimulationError(
                f"{item_path}.period",
                f"kỳ tháng không hợp lệ {label!r}; cần dạng YYYY-MM",
                f"invalid month {label!r}; expected YYYY-MM",
            ) from None
        if month.kind is not PeriodKind.MONTH or label not in allowed:
            raise SimulationError(
                f"{item_path}.period",
                f"tháng {label} không thuộc kỳ {period.label}",
                f"month {label} is not in {period.label}",
            )
        if label in seen:
            raise SimulationError(
                f"{item_path}.period",
                f"tháng {label} bị lặp lại",
                f"month {label} appears twice",
            )
        seen.add(label)
        score = _number(data.get("score"), f"{item_path}.score", maximum=Decimal(100))
        months.append(MonthScore(label, score))
    return tuple(months)


def _tracked_scores(
    value: Any, path: str, period: Period, cycle: PeriodKind
) -> tuple[MonthScore, ...]:
    allowed = set(period.tracked_labels(cycle))
    seen: set[str] = set()
    scores: list[MonthScore] = []
    for index, item in enumerate(_list(value, path, limit=4)):
        item_path = f"{path}[{index}]"
        data = _require_object(item, item_path)
        label = _string(data.get("period"), f"{item_path}.period")
        try:
            quarter = parse_period(label)
        except PeriodFormatError:
            quarter = None
        if quarter is None or quarter.kind is not PeriodKind.QUARTER:
            raise SimulationError(
                f"{item_path}.period",
                f"bộ quy tắc theo dõi theo quý: cần kỳ quý dạng YYYY-Qn, không phải {label!r}",
                f"the rule set is tracked by quarter: expected a quarter YYYY-Qn, not {label!r}",
            )
        if label not in allowed:
            raise SimulationError(
                f"{item_path}.period",
                f"quý {label} không thuộc kỳ {period.label}",
                f"quarter {label} is not in {period.label}",
            )
        if label in seen:
            raise SimulationError(
                f"{item_path}.period", f"quý {label} bị lặp lại", f"quarter {label} appears twice"
            )
        seen.add(label)
        score = _number(data.get("score"), f"{item_path}.score", maximum=Decimal(100))
        scores.append(MonthScore(label, score))
    return tuple(scores)


COMPONENT_NAMES = {
    "organising": ("năng lực tổ chức triển khai thực hiện nhiệm vụ", "organising capacity"),
    "unity": ("năng lực tập hợp, đoàn kết", "capacity to unite"),
}


def _leader_component(
    data: Mapping[str, Any],
    name: str,
    path: str,
    leader: Leadership,
    rules: RuleSetRules,
    period: Period,
) -> Decimal | None:
    """A leader's organising or unity percent (Decree 335): 0–100 on the template's scale,
    only for leaders, required for them when the template counts it in the tracked period."""
    template = rules.template
    field_path = f"{path}.{name}"
    vi, en = COMPONENT_NAMES[name]
    raw = data.get(name)
    if raw is None:
        if (
            leader is not Leadership.NONE
            and template.leader_components
            and period.kind is rules.cycle
        ):
            raise SimulationError(
                field_path,
                f"thiếu {vi} (%) của lãnh đạo: mẫu {template.code} tính thành phần này",
                f"the leader's {en} (%) is missing: template {template.code} counts it",
            )
        return None
    if leader is Leadership.NONE:
        raise SimulationError(
            field_path,
            f"{vi} chỉ nhập cho lãnh đạo (leader là deputy hoặc head)",
            f"the {en} is entered for leaders only (leader deputy or head)",
        )
    if not template.leader_components:
        raise SimulationError(
            field_path,
            f"mẫu {template.code} không tính {vi} của lãnh đạo",
            f"template {template.code} does not count the leader's {en}",
        )
    value = _number(raw, field_path, maximum=Decimal(100))
    steps = template.leader_component_steps
    if steps and value not in steps:
        allowed = ", ".join(format(step.normalize(), "f") for step in steps)
        raise SimulationError(
            field_path,
            f"{value} không thuộc thang điểm của mẫu ({allowed})",
            f"{value} is not on the template's scale ({allowed})",
        )
    return value


def _conditions(
    data: Mapping[str, Any], path: str, rules: RuleSetRules, leader: Leadership
) -> frozenset[str] | None:
    """The level conditions met (a conditions-based template, Decree 90/48): a list of the
    template's condition codes that apply to the person (the managers' or the others', as the
    workflow refuses too); absent = not assessed (no level)."""
    raw = data.get("conditions_met")
    field_path = f"{path}.conditions_met"
    template = rules.template
    if raw is None:
        return None
    if not template.conditions_based:
        raise SimulationError(
            field_path,
            f"mẫu {template.code} v{template.version} chấm điểm, không xếp loại theo điều kiện",
            f"template {template.code} v{template.version} scores points; it has no level "
            "conditions",
        )
    known = template.condition_codes
    by_code = {c.code: c for c in template.conditions}
    codes = []
    for i, code in enumerate(_list(raw, field_path, limit=MAX_PRODUCTS)):
        if not isinstance(code, str) or code not in known:
            raise SimulationError(
                f"{field_path}[{i}]",
                f"điều kiện {code!r} không có trong mẫu {template.code} v{template.version}",
                f"condition {code!r} is not in template {template.code} v{template.version}",
            )
        if not condition_applies(by_code[code], leader):
            raise SimulationError(
                f"{field_path}[{i}]",
                f"điều kiện {code} không áp dụng cho người này (chức vụ quản lý: {leader})",
                f"condition {code} does not apply to this person (leadership: {leader})",
            )
        codes.append(code)
    return frozenset(codes)


def _months_worked(data: Mapping[str, Any], path: str, period: Period) -> int | None:
    """Months worked in a tracked quarter or year (the caps); absent = all of it."""
    raw = data.get("months_worked")
    if raw is None:
        return None
    value = _count(raw, f"{path}.months_worked")
    if value > period.months:
        raise SimulationError(
            f"{path}.months_worked",
            f"không quá {period.months} tháng trong kỳ {period.label}",
            f"at most {period.months} months in {period.label}",
        )
    return value


def _person(value: Any, path: str, rules: RuleSetRules, period: Period) -> PersonInput:
    data = _require_object(value, path)
    template = rules.template
    leader = Leadership(
        _choice(data.get("leader"), f"{path}.leader", tuple(Leadership), Leadership.NONE)
    )
    subordinates = tuple(
        _string(code, f"{path}.subordinates[{i}]")
        for i, code in enumerate(
            _list(data.get("subordinates"), f"{path}.subordinates", limit=MAX_PEOPLE)
        )
    )
    products_raw = _list(data.get("products"), f"{path}.products", limit=MAX_PRODUCTS)
    products = tuple(_product(item, f"{path}.products[{i}]") for i, item in enumerate(products_raw))
    task_points = data.get("task_points")
    return PersonInput(
        code=_string(data.get("code"), f"{path}.code"),
        agency=_string(data.get("agency"), f"{path}.agency"),
        duty_group=_string(data.get("duty_group"), f"{path}.duty_group", required=False),
        category=_choice(data.get("category"), f"{path}.category", CATEGORIES, "CC"),
        leader=leader,
        subordinates=subordinates,
        general=_general(data.get("general"), f"{path}.general", rules),
        products=products,
        task_points=None
        if task_points is None
        else _number(task_points, f"{path}.task_points", maximum=template.task_max),
        bonus=_number(
            data.get("bonus"), f"{path}.bonus", default=Decimal(0), maximum=template.bonus_max
        ),
        deductions=_number(
            data.get("deductions"),
            f"{path}.deductions",
            default=Decimal(0),
            maximum=template.deduction_max,
        ),
        discipline=Discipline(
            _choice(data.get("discipline"), f"{path}.discipline", tuple(Discipline), "none")
        ),
        degradation=_bool(data.get("degradation"), f"{path}.degradation"),
        unit_corruption=_bool(data.get("unit_corruption"), f"{path}.unit_corruption"),
        months=_months(data.get("months"), f"{path}.months", period, rules.cycle),
        maternity_leave=_bool(data.get("maternity_leave"), f"{path}.maternity_leave"),
        organising=_leader_component(data, "organising", path, leader, rules, period),
        unity=_leader_component(data, "unity", path, leader, rules, period),
        conditions_met=_conditions(data, path, rules, leader),
        months_worked=_months_worked(data, path, period),
    )


def _check_subordinates(people: list[PersonInput]) -> None:
    """Every subordinate is someone in the batch, not oneself, and there is no cycle."""
    index = {p.code: i for i, p in enumerate(people)}
    for i, person in enumerate(people):
        for j, code in enumerate(person.subordinates):
            path = f"people[{i}].subordinates[{j}]"
            if code not in index:
                raise SimulationError(
                    path,
                    f"không có cán bộ mã {code!r} trong danh sách",
                    f"no person with code {code!r} in the batch",
                )
            if code == person.code:
                raise SimulationError(
                    path, "không thể là cấp dưới của chính mình", "cannot be their own subordinate"
                )
    # Cycle detection, iteratively (a province's chain of command can be deep).
    state: dict[str, int] = {}
    for start in people:
        if start.code in state:
            continue
        stack = [(start.code, iter(start.subordinates))]
        state[start.code] = 1
        while stack:
            code, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[code] = 2
                stack.pop()
                continue
            if state.get(child) == 1:
                raise SimulationError(
                    f"people[{index[code]}].subordinates",
                    f"vòng lặp cấp dưới qua {child!r}",
                    f"subordinate cycle through {child!r}",
                )
            if child not in state:
                state[child] = 1
                stack.append((child, iter(people[index[child]].subordinates)))


def _exceptions(value: Any, path: str) -> list[QuotaException]:
    result = []
    for i, item in enumerate(_list(value, path, limit=10_000)):
        item_path = f"{path}[{i}]"
        data = _require_object(item, item_path)
        ceiling = data.get("ceiling")
        if isinstance(ceiling, bool) or not isinstance(ceiling, int) or ceiling < 0:
            raise SimulationError(
                f"{item_path}.ceiling",
                "phải là số nguyên không âm",
                "must be a non-negative integer",
            )
        result.append(
            QuotaException(
                agency=_string(data.get("agency"), f"{item_path}.agency"),
                duty_group=_string(
                    data.get("duty_group"), f"{item_path}.duty_group", required=False
                ),
                ceiling=ceiling,
                reference=_string(data.get("reference"), f"{item_path}.reference"),
            )
        )
    return result


def parse_period_field(value: Any) -> Period:
    try:
        return parse_period(value)
    except PeriodFormatError:
        raise SimulationError(
            "period",
            f"kỳ không hợp lệ {value!r}; cần dạng YYYY-MM (tháng), YYYY-Qn (quý) hoặc YYYY (năm)",
            f"invalid period {value!r}; expected YYYY-MM (month), YYYY-Qn (quarter) or YYYY (year)",
        ) from None


def parse_batch(data: Any, rules: RuleSetRules) -> Batch:
    """Validate a simulator request against the rule set; raise SimulationError on the first
    problem, naming its JSON path."""
    root = _require_object(data, "")
    period = parse_period_field(root.get("period"))
    raw_people = _list(root.get("people"), "people", limit=MAX_PEOPLE)
    people = [_person(item, f"people[{i}]", rules, period) for i, item in enumerate(raw_people)]
    seen: dict[str, int] = {}
    for i, person in enumerate(people):
        if person.code in seen:
            raise SimulationError(
                f"people[{i}].code",
                f"mã {person.code!r} trùng với people[{seen[person.code]}]",
                f"code {person.code!r} duplicates people[{seen[person.code]}]",
            )
        seen[person.code] = i
    _check_subordinates(people)
    return Batch(
        ruleset=rules.code,
        period=period,
        people=people,
        exceptions=_exceptions(root.get("quota_exceptions"), "quota_exceptions"),
    )


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def _num(value: Decimal | None) -> float | int | None:
    """JSON number for a 2-decimal Decimal (exactly representable as its shortest repr)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def render_person(result: PersonResult) -> dict[str, Any]:
    components = result.components
    shown: dict[str, Any] = {
        "general": _num(components.general) if components else None,
        "tasks": _num(components.tasks) if components else None,
        "bonus": _num(components.bonus) if components else None,
        "deductions": _num(components.deductions) if components else None,
    }
    if components is not None and components.leader is not None:
        # Decree 335's six components of a leader's task points, in percent.
        leader = components.leader
        shown["leader"] = {
            "quantity": _num(leader.quantity),
            "quality": _num(leader.quality),
            "progress": _num(leader.progress),
            "unit": _num(leader.unit),
            "organising": _num(leader.organising),
            "unity": _num(leader.unity),
        }
        if leader.own is not None:
            shown["leader"]["own"] = _num(leader.own)
    return {
        "code": result.code,
        "score": _num(result.score),
        "components": shown,
        "band": result.band.name if result.band is not None else None,
        "level": result.level.name if result.level is not None else None,
        "reasons": [
            {"code": r.code, "message": r.message, "message_en": r.message_en}
            for r in result.reasons
        ],
    }


def render_batch(batch: Batch, result: BatchResult, rules: RuleSetRules) -> dict[str, Any]:
    return {
        "ruleset": rules.code,
        "ruleset_version": rules.version,
        "period": batch.period.label,
        "people": [render_person(r) for r in result.people],
        "quota": [
            {
                "agency": q.agency,
                "duty_group": q.duty_group,
                "percent": _num(q.percent),
                "base": q.base.value,
                "candidates": q.candidates,
                "good": q.good,
                "rated": q.rated,
                "allowed": q.allowed,
                "kept": list(q.kept),
                "moved_down": list(q.moved_down),
                "exception": q.exception,
            }
            for q in result.quota
        ],
    }


def simulate(data: Any, rules: RuleSetRules) -> dict[str, Any]:
    """Validate, rate and render one batch. Raises SimulationError on bad input."""
    batch = parse_batch(data, rules)
    result = rate_batch(batch.people, rules, batch.period, batch.exceptions)
    return render_batch(batch, result, rules)
