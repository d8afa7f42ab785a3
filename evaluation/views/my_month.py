"""Staff member — “My month”: products, evidence, self-assessment, result, appeal, history.

Only the caller's OWN evaluations: every look-up goes through the scope's evaluations narrowed
to the caller's staff record, so anyone else's id — a subordinate's included — is a 404. Each
POST parses the form, calls one service and redirects; a refused step re-renders the page with
the service's error next to its field and everything typed kept (a stale version shows what is
saved beside what was typed, and saves nothing).
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from evaluation.errors import WorkflowError
from evaluation.models import Evaluation, PeriodKind, PeriodStatus, Product, Status
from evaluation.rating import evaluations_for_rating
from evaluation.selectors.access import evaluations_in_scope
from evaluation.selectors.conditions import condition_groups
from evaluation.selectors.home import NEXT_STEP
from evaluation.selectors.previews import level_preview
from evaluation.services.appeals import appeal_file
from evaluation.services.products import product_delete, product_register, product_set_outcome
from evaluation.services.workflow import evaluation_self_assess, uses_conditions
from evaluation.views.common import error_entry, errors_by_field, evaluation_or_404
from scoring.models import RatingLevel
from scoring.selectors import template_criteria
from staff.access import request_scope

# The person sees a level and its reasons once the result is public (never a signed but
# unpublished one).
RESULT_STATUSES = (Status.PUBLISHED, Status.UNDER_APPEAL, Status.CLOSED)
PREVIEW_STATUSES = (Status.DRAFT, Status.SELF_ASSESSED)
PRODUCT_FIELDS = ("title", "weight", "deadline", "evidence_url", "evidence_file")
OUTCOME_FIELDS = ("completed", "major_errors", "delays")
SELF_FIELDS = ("comment", "conditions_met")  # plus scores.<code>, conditions_met.<index>
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 320, 120, 16


# --- look-ups ------------------------------------------------------------------------------


def _own(request: HttpRequest) -> QuerySet[Evaluation]:
    """The caller's own evaluations, through the scope (none without a staff record)."""
    scope = request_scope(request)
    if scope.own_staff_id is None:
        return Evaluation.objects.none()
    return evaluations_in_scope(scope).filter(staff_id=scope.own_staff_id)


def _own_or_404(request: HttpRequest, pk: int) -> Evaluation:
    queryset = evaluations_for_rating(queryset=_own(request)).select_related("template")
    return evaluation_or_404(request, pk, queryset=queryset)


def _product_or_404(evaluation: Evaluation, pk: int) -> Product:
    for product in evaluation.products.all():  # prefetched: the caller's own products only
        if product.pk == pk:
            return product
    raise Http404


# --- parsing -------------------------------------------------------------------------------


def _number_text(value: str | None) -> str:
    """Phones type a decimal comma ("4,5"); the services read a point."""
    return (value or "").strip().replace(",", ".")


def _parse_date(value: str | None, field: str) -> dt.date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise WorkflowError(
            "bad_date",
            "Ngày không hợp lệ (dạng năm-tháng-ngày)",
            "Invalid date (year-month-day)",
            path=field,
        ) from None


def _parse_count(value: str | None) -> int | str:
    """A whole number, or the raw text for the service to refuse with its own message."""
    text = (value or "").strip()
    if not text:
        return 0
    return int(text) if text.isdigit() else text


def _parse_completed(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _typed_scores(request: HttpRequest) -> dict[str, str]:
    return {
        key.removeprefix("scores."): _number_text(value)
        for key, value in request.POST.items()
        if key.startswith("scores.")
    }


def _typed_conditions(request: HttpRequest) -> list[str] | None:
    """The level conditions ticked on a conditions-based form (Decree 90/48): the form marks
    itself with ``conditions_form`` so that nothing ticked is [] rather than "not sent"."""
    if "conditions_form" not in request.POST:
        return None
    return list(request.POST.getlist("conditions_met"))


def _points_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}"


def _split_errors(
    errors: dict[str, list[dict[str, str]]], fields: tuple[str, ...], prefix: str = ""
) -> tuple[dict[str, list[dict[str, str]]], list[dict[str, str]]]:
    """Errors that belong next to a field of this form, and the rest (shown above it)."""
    by_field: dict[str, list[dict[str, str]]] = {}
    general: list[dict[str, str]] = []
    for key, entries in errors.items():
        if key in fields or (prefix and key.startswith(prefix)):
            by_field[key] = entries
        else:
            general.extend(entries)
    return by_field, general


# --- the page ------------------------------------------------------------------------------


def _english() -> bool:
    return translation.get_language() == "en"


def _criteria_rows(
    evaluation: Evaluation, typed: dict[str, str] | None, errors: dict[str, list]
) -> list[dict[str, Any]]:
    saved = {s.criterion_id: s for s in evaluation.criterion_scores.all()}
    english = _english()
    rows = []
    for criterion in template_criteria(evaluation.template):
        score = saved.get(criterion.pk)
        own = score.self_points if score else None
        rows.append(
            {
                "code": criterion.code,
                "name": (criterion.name_en if english and criterion.name_en else criterion.name),
                "max_points": _points_text(criterion.max_points),
                "guidance": criterion.guidance,
                "input": f"scores.{criterion.code}",
                "value": typed.get(criterion.code, "") if typed is not None else _points_text(own),
                "saved": _points_text(own),
                "manager": _points_text(score.manager_points if score else None),
                "errors": errors.get(f"scores.{criterion.code}", []),
            }
        )
    return rows


def _preview(
    evaluation: Evaluation, scores: dict[str, str] | None, conditions: list[str] | None = None
) -> dict[str, Any]:
    """The proposal from the typed scores (or ticked conditions), or from the saved ones when
    those are invalid."""
    try:
        return level_preview(
            evaluation=evaluation, source="self", scores=scores or {}, conditions=conditions
        )
    except WorkflowError as error:
        proposal = level_preview(evaluation=evaluation, source="self", scores={})
        proposal["errors"] = [error_entry(error)]
        return proposal


def _trend(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A small line of the published monthly scores, as coordinates for inline SVG — of the
    quarters for someone rated by quarter only (a quarterly rule set, DOMAIN.md §5)."""
    points = [r for r in rows if r["kind"] == PeriodKind.MONTH and r["score"] is not None]
    kind = PeriodKind.MONTH
    if not points:
        points = [r for r in rows if r["kind"] == PeriodKind.QUARTER and r["score"] is not None]
        kind = PeriodKind.QUARTER
    points = sorted(points, key=lambda r: r["order"])[-12:]
    if not points:
        return None
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
    step = inner_w / max(len(points) - 1, 1)
    dots = []
    for i, row in enumerate(points):
        x = CHART_PAD + (i * step if len(points) > 1 else inner_w / 2)
        y = CHART_PAD + inner_h * (1 - float(row["score"]) / 100)
        dots.append({"x": round(x, 1), "y": round(y, 1), "row": row})
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "line": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "dots": dots,
        "grid": [
            {"y": round(CHART_PAD + inner_h * (1 - v / 100), 1), "label": v} for v in (0, 50, 100)
        ],
        "first": points[0]["label"],
        "last": points[-1]["label"],
        "quarters": kind == PeriodKind.QUARTER,
    }


def _history(request: HttpRequest) -> list[dict[str, Any]]:
    """Every period of the caller, newest first, in one query; results only once public."""
    rows = []
    for e in (
        _own(request)
        .select_related("period")
        .only(
            "pk",
            "status",
            "final_level",
            "score",
            "period__label",
            "period__kind",
            "period__status",
            "period__ends_on",
        )
        .order_by("-period__starts_on", "period__kind")
    ):
        public = e.status in RESULT_STATUSES
        rows.append(
            {
                "pk": e.pk,
                "url": reverse("evaluation:my-evaluation", args=[e.pk]),
                "label": e.period.label,
                "kind": e.period.kind,
                "open_month": e.period.kind == PeriodKind.MONTH
                and e.period.status == PeriodStatus.OPEN,
                "ends_on": e.period.ends_on,
                "kind_label": e.period.get_kind_display(),
                "status": e.get_status_display(),
                "level": e.final_level if public else "",
                "level_label": RatingLevel(e.final_level).label if public and e.final_level else "",
                "score": e.score if public else None,
                "order": e.period.label,
            }
        )
    return rows


def _result(evaluation: Evaluation) -> dict[str, Any] | None:
    if evaluation.status not in RESULT_STATUSES:
        return None
    key = "message_en" if _english() else "message"
    return {
        "level": evaluation.final_level,
        "level_label": RatingLevel(evaluation.final_level).label if evaluation.final_level else "",
        "score": evaluation.score,
        "reasons": [r.get(key) or r.get("message", "") for r in evaluation.reasons or []],
    }


def _render_page(
    request: HttpRequest,
    evaluation: Evaluation,
    *,
    status: int = 200,
    self_errors: dict[str, list] | None = None,
    typed_scores: dict[str, str] | None = None,
    typed_comment: str | None = None,
    typed_conditions: list[str] | None = None,
    conflict: dict[str, Any] | None = None,
    product_errors: dict[str, list] | None = None,
    outcome_errors: tuple[int, dict[str, list]] | None = None,
    appeal_errors: dict[str, list] | None = None,
    history: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    post = request.POST if request.method == "POST" else {}
    editable = evaluation.status == Status.DRAFT and evaluation.period.status == PeriodStatus.OPEN
    self_field_errors, self_general = _split_errors(self_errors or {}, SELF_FIELDS, "scores.")
    condition_errors = [
        entry
        for key in list(self_field_errors)
        if key.startswith("conditions_met")
        for entry in self_field_errors.pop(key)
    ]
    self_general.extend(condition_errors)
    new_errors, new_general = _split_errors(product_errors or {}, PRODUCT_FIELDS)
    products = []
    for product in evaluation.products.all():
        errors: dict[str, list] = {}
        general: list = []
        values = {
            "completed": {True: "yes", False: "no"}.get(product.completed, ""),
            "major_errors": product.major_errors,
            "delays": product.delays,
        }
        if outcome_errors and outcome_errors[0] == product.pk:
            errors, general = _split_errors(outcome_errors[1], OUTCOME_FIELDS)
            values = {f: post.get(f, "") for f in OUTCOME_FIELDS}
        products.append(
            {
                "product": product,
                "errors": errors,
                "general": general,
                "values": values,
                "weight": _points_text(product.weight),
                "file_name": os.path.basename(product.evidence_file.name)
                if product.evidence_file
                else "",
            }
        )
    next_step, due_field = NEXT_STEP[evaluation.status]
    # Appeals are filed against a published result; before that there is none to read.
    appeals = list(evaluation.appeals.all()) if evaluation.status in RESULT_STATUSES else []
    today = timezone.localdate()
    context = {
        "evaluation": evaluation,
        "period": evaluation.period,
        "editable": editable,
        "next_step": next_step,
        "due": getattr(evaluation.period, due_field) if due_field else None,
        "criteria": _criteria_rows(evaluation, typed_scores, self_field_errors),
        "comment": typed_comment if typed_comment is not None else evaluation.self_comment,
        "self_errors": self_field_errors,
        "self_general": self_general,
        "version": conflict["version"] if conflict else evaluation.version,
        "conflict": conflict,
        "proposal": _preview(evaluation, typed_scores, typed_conditions)
        if evaluation.status in PREVIEW_STATUSES
        else None,
        "uses_conditions": uses_conditions(evaluation),
        # The person's ticks (typed, else saved), and the manager's once the result is public.
        "condition_groups": condition_groups(
            evaluation,
            ticked=typed_conditions if typed_conditions is not None else evaluation.self_conditions,
            also=evaluation.manager_conditions if evaluation.status in RESULT_STATUSES else None,
        )
        if uses_conditions(evaluation)
        else [],
        "products": products,
        "new_product": {f: post.get(f, "") for f in PRODUCT_FIELDS if f != "evidence_file"}
        if product_errors
        else {"weight": "1"},
        "product_errors": new_errors,
        "product_general": new_general,
        "result": _result(evaluation),
        "appeals": appeals,
        "appeal_open": evaluation.status in (Status.PUBLISHED, Status.CLOSED)
        and evaluation.appeal_until is not None
        and today <= evaluation.appeal_until,
        "appeal_reason": post.get("reason", "") if appeal_errors else "",
        "appeal_errors": appeal_errors or {},
        "history": (history := history if history is not None else _history(request)),
        "trend": _trend(history),
    }
    return render(request, "evaluation/my_month/page.html", context, status=status)


def _back(evaluation: Evaluation, anchor: str = "") -> HttpResponse:
    return redirect(reverse("evaluation:my-evaluation", args=[evaluation.pk]) + anchor)


# --- views ---------------------------------------------------------------------------------


@login_required
@require_GET
def my_month(request: HttpRequest) -> HttpResponse:
    """The evaluation of the current open month; else the latest one; else a kind word. The
    history (newest first) names it, so it costs no query of its own."""
    history = _history(request)
    if not history:
        has_staff = request_scope(request).own_staff_id is not None
        return render(request, "evaluation/my_month/none.html", {"has_staff": has_staff})
    current = next((row for row in history if row["open_month"]), None)
    if current is None:  # the period that ended last (a year before its last month)
        current = min(history, key=lambda row: (-row["ends_on"].toordinal(), row["kind"]))
    return _render_page(request, _own_or_404(request, current["pk"]), history=history)


@login_required
@require_GET
def my_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_page(request, _own_or_404(request, pk))


@login_required
@require_POST
def product_add(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _own_or_404(request, pk)
    try:
        product_register(
            evaluation=evaluation,
            user=request.user,
            title=request.POST.get("title", ""),
            weight=_number_text(request.POST.get("weight")) or "1",
            deadline=_parse_date(request.POST.get("deadline"), "deadline"),
            evidence_url=(request.POST.get("evidence_url") or "").strip(),
            evidence_file=request.FILES.get("evidence_file"),
        )
    except WorkflowError as error:
        return _render_page(
            request, evaluation, status=error.status, product_errors=errors_by_field(error)
        )
    messages.success(request, _("Đã thêm sản phẩm."))
    return _back(evaluation, "#products")


@login_required
@require_POST
def product_outcome(request: HttpRequest, pk: int, product_pk: int) -> HttpResponse:
    evaluation = _own_or_404(request, pk)
    product = _product_or_404(evaluation, product_pk)
    try:
        product_set_outcome(
            product=product,
            user=request.user,
            completed=_parse_completed(request.POST.get("completed")),  # type: ignore[arg-type]
            major_errors=_parse_count(request.POST.get("major_errors")),  # type: ignore[arg-type]
            delays=_parse_count(request.POST.get("delays")),  # type: ignore[arg-type]
        )
    except WorkflowError as error:
        return _render_page(
            request,
            evaluation,
            status=error.status,
            outcome_errors=(product.pk, errors_by_field(error)),
        )
    messages.success(request, _("Đã ghi kết quả sản phẩm."))
    return _back(evaluation, f"#product-{product.pk}")


@login_required
@require_POST
def product_remove(request: HttpRequest, pk: int, product_pk: int) -> HttpResponse:
    evaluation = _own_or_404(request, pk)
    product = _product_or_404(evaluation, product_pk)
    try:
        product_delete(product=product, user=request.user)
    except WorkflowError as error:
        return _render_page(
            request,
            evaluation,
            status=error.status,
            outcome_errors=(product.pk, errors_by_field(error)),
        )
    messages.success(request, _("Đã xóa sản phẩm."))
    return _back(evaluation, "#products")


@login_required
@require_POST
def self_assess(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the draft ("save") or hand it to the manager ("submit")."""
    evaluation = _own_or_404(request, pk)
    typed = _typed_scores(request)
    ticked = _typed_conditions(request)
    comment = request.POST.get("comment", "")
    raw_version = request.POST.get("version", "")
    submit = request.POST.get("action") == "submit"
    try:
        evaluation_self_assess(
            evaluation=evaluation,
            user=request.user,
            scores={code: value for code, value in typed.items() if value},
            comment=comment,
            conditions=ticked,
            version=int(raw_version) if raw_version.isdigit() else 0,
            submit=submit,
        )
    except WorkflowError as error:
        conflict = None
        if error.code == "stale_version":
            evaluation = _own_or_404(request, pk)  # what is saved now
            conflict = {
                "version": evaluation.version,
                "status": evaluation.get_status_display(),
                "comment": evaluation.self_comment,
                "typed_comment": comment,
            }
        return _render_page(
            request,
            evaluation,
            status=error.status,
            self_errors=errors_by_field(error),
            typed_scores=typed,
            typed_comment=comment,
            typed_conditions=ticked,
            conflict=conflict,
        )
    if submit:
        messages.success(request, _("Đã gửi tự đánh giá cho người quản lý."))
    else:
        messages.success(request, _("Đã lưu nháp."))
    return _back(evaluation, "#self")


@login_required
@require_POST
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: the proposed level and its reasons from the typed scores (nothing is saved)."""
    evaluation = _own_or_404(request, pk)
    proposal = _preview(evaluation, _typed_scores(request), _typed_conditions(request))
    return render(
        request,
        "evaluation/my_month/_proposal.html",
        {"evaluation": evaluation, "proposal": proposal},
    )


@login_required
@require_POST
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _own_or_404(request, pk)
    try:
        appeal_file(evaluation=evaluation, user=request.user, reason=request.POST.get("reason", ""))
    except WorkflowError as error:
        errors = errors_by_field(error)
        if "reason" not in errors:  # wrong state, forbidden…: still shown next to the reason
            errors = {"reason": [entry for entries in errors.values() for entry in entries]}
        return _render_page(request, evaluation, status=error.status, appeal_errors=errors)
    messages.success(request, _("Đã gửi kiến nghị."))
    return _back(evaluation, "#result")


urls: list[URLPattern] = [
    path("my/", my_month, name="my-month"),
    path("my/<int:pk>/", my_evaluation, name="my-evaluation"),
    path("my/<int:pk>/products/", product_add, name="my-product-add"),
    path(
        "my/<int:pk>/products/<int:product_pk>/outcome/",
        product_outcome,
        name="my-product-outcome",
    ),
    path(
        "my/<int:pk>/products/<int:product_pk>/delete/",
        product_remove,
        name="my-product-delete",
    ),
    path("my/<int:pk>/self/", self_assess, name="my-self-assess"),
    path("my/<int:pk>/preview/", preview, name="my-preview"),
    path("my/<int:pk>/appeal/", appeal, name="my-appeal"),
]
