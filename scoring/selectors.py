"""Reads of templates and rule sets, and their conversion into the engine's dataclasses.

``ruleset_rules`` is the one bridge between the database and ``scoring.engine``: the engine
gets plain frozen ``scoring.rules`` objects and never touches the ORM. Conversion is exact
(Decimal throughout; percents become fractions by moving the decimal point, not by float
division) and costs a constant number of queries whatever the number of criteria or caps.

``ruleset_simulate`` is the database side of the simulator: it loads the rule set and hands it
to ``scoring.simulator``, which stays free of Django (bench/engine.py imports it without
setting Django up).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from scoring import rules
from scoring.models import CapRule, CriteriaTemplate, Criterion, LevelCondition, RuleSet, Status
from scoring.simulator import SimulationError, simulate


def _percent_to_fraction(value: Decimal) -> Decimal:
    # scaleb is exact: Decimal("20.00") → Decimal("0.2000"), never a binary-float artefact.
    return value.scaleb(-2)


def _criteria_prefetch(prefix: str = "") -> Prefetch:
    return Prefetch(
        f"{prefix}criteria",
        queryset=Criterion.objects.order_by("group__order", "group__code", "order", "code"),
    )


def _caps_prefetch() -> Prefetch:
    return Prefetch("caps", queryset=CapRule.objects.order_by("period_kind", "min_months", "code"))


def ruleset_list(*, code: str | None = None, status: str | None = None) -> QuerySet[RuleSet]:
    """Rule-set versions for listing (API, admin pickers), newest version of each code first."""
    qs = RuleSet.objects.select_related("template", "published_by").order_by("code", "-version")
    if code is not None:
        qs = qs.filter(code=code)
    if status is not None:
        qs = qs.filter(status=status)
    return qs


def ruleset_get_published(*, code: str, version: int | None = None) -> RuleSet:
    """The published version ``version`` of ``code``, or its latest published version.

    Raises ``RuleSet.DoesNotExist`` when there is none: a draft is never returned, because
    periods must only ever be rated under frozen rules. The result comes with its template,
    criteria and caps prefetched, so ``ruleset_rules`` on it costs no further query.
    """
    qs = (
        RuleSet.objects.filter(code=code, status=Status.PUBLISHED)
        .select_related("template")
        .prefetch_related(_caps_prefetch(), _criteria_prefetch("template__"))
    )
    if version is not None:
        return qs.get(version=version)
    ruleset = qs.order_by("-version").first()
    if ruleset is None:
        raise RuleSet.DoesNotExist(f"No published rule set {code!r}.")
    return ruleset


def template_criteria(template: CriteriaTemplate) -> tuple[Criterion, ...]:
    """The template's criteria in the form's order (order, code).

    A published template never changes (``scoring.models``), so its criteria are read once per
    process and kept — the month-end pages and saves read them on every request — under the
    template's id AND publication time, so an id reused after a restore (or a test's rollback)
    is another key. A draft's criteria are read every time. Treat the rows as read-only.
    """
    if template.status == Status.PUBLISHED and template.published_at is not None:
        return _published_criteria(template.pk, template.published_at)
    return _read_criteria(template.pk)


@lru_cache(maxsize=256)
def _published_criteria(template_id: int, published_at: dt.datetime) -> tuple[Criterion, ...]:
    return _read_criteria(template_id)


def _read_criteria(template_id: int) -> tuple[Criterion, ...]:
    return tuple(Criterion.objects.filter(template_id=template_id).order_by("order", "code"))


def template_conditions(template: CriteriaTemplate) -> tuple[LevelCondition, ...]:
    """The template's level conditions in the form's order (level, highest first, then order
    and code); cached for a published template like its criteria. Treat them as read-only."""
    if template.status == Status.PUBLISHED and template.published_at is not None:
        return _published_conditions(template.pk, template.published_at)
    return _read_conditions(template.pk)


@lru_cache(maxsize=256)
def _published_conditions(
    template_id: int, published_at: dt.datetime
) -> tuple[LevelCondition, ...]:
    return _read_conditions(template_id)


_LEVEL_ORDER = {name: index for index, name in enumerate(("HTXSNV", "HTTNV", "HTNV"))}


def _read_conditions(template_id: int) -> tuple[LevelCondition, ...]:
    rows = LevelCondition.objects.filter(template_id=template_id)
    return tuple(sorted(rows, key=lambda c: (_LEVEL_ORDER.get(c.level, 9), c.order, c.code)))


def template_rules(*, template: CriteriaTemplate) -> rules.TemplateRules:
    """``template`` as the engine's ``TemplateRules`` (drafts too: the simulator tries them)."""
    prefetch_related_objects([template], _criteria_prefetch())
    conditions = (
        tuple(
            rules.LevelConditionRule(
                code=c.code,
                level=rules.Level[c.level],
                applies_to=rules.ConditionScope(c.applies_to),
            )
            for c in template_conditions(template)
        )
        if template.task_mode == rules.TaskMode.CONDITIONS
        else ()
    )
    return rules.TemplateRules(
        code=template.code,
        version=template.version,
        criteria=tuple(
            rules.CriterionRule(code=c.code, max_points=c.max_points)
            for c in template.criteria.all()
        ),
        task_mode=rules.TaskMode(template.task_mode),
        task_max=template.task_max,
        weight_quantity=template.weight_quantity,
        weight_quality=template.weight_quality,
        weight_progress=template.weight_progress,
        error_deduction=template.error_deduction,
        delay_deduction=template.delay_deduction,
        bonus_max=template.bonus_max,
        deduction_max=template.deduction_max,
        total_cap=template.total_cap,
        leader_unit_share=template.leader_unit_share,
        unit_factor_if_khtnv=template.unit_factor_if_khtnv,
        leader_components=template.leader_components,
        weight_unit=template.weight_unit,
        weight_organising=template.weight_organising,
        weight_unity=template.weight_unity,
        leader_component_steps=_component_steps(template),
        conditions=conditions,
    )


def _component_steps(template: CriteriaTemplate) -> tuple[Decimal, ...]:
    """The template's organising/unity scale; publication refuses a malformed one, so only a
    draft tried in the simulator can fail here (ValueError naming the value)."""
    try:
        return rules.parse_component_steps(template.leader_component_steps)
    except ValueError as exc:
        raise ValueError(
            f"thang điểm năng lực tổ chức, đoàn kết không hợp lệ: {exc} "
            f"/ invalid organising and unity scale: {exc}"
        ) from None


def ruleset_rules(*, ruleset: RuleSet) -> rules.RuleSetRules:
    """``ruleset`` with its template as the engine's ``RuleSetRules``.

    At most three queries (template, criteria, caps), none when the rule set came from
    ``ruleset_get_published``. Drafts convert too, for the simulator; rating a real period
    must go through ``ruleset_get_published``.
    """
    prefetch_related_objects([ruleset], "template", _caps_prefetch())
    bands = sorted(
        (
            rules.Band(ruleset.band_excellent_min, rules.Level.HTXSNV),
            rules.Band(ruleset.band_good_min, rules.Level.HTTNV),
            rules.Band(ruleset.band_completed_min, rules.Level.HTNV),
        ),
        key=lambda band: band.min_score,
        reverse=True,
    )
    period_kinds = frozenset(
        kind
        for kind, applies in (
            (rules.PeriodKind.MONTH, ruleset.quota_applies_month),
            (rules.PeriodKind.QUARTER, ruleset.quota_applies_quarter),
            (rules.PeriodKind.YEAR, ruleset.quota_applies_year),
        )
        if applies
    )
    return rules.RuleSetRules(
        code=ruleset.code,
        version=ruleset.version,
        template=template_rules(template=ruleset.template),
        bands=tuple(bands),
        discipline_override_from=(
            rules.Discipline(ruleset.discipline_override_from)
            if ruleset.discipline_override_from
            else None
        ),
        degradation_override=ruleset.degradation_override,
        unit_corruption_override=ruleset.unit_corruption_override,
        caps=tuple(
            rules.CapRule(
                code=cap.code,
                period_kind=rules.PeriodKind(cap.period_kind),
                min_months=cap.min_months,
                max_months=cap.max_months,
                max_level=rules.Level[cap.max_level] if cap.max_level else None,
                maternity_exempt=cap.maternity_exempt,
            )
            for cap in ruleset.caps.all()
        ),
        gates_enabled=ruleset.gates_enabled,
        gate_good_share=_percent_to_fraction(ruleset.gate_good_share_percent),
        gate_completed_share=_percent_to_fraction(ruleset.gate_completed_share_percent),
        quota_percent=(
            _percent_to_fraction(ruleset.quota_percent)
            if ruleset.quota_percent is not None
            else None
        ),
        quota_base=rules.QuotaBase(ruleset.quota_base),
        quota_scope=rules.QuotaScope(ruleset.quota_scope),
        quota_period_kinds=period_kinds,
        cycle=rules.PeriodKind(ruleset.cycle),
    )


def ruleset_simulate(*, code: Any, data: Any, version: int | None = None) -> dict[str, Any]:
    """Load rule set ``code`` from the database and simulate ``data`` with it; writes nothing.

    Without ``version`` the latest published version is used; with it, that exact version,
    a draft included — trying a draft before publishing it is what the simulator is for.
    Raises SimulationError (path ``ruleset``) for an unknown rule set, as for any bad input.
    """
    if not isinstance(code, str) or not code.strip():
        raise SimulationError("ruleset", "thiếu mã bộ quy tắc", "the rule set code is missing")
    code = code.strip()
    try:
        if version is None:
            ruleset = ruleset_get_published(code=code)
        else:
            ruleset = RuleSet.objects.select_related("template").get(code=code, version=version)
    except RuleSet.DoesNotExist:
        which = f"{code!r}" if version is None else f"{code!r} phiên bản {version}"
        which_en = f"{code!r}" if version is None else f"{code!r} version {version}"
        raise SimulationError(
            "ruleset",
            f"không có bộ quy tắc {which}" + (" đã công bố" if version is None else ""),
            f"no {'published ' if version is None else ''}rule set {which_en}",
        ) from None
    try:
        rules_ = ruleset_rules(ruleset=ruleset)
    except ValueError as exc:
        vi, _, en = str(exc).partition(" / ")
        raise SimulationError("ruleset", vi, en or vi) from None
    return simulate(data, rules_)
