"""Inspector (and province admin) — read-only views of any evaluation and its audit trail.

Who: ``Scope.can_read_audit()`` (the inspector and the province admin); anyone else gets a 404
on both pages, never a 403. Opening someone else's evaluation is written to the access log,
exactly as the API's detail and audit endpoints do (``staff.accesslog.record_read``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import translation
from django.views.decorators.http import require_GET

from evaluation.selectors.inspect import (
    PAGE_SIZE,
    audit_trail,
    chain_summary,
    criterion_rows,
    inspect_evaluation,
    inspect_filters,
    inspect_search,
)
from scoring.models import DisciplineChoice
from staff import accesslog
from staff.access import Scope, request_scope


def _auditor_scope(request: HttpRequest) -> Scope:
    scope = request_scope(request)
    if not scope.can_read_audit():
        raise Http404
    return scope


@login_required
@require_GET
def inspect_list(request: HttpRequest) -> HttpResponse:
    """Search every evaluation by name or code, period, agency and status; 25 a page, newest
    period first (every evaluation when nothing is typed)."""
    scope = _auditor_scope(request)
    params = {
        key: request.GET.get(key, "").strip()[:200] for key in ("q", "period", "agency", "status")
    }
    searched = any(params.values())
    page = Paginator(inspect_search(scope=scope, **params), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "evaluation/inspect/list.html",
        {
            "filters": inspect_filters(scope=scope),
            "params": params,
            "searched": searched,
            "page": page,
            "query": query.urlencode(),
        },
    )


@login_required
@require_GET
def inspect_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One evaluation, read-only, with its full audit trail in time order."""
    scope = _auditor_scope(request)
    evaluation = inspect_evaluation(scope=scope, pk=pk)
    if evaluation is None:
        raise Http404
    accesslog.record_read(request, evaluation)
    trail = audit_trail(evaluation=evaluation)
    english = translation.get_language() == "en"
    reasons = [
        (r.get("message_en") if english else r.get("message")) or r.get("code", "")
        for r in (evaluation.reasons or [])
        if isinstance(r, dict)
    ]
    return render(
        request,
        "evaluation/inspect/detail.html",
        {
            "evaluation": evaluation,
            "criteria": criterion_rows(evaluation),
            "products": list(evaluation.products.all()),
            "appeals": list(evaluation.appeals.all()),
            "reasons": reasons,
            "discipline": dict(DisciplineChoice.choices).get(
                evaluation.discipline, evaluation.discipline
            ),
            "trail": trail,
            "chain": chain_summary(trail),
        },
    )


urls: list[URLPattern] = [
    path("inspect/", inspect_list, name="inspect"),
    path("inspect/<int:pk>/", inspect_detail, name="inspect-detail"),
]
