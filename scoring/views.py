"""Province admin and inspector — read views of rule sets and criteria templates, and the
simulator page. Editing stays in the Django admin (versioned, frozen once published).

Who: ``Scope.sees_all`` (the province admin and the inspector); anyone else gets a 404, never
a 403. The simulator writes nothing (``scoring.selectors.ruleset_simulate``), so the read-only
inspector may use it too; agency heads and HR officers are not given it: their ratings come
from the real workflow, and the navigation links the rules only for the province.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Min, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from scoring.coverage import coverage_resolve
from scoring.forms import SimulatorForm
from scoring.models import (
    AdjustmentItem,
    CapRule,
    CriteriaTemplate,
    Criterion,
    CriterionGroup,
    RatingLevel,
    RuleSet,
    Status,
)
from scoring.selectors import ruleset_simulate
from scoring.simulator import SimulationError
from scoring.template_io import template_export_xlsx
from staff.access import Scope, request_scope
from staff.models import Agency, StaffCategory

# The page shows this many people of a batch; the whole batch is still rated.
MAX_SHOWN = 500


def _province_scope(request: HttpRequest) -> Scope:
    scope = request_scope(request)
    if not scope.sees_all:
        raise Http404
    return scope


# --- lists -----------------------------------------------------------------------------------


def _with_validity(versions: list[Any]) -> list[Any]:
    """A published version is in force from its publication until the next published version
    of the same code (``valid_until`` None: still in force). Drafts have no validity."""
    by_code: dict[str, list[Any]] = defaultdict(list)
    for v in versions:
        v.valid_until = None
        v.superseded = False
        if v.status == Status.PUBLISHED:
            by_code[v.code].append(v)
    for published in by_code.values():
        published.sort(key=lambda v: v.version)
        for older, newer in itertools.pairwise(published):
            older.valid_until = newer.published_at
            older.superseded = True
    return versions


@login_required
@require_GET
def ruleset_list(request: HttpRequest) -> HttpResponse:
    """Every rule-set and template version: three queries whatever their number."""
    _province_scope(request)
    rulesets = _with_validity(
        list(
            RuleSet.objects.select_related("template")
            .annotate(
                period_count=Count("periods"),
                first_day=Min("periods__starts_on"),
                last_day=Max("periods__ends_on"),
            )
            .order_by("code", "-version")
        )
    )
    # Agencies where the rule set rates someone today (any staff category, DOMAIN.md §5).
    resolved = coverage_resolve(on=timezone.localdate())
    agencies_by_code: dict[str, set[int]] = defaultdict(set)
    for (agency_id, _category), ruleset_code in resolved.codes.items():
        agencies_by_code[ruleset_code].add(agency_id)
    coverage = {c: len(ids) for c, ids in agencies_by_code.items()}
    for r in rulesets:
        r.agency_count = coverage.get(r.code, 0)
    templates = _with_validity(
        list(
            CriteriaTemplate.objects.annotate(
                criteria_count=Count("criteria", distinct=True),
                ruleset_count=Count("rulesets", distinct=True),
            ).order_by("code", "-version")
        )
    )
    return render(
        request,
        "scoring/ruleset_list.html",
        {"rulesets": rulesets, "templates": templates},
    )


# --- one rule set ----------------------------------------------------------------------------


def _level_name(value: str) -> str:
    return str(RatingLevel(value).label) if value else ""


@login_required
@require_GET
def ruleset_detail(request: HttpRequest, code: str, version: int) -> HttpResponse:
    _province_scope(request)
    ruleset = (
        RuleSet.objects.select_related("template", "published_by", "created_by")
        .prefetch_related(
            Prefetch("caps", queryset=CapRule.objects.order_by("period_kind", "min_months"))
        )
        .annotate(
            period_count=Count("periods"),
            first_day=Min("periods__starts_on"),
            last_day=Max("periods__ends_on"),
        )
        .filter(code=code, version=version)
        .first()
    )
    if ruleset is None:
        raise Http404
    newer = (
        RuleSet.objects.filter(code=code, status=Status.PUBLISHED, version__gt=version)
        .order_by("version")
        .values("version", "published_at")
        .first()
    )
    ruleset.valid_until = newer["published_at"] if newer and ruleset.is_published else None
    bands = [
        (RatingLevel.HTXSNV, ruleset.band_excellent_min, ruleset.label_htxsnv),
        (RatingLevel.HTTNV, ruleset.band_good_min, ruleset.label_httnv),
        (RatingLevel.HTNV, ruleset.band_completed_min, ruleset.label_htnv),
        (RatingLevel.KHTNV, None, ruleset.label_khtnv),
    ]
    caps = [
        {
            "cap": cap,
            "max_level": _level_name(cap.max_level),
        }
        for cap in ruleset.caps.all()
    ]
    quota_kinds = [
        label
        for applies, label in (
            (ruleset.quota_applies_month, _("tháng")),
            (ruleset.quota_applies_quarter, _("quý")),
            (ruleset.quota_applies_year, _("năm")),
        )
        if applies
    ]
    # Whom it rates today: each agency, with the staff categories when not all of them.
    categories: dict[int, list[str]] = defaultdict(list)
    for category, agency_ids in coverage_resolve(on=timezone.localdate()).agencies_of(code).items():
        for agency_id in agency_ids:
            categories[agency_id].append(category)
    every = len(StaffCategory.values)
    agencies = [
        (
            a.code,
            a.name,
            ""
            if len(categories[a.pk]) == every
            else ", ".join(str(StaffCategory(c).label) for c in categories[a.pk]),
        )
        for a in Agency.objects.filter(pk__in=sorted(categories)).order_by("code")
    ]
    return render(
        request,
        "scoring/ruleset_detail.html",
        {
            "ruleset": ruleset,
            "newer": newer,
            "bands": bands,
            "caps": caps,
            "quota_kinds": quota_kinds,
            "agencies": agencies,
        },
    )


# --- one template ----------------------------------------------------------------------------


def _template_or_404(code: str, version: int) -> CriteriaTemplate:
    template = CriteriaTemplate.objects.filter(code=code, version=version).first()
    if template is None:
        raise Http404
    return template


@login_required
@require_GET
def template_detail(request: HttpRequest, code: str, version: int) -> HttpResponse:
    _province_scope(request)
    template = _template_or_404(code, version)
    groups = list(
        CriterionGroup.objects.filter(template=template)
        .order_by("order", "code")
        .prefetch_related(
            Prefetch("criteria", queryset=Criterion.objects.order_by("order", "code"))
        )
    )
    general_total = sum((c.max_points for g in groups for c in g.criteria.all()), Decimal("0"))
    items = list(AdjustmentItem.objects.filter(template=template).order_by("kind", "order", "code"))
    rulesets = list(template.rulesets.order_by("code", "version").values("code", "version"))
    return render(
        request,
        "scoring/template_detail.html",
        {
            "template": template,
            "groups": groups,
            "general_total": general_total,
            "items": items,
            "rulesets": rulesets,
        },
    )


@login_required
@require_GET
def template_xlsx(request: HttpRequest, code: str, version: int) -> HttpResponse:
    """The version as the workbook the admin's import reads back (scoring.template_io)."""
    _province_scope(request)
    template = _template_or_404(code, version)
    response = HttpResponse(
        template_export_xlsx(template=template),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"mau-tieu-chi-{template.code}-v{template.version}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- the simulator ---------------------------------------------------------------------------


def _example_batch(ruleset: RuleSet) -> str:
    """A valid sample batch for ``ruleset``: its own criteria codes, this month, one agency.

    Four people: a leader with two subordinates, a strong specialist, one whose product had an
    error and a delay, and one with no product at all (no level: "no products" is a finding).
    """
    criteria = list(
        Criterion.objects.filter(template_id=ruleset.template_id).order_by("order", "code")
    )

    def general(share: Decimal) -> dict[str, Any]:
        return {
            c.code: _json_number((c.max_points * share).quantize(Decimal("0.01"), ROUND_DOWN))
            for c in criteria
        }

    today = timezone.localdate()
    product = {"weight": 1, "completed": True, "major_errors": 0, "delays": 0}
    flawed = {"weight": 1, "completed": True, "major_errors": 1, "delays": 1}
    people = [
        {
            "code": "VD001",
            "agency": "SO-VD",
            "duty_group": "LD",
            "leader": "head",
            "subordinates": ["VD002", "VD003", "VD004"],
            "general": general(Decimal("1")),
            "products": [product],
        },
        {
            "code": "VD002",
            "agency": "SO-VD",
            "duty_group": "CV",
            "general": general(Decimal("1")),
            "products": [product, {**product, "weight": 2}],
        },
        {
            "code": "VD003",
            "agency": "SO-VD",
            "duty_group": "CV",
            "general": general(Decimal("0.8")),
            "products": [flawed],
        },
        {
            "code": "VD004",
            "agency": "SO-VD",
            "duty_group": "CV",
            "general": general(Decimal("0.8")),
            "products": [],
        },
    ]
    batch = {"ruleset": ruleset.code, "period": f"{today:%Y-%m}", "people": people}
    return json.dumps(batch, ensure_ascii=False, indent=2)


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _published_rulesets() -> list[RuleSet]:
    return list(
        RuleSet.objects.filter(status=Status.PUBLISHED)
        .select_related("template")
        .order_by("code", "-version")
    )


@login_required
@require_http_methods(["GET", "POST"])
def simulator(request: HttpRequest) -> HttpResponse:
    """Choose a published rule-set version, paste or upload a batch, see the ratings."""
    _province_scope(request)
    posted = request.method == "POST"
    form = SimulatorForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        rulesets=_published_rulesets(),
        default_choice=request.GET.get("ruleset", ""),
    )
    text, result = "", None
    if form.wants_example:
        text = _example_batch(form.selected) if form.selected else ""
    elif form.is_bound:
        if form.is_valid():
            selected = form.selected
            try:
                result = ruleset_simulate(
                    code=selected.code, version=selected.version, data=form.cleaned_data["data"]
                )
            except SimulationError as exc:
                form.add_simulation_error(exc)
        text = form.text
    return render(
        request,
        "scoring/simulator.html",
        {
            "rulesets": form.rulesets,
            "selected": form.selected,
            "text": text,
            "errors": form.errors_shown,
            "result": _shown_result(result) if result is not None else None,
            "english": translation.get_language() == "en",
            "max_shown": MAX_SHOWN,
        },
    )


def _shown_result(result: dict[str, Any]) -> dict[str, Any]:
    """The simulator's output as the page shows it: the first ``MAX_SHOWN`` people, with their
    level's name, and the count of each level over the whole batch."""
    people = result["people"]
    return {
        "people": [{**p, "level_name": _level_name(p["level"] or "")} for p in people[:MAX_SHOWN]],
        "total": len(people),
        "truncated": len(people) > MAX_SHOWN,
        "levels": _level_counts(people),
        "quota": result["quota"],
        "ruleset": result["ruleset"],
        "version": result["ruleset_version"],
        "period": result["period"],
    }


def _level_counts(people: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    counts: dict[str, int] = defaultdict(int)
    for p in people:
        counts[p["level"] or ""] += 1
    rows = [(value, str(label), counts[value]) for value, label in RatingLevel.choices]
    if counts.get(""):
        rows.append(("", _("Chưa xếp loại"), counts[""]))
    return rows


urls: list[URLPattern] = [
    path("", ruleset_list, name="rulesets"),
    path("simulator/", simulator, name="simulator"),
    path("rulesets/<str:code>/<int:version>/", ruleset_detail, name="ruleset"),
    path("templates/<str:code>/<int:version>/", template_detail, name="template"),
    path("templates/<str:code>/<int:version>/xlsx/", template_xlsx, name="template-xlsx"),
]
