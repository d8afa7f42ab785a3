"""Direct manager — “My team”: the team's evaluations, the scoring form, return, next person.

A manager scores 5–40 people at month end, so the pages are built for speed: the list shows
who is waiting and who is late, the form puts the person's self-assessment beside the manager's
inputs (prefilled with the person's points), and "Chấm xong và sang người tiếp theo" goes
straight to the next person still to score.

Who is on the team is decided by the scope (``Scope.can_score_as_manager``, written as one
query in ``evaluation.selectors.team``): anyone else's evaluation is a 404, and someone who
scores nobody gets a 404 on the list too (the navigation does not show them the link).
Views parse the form, call one service, render; a stale version shows the conflict.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from evaluation.errors import WorkflowError
from evaluation.models import Evaluation, Product
from evaluation.rating import evaluations_for_rating
from evaluation.selectors.conditions import condition_groups
from evaluation.selectors.periods import several_rulesets
from evaluation.selectors.previews import level_preview
from evaluation.selectors.team import (
    STATUS_FILTERS,
    can_return_now,
    can_score_now,
    is_late,
    next_to_score,
    scoring_sheet,
    team_board,
    team_evaluation,
    uses_team_page,
)
from evaluation.services.products import product_set_outcome
from evaluation.services.workflow import (
    LEADER_COMPONENTS,
    evaluation_manager_score,
    evaluation_return,
    uses_conditions,
    uses_leader_components,
)
from evaluation.views.common import errors_by_field
from scoring.models import DisciplineChoice, TaskModeChoice
from staff.access import Scope, request_scope

ACTIONS = ("save", "submit", "submit_next")
YES, NO = "yes", "no"


def _scope(request: HttpRequest) -> Scope:
    scope = request_scope(request)
    if not uses_team_page(scope):
        raise Http404
    return scope


def _evaluation_or_404(request: HttpRequest, pk: int) -> Evaluation:
    evaluation = team_evaluation(scope=_scope(request), pk=pk)
    if evaluation is None:
        raise Http404
    return evaluation


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


# --- the list --------------------------------------------------------------------------------


@login_required
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    """The team of one period: status, lateness, points, levels, a link to score each."""
    scope = _scope(request)
    status = request.GET.get("status", "")
    if status not in dict(STATUS_FILTERS):
        status = ""
    board = team_board(
        scope=scope, period_id=_int_or_none(request.GET.get("period")), status=status
    )
    return render(
        request,
        "evaluation/team/list.html",
        {
            "board": board,
            "status_filters": STATUS_FILTERS,
            "status": status,
            # a manager of công chức and viên chức has two rule sets' months (DOMAIN.md §5)
            "several_rulesets": several_rulesets(board.periods),
        },
    )


# --- the scoring form ------------------------------------------------------------------------


def _shows_bonus(template: Any) -> bool:
    return template.bonus_max is None or template.bonus_max > 0


def _shows_deductions(template: Any) -> bool:
    return template.deduction_max is None or template.deduction_max > 0


def _shows_task_points(template: Any) -> bool:
    return template.task_mode == TaskModeChoice.DIRECT


def _text(value: Any) -> str:
    """A stored number as an input shows it (``5`` rather than ``5.00``)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = value.normalize()
        return f"{value:f}"
    return str(value)


def _stored_values(evaluation: Evaluation, lines: list[Any]) -> dict[str, Any]:
    """What the form shows before anything is typed: the manager's saved points, else the
    person's own (most are accepted as they are), and the manager's saved fields."""
    values: dict[str, Any] = {
        f"scores.{line.criterion.code}": _text(
            line.manager_points if line.manager_points is not None else line.self_points
        )
        for line in lines
    }
    values.update(
        task_points=_text(evaluation.task_points),
        bonus=_text(evaluation.bonus),
        deductions=_text(evaluation.deductions),
        discipline=evaluation.discipline or "none",
        degradation=evaluation.degradation,
        unit_corruption=evaluation.unit_corruption,
        manager_comment=evaluation.manager_comment,
        organising_percent=_text(evaluation.organising_percent),
        unity_percent=_text(evaluation.unity_percent),
        # The manager's ticks, else the person's own (most are accepted as they are).
        conditions=list(
            evaluation.manager_conditions
            if evaluation.manager_conditions is not None
            else evaluation.self_conditions or []
        ),
    )
    return values


def _posted_values(post: Mapping[str, Any], lines: list[Any]) -> dict[str, Any]:
    """The form as typed, to show again after an error: nothing typed is lost."""
    values: dict[str, Any] = {
        f"scores.{line.criterion.code}": post.get(f"scores.{line.criterion.code}", "")
        for line in lines
    }
    values.update(
        task_points=post.get("task_points", ""),
        bonus=post.get("bonus", ""),
        deductions=post.get("deductions", ""),
        discipline=post.get("discipline", "none"),
        degradation=post.get("degradation") == "on",
        unit_corruption=post.get("unit_corruption") == "on",
        manager_comment=post.get("manager_comment", ""),
        organising_percent=post.get("organising_percent", ""),
        unity_percent=post.get("unity_percent", ""),
        conditions=list(post.getlist("conditions_met")) if hasattr(post, "getlist") else [],
    )
    return values


def _service_input(
    evaluation: Evaluation, values: Mapping[str, Any], lines: list[Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The typed values as ``evaluation_manager_score`` takes them: a blank criterion is left
    out (the person's own points then count), a blank bonus or deduction is 0."""
    scores: dict[str, Any] = {}
    for line in lines:
        raw = str(values.get(f"scores.{line.criterion.code}", "")).strip()
        if raw:
            scores[line.criterion.code] = raw.replace(",", ".")
    template = evaluation.template
    fields: dict[str, Any] = {
        "discipline": values.get("discipline") or "none",
        "degradation": bool(values.get("degradation")),
        "unit_corruption": bool(values.get("unit_corruption")),
        "manager_comment": values.get("manager_comment", ""),
    }
    if _shows_task_points(template):
        raw = str(values.get("task_points", "")).strip()
        fields["task_points"] = raw.replace(",", ".") if raw else None
    for name, shown in (
        ("bonus", _shows_bonus(template)),
        ("deductions", _shows_deductions(template)),
    ):
        if shown:
            fields[name] = str(values.get(name, "")).strip().replace(",", ".") or "0"
    if uses_conditions(evaluation):
        # The conditions ticked (Decree 90/48): the form always sends them, none ticked = [].
        fields["conditions_met"] = list(values.get("conditions") or [])
    if uses_leader_components(evaluation):
        # A leader's organising and unity percent (Decree 335); blank = not scored yet.
        for name in LEADER_COMPONENTS:
            raw = str(values.get(name, "")).strip()
            fields[name] = raw.replace(",", ".") if raw else None
    return scores, fields


def _leader_fields(
    evaluation: Evaluation, values: Mapping[str, Any], errors: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The organising and unity inputs of a leader under Decree 335's components, each with
    the template's guidance and scale; empty for anyone else."""
    if not uses_leader_components(evaluation):
        return []
    template = evaluation.template
    steps = template.leader_component_steps.strip()
    labels = {
        "organising_percent": (
            _("Năng lực tổ chức triển khai thực hiện nhiệm vụ (%)"),
            template.organising_guidance,
        ),
        "unity_percent": (_("Năng lực tập hợp, đoàn kết (%)"), template.unity_guidance),
    }
    return [
        {
            "name": name,
            "label": label,
            "guidance": guidance,
            "steps": steps,
            "value": values.get(name, ""),
            "errors": errors.get(name),
        }
        for name, (label, guidance) in labels.items()
    ]


# Errors about the whole evaluation rather than one input: shown above the form.
UNPLACED = ("__all__", "status", "period", "version")


def _unplaced(errors: Mapping[str, Any]) -> list[Any]:
    return [entry for key in UNPLACED for entry in errors.get(key, [])]


def _product_entries(
    products: list[Product],
    *,
    typed: Mapping[int, Mapping[str, Any]] | None = None,
    errors: Mapping[int, Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    typed, errors = typed or {}, errors or {}
    entries = []
    for product in products:
        completed = "" if product.completed is None else (YES if product.completed else NO)
        values = {
            "completed": completed,
            "major_errors": product.major_errors,
            "delays": product.delays,
            "objective_cause": product.objective_cause,
        }
        values.update(typed.get(product.pk, {}))
        product_errors = errors.get(product.pk, {})
        entries.append(
            {
                "product": product,
                "values": values,
                "errors": product_errors,
                "top_errors": _unplaced(product_errors),
            }
        )
    return entries


def _preview(evaluation: Evaluation, scores: Mapping[str, Any], fields: Mapping[str, Any]):
    """The engine's proposal from the manager's values (typed or saved); errors come back as
    the message to show in its place."""
    rated = evaluations_for_rating(Evaluation.objects.filter(pk=evaluation.pk)).get()
    fields = {k: v for k, v in fields.items() if k != "manager_comment"}
    try:
        return level_preview(evaluation=rated, source="manager", scores=scores, fields=fields)
    except WorkflowError as exc:
        return {"error": errors_by_field(exc)}


def _self_preview(evaluation: Evaluation):
    """The level the person's own points propose (shown beside the manager's)."""
    rated = evaluations_for_rating(Evaluation.objects.filter(pk=evaluation.pk)).get()
    try:
        return level_preview(evaluation=rated, source="self", scores={})
    except WorkflowError:
        return None


def _conflict(
    current: Evaluation, lines: list[Any], typed: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The saved values beside the typed ones, for a stale save (nothing was overwritten)."""
    saved = _stored_values(current, lines)
    rows = []
    labels = {f"scores.{line.criterion.code}": line.criterion.code for line in lines}
    labels.update(
        task_points=_("Điểm kết quả nhiệm vụ"),
        bonus=_("Điểm cộng"),
        deductions=_("Điểm trừ"),
        discipline=_("Kỷ luật"),
        degradation=_("Suy thoái"),
        unit_corruption=_("Đơn vị phụ trách có tham nhũng"),
        manager_comment=_("Nhận xét"),
        organising_percent=_("Năng lực tổ chức triển khai (%)"),
        unity_percent=_("Năng lực tập hợp, đoàn kết (%)"),
        conditions=_("Điều kiện đạt"),
    )
    for key, label in labels.items():
        if str(saved.get(key, "")) != str(typed.get(key, "")):
            rows.append({"label": label, "saved": saved.get(key), "typed": typed.get(key)})
    return rows


def _render_score(
    request: HttpRequest,
    evaluation: Evaluation,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, Any] | None = None,
    product_typed: Mapping[int, Mapping[str, Any]] | None = None,
    product_errors: Mapping[int, Mapping[str, Any]] | None = None,
    return_reason: str = "",
    return_errors: Mapping[str, Any] | None = None,
    conflict: list[dict[str, Any]] | None = None,
    version: int | None = None,
    status: int = 200,
) -> HttpResponse:
    lines, products = scoring_sheet(evaluation)
    period = evaluation.period
    values = values if values is not None else _stored_values(evaluation, lines)
    errors = errors or {}
    editable = can_score_now(evaluation, period)
    criteria = [
        {
            "line": line,
            "name": f"scores.{line.criterion.code}",
            "value": values.get(f"scores.{line.criterion.code}", ""),
            "errors": errors.get(f"scores.{line.criterion.code}"),
        }
        for line in lines
    ]
    template = evaluation.template
    preview = None
    if editable:
        scores, fields = _service_input(evaluation, values, lines)
        preview = _preview(evaluation, scores, fields)
    return_errors = return_errors or {}
    context = {
        "evaluation": evaluation,
        "top_errors": _unplaced(errors),
        "return_top_errors": _unplaced(return_errors),
        "period": period,
        "criteria": criteria,
        "products": _product_entries(products, typed=product_typed, errors=product_errors),
        "values": values,
        "errors": errors,
        "editable": editable,
        "late": is_late(evaluation, period),
        "can_return": can_return_now(evaluation, period),
        "products_editable": editable,
        "shows_task_points": _shows_task_points(template),
        "shows_bonus": _shows_bonus(template),
        "shows_deductions": _shows_deductions(template),
        "leader_fields": _leader_fields(evaluation, values, errors),
        "uses_conditions": uses_conditions(evaluation),
        "condition_groups": condition_groups(
            evaluation,
            ticked=values.get("conditions"),
            also=evaluation.self_conditions,
        )
        if uses_conditions(evaluation)
        else [],
        "condition_errors": [
            entry
            for key, entries in errors.items()
            if key == "conditions_met" or key.startswith("conditions_met.")
            for entry in entries
        ],
        "discipline_choices": DisciplineChoice.choices,
        "preview": preview,
        "self_preview": _self_preview(evaluation),
        "return_reason": return_reason,
        "return_errors": return_errors,
        "conflict": conflict,
        "version": version if version is not None else evaluation.version,
        "yes": YES,
        "no": NO,
    }
    return render(request, "evaluation/team/score.html", context, status=status)


def _done_message(evaluation: Evaluation) -> str:
    name = evaluation.staff.full_name
    if evaluation.proposed_level and evaluation.score is None:
        # A level chosen by conditions (Decree 90/48) has no points.
        return _("Đã chấm xong %(name)s: đề xuất %(level)s.") % {
            "name": name,
            "level": evaluation.get_proposed_level_display(),
        }
    if evaluation.proposed_level:
        return _("Đã chấm xong %(name)s: đề xuất %(level)s (%(score)s điểm).") % {
            "name": name,
            "level": evaluation.get_proposed_level_display(),
            "score": number_format(evaluation.score) if evaluation.score is not None else "—",
        }
    return _("Đã chấm xong %(name)s.") % {"name": name}


@login_required
def team_score(request: HttpRequest, pk: int) -> HttpResponse:
    """The scoring form: GET shows it; POST saves (``action=save``), submits (``submit``), or
    submits and opens the next person still to score (``submit_next``)."""
    evaluation = _evaluation_or_404(request, pk)
    if request.method != "POST":
        return _render_score(request, evaluation)
    lines, _products = scoring_sheet(evaluation)
    values = _posted_values(request.POST, lines)
    action = request.POST.get("action", "save")
    if action not in ACTIONS:
        action = "save"
    version = _int_or_none(request.POST.get("version"))
    scores, fields = _service_input(evaluation, values, lines)
    try:
        evaluation = evaluation_manager_score(
            evaluation=evaluation,
            user=request.user,
            scores=scores,
            fields=fields,
            version=version if version is not None else -1,
            submit=action != "save",
        )
    except WorkflowError as exc:
        current = team_evaluation(scope=request_scope(request), pk=pk) or evaluation
        if exc.code == "stale_version":
            # Nothing was written: show what is saved now beside what was typed. The form
            # carries the current version, so saving again is a deliberate overwrite.
            return _render_score(
                request,
                current,
                values=values,
                errors=errors_by_field(exc),
                conflict=_conflict(current, scoring_sheet(current)[0], values),
                version=current.version,
                status=exc.status,
            )
        return _render_score(
            request,
            current,
            values=values,
            errors=errors_by_field(exc),
            version=version,
            status=exc.status,
        )
    if action == "save":
        messages.success(
            request, _("Đã lưu điểm của %(name)s.") % {"name": evaluation.staff.full_name}
        )
        return redirect("evaluation:team-score", pk=evaluation.pk)
    messages.success(request, _done_message(evaluation))
    if action == "submit":
        return redirect("evaluation:team-score", pk=evaluation.pk)
    following = next_to_score(scope=request_scope(request), evaluation=evaluation)
    if following is None:
        messages.success(request, _("Không còn ai cần chấm trong kỳ này."))
        return redirect(f"{reverse('evaluation:team')}?period={evaluation.period_id}")
    return redirect("evaluation:team-score", pk=following.pk)


@login_required
@require_POST
def team_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The live level (HTMX): the engine's proposal from the values typed so far; writes
    nothing."""
    evaluation = _evaluation_or_404(request, pk)
    lines, _products = scoring_sheet(evaluation)
    scores, fields = _service_input(evaluation, _posted_values(request.POST, lines), lines)
    preview = _preview(evaluation, scores, fields)
    return render(request, "evaluation/team/_preview.html", {"preview": preview})


# --- product outcomes ------------------------------------------------------------------------


def _parse_outcome(post: Mapping[str, Any]) -> dict[str, Any]:
    completed_raw = post.get("completed", "")
    completed: Any = {YES: True, NO: False}.get(completed_raw)

    def count(name: str) -> Any:
        raw = str(post.get(name, "")).strip()
        if not raw:
            return 0
        number = _int_or_none(raw)
        return number if number is not None else raw  # the service names the error

    return {
        "completed": completed,
        "major_errors": count("major_errors"),
        "delays": count("delays"),
        "objective_cause": post.get("objective_cause") == "on",
    }


@login_required
@require_POST
def team_product_outcome(request: HttpRequest, pk: int, product_pk: int) -> HttpResponse:
    """The manager confirms or adjusts one product's outcome (``product_set_outcome``).

    With HTMX only the product's row is replaced, and the scoring form's version follows when
    it was current (so the score can still be saved); without it the whole page reloads."""
    evaluation = _evaluation_or_404(request, pk)
    product = evaluation.products.filter(pk=product_pk).first()
    if product is None:
        raise Http404
    typed = {
        "completed": request.POST.get("completed", ""),
        "major_errors": request.POST.get("major_errors", ""),
        "delays": request.POST.get("delays", ""),
        "objective_cause": request.POST.get("objective_cause") == "on",
    }
    htmx = request.headers.get("HX-Request") == "true"
    form_version = _int_or_none(request.POST.get("version"))
    version_before = evaluation.version
    try:
        product = product_set_outcome(
            product=product, user=request.user, **_parse_outcome(request.POST)
        )
    except WorkflowError as exc:
        errors = errors_by_field(exc)
        if htmx:
            entry = _product_entries(
                [product], typed={product.pk: typed}, errors={product.pk: errors}
            )
            return render(
                request,
                "evaluation/team/_product.html",
                {
                    "entry": entry[0],
                    "evaluation": evaluation,
                    "products_editable": True,
                    "yes": YES,
                    "no": NO,
                },
            )
        return _render_score(
            request,
            evaluation,
            product_typed={product.pk: typed},
            product_errors={product.pk: errors},
            status=exc.status,
        )
    if not htmx:
        messages.success(request, _("Đã xác nhận kết quả: %(title)s.") % {"title": product.title})
        return redirect(
            reverse("evaluation:team-score", kwargs={"pk": pk}) + f"#product-{product.pk}"
        )
    evaluation.refresh_from_db(fields=["version"])
    response = render(
        request,
        "evaluation/team/_product.html",
        {
            "entry": _product_entries([product])[0],
            "evaluation": evaluation,
            "products_editable": True,
            "yes": YES,
            "no": NO,
            "saved": True,
            # Only a form that was up to date follows the new version: a change made by
            # somebody else meanwhile must still show as a conflict when the score is saved.
            "new_version": evaluation.version if form_version == version_before else None,
        },
    )
    response["HX-Trigger"] = "productOutcomeSaved"  # the live level follows the outcome
    return response


# --- return ----------------------------------------------------------------------------------


@login_required
@require_POST
def team_return(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the evaluation to the person, with a mandatory reason."""
    evaluation = _evaluation_or_404(request, pk)
    reason = request.POST.get("reason", "")
    version = _int_or_none(request.POST.get("version"))
    try:
        evaluation = evaluation_return(
            evaluation=evaluation,
            user=request.user,
            to="person",
            reason=reason,
            version=version if version is not None else -1,
        )
    except WorkflowError as exc:
        current = team_evaluation(scope=request_scope(request), pk=pk) or evaluation
        return _render_score(
            request,
            current,
            return_reason=reason,
            return_errors=errors_by_field(exc),
            status=exc.status,
        )
    messages.success(
        request,
        _("Đã trả lại phiếu của %(name)s để bổ sung, kèm lý do.")
        % {"name": evaluation.staff.full_name},
    )
    return redirect(f"{reverse('evaluation:team')}?period={evaluation.period_id}")


urls: list[URLPattern] = [
    path("team/", team_list, name="team"),
    path("team/<int:pk>/", team_score, name="team-score"),
    path("team/<int:pk>/preview/", team_preview, name="team-preview"),
    path(
        "team/<int:pk>/products/<int:product_pk>/",
        team_product_outcome,
        name="team-product-outcome",
    ),
    path("team/<int:pk>/return/", team_return, name="team-return"),
]
