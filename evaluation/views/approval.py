"""Head / delegate — the approval board (quota meter, approve, publish) and the appeals inbox.

Who may use these pages: the head of an agency and the head's delegate, for their agency only
(``Scope.approver_agency_ids``); the appeals inbox also the province approver, for the heads'
appeals; the quota-exception page the province admin, who records them (DOMAIN.md §4.5). Anyone
else — another agency's head, a unit manager, HR — gets a 404, as does any unit, period or
appeal outside the caller's reach: the page never confirms that it exists. The services
re-check everything (role, second factor, state, quota); the pages parse the form, call one
service and show its errors by the field.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from evaluation.errors import WorkflowError
from evaluation.models import AppealStatus, Evaluation, Period, PeriodStatus
from evaluation.selectors.approval import (
    AgencyBoard,
    UnitBoard,
    agency_periods,
    appeal_group_quota,
    appeal_or_none,
    approval_board,
    approver_agencies,
    decides_appeals,
    open_appeals,
    recent_resolved_appeals,
)
from evaluation.selectors.periods import (
    current_period,
    period_from_param,
    period_param,
    several_rulesets,
)
from evaluation.services.appeals import appeal_resolve
from evaluation.services.approval import (
    Adjustment,
    agency_publish,
    quota_exception_record,
    require_exception_recorder,
    unit_approve,
)
from evaluation.views.common import error_entry, errors_by_field
from scoring.models import RatingLevel
from scoring.rules import Level
from staff.access import Scope, request_scope
from staff.models import Agency, DutyGroup, Unit
from staff.otp import is_verified

ADJUSTMENT_PATH = re.compile(r"^adjustments\[(\d+)\]\.(\w+)$")


# --- look-ups, all through the caller's scope ------------------------------------------------


def _agencies_or_404(scope: Scope) -> list[Agency]:
    agencies = list(approver_agencies(scope))
    if not agencies:
        raise Http404
    return agencies


def _pick(
    scope: Scope, params: QueryDict, *, required: bool = True
) -> tuple[list[Agency], Agency, list[Period], Period | None]:
    """The agency (``agency`` code, default the first) and the period (``period`` label,
    default the open month) the caller asked for — 404 for anything outside their agencies."""
    agencies = _agencies_or_404(scope)
    code = params.get("agency")
    agency = next((a for a in agencies if a.code == code), None) if code else agencies[0]
    if agency is None:
        raise Http404
    periods, period = _periods_of(agency, params, required=required)
    return agencies, agency, periods, period


def _periods_of(
    agency: Agency, params: QueryDict, *, required: bool
) -> tuple[list[Period], Period | None]:
    """The agency's periods and the one asked for (``period``: its key or label), else the
    open one; an unknown period is a 404, and so is none at all where one is ``required``."""
    periods = agency_periods(agency)
    label = params.get("period")
    period = period_from_param(periods, label)
    if label and period is None:
        raise Http404
    period = period or current_period(periods)
    if period is None and required:
        raise Http404
    return periods, period


def _board_url(agency: Agency, period: Period, periods: list[Period]) -> str:
    query = _query(agency, period, periods)
    return f"{reverse('evaluation:approval')}?{query}"


def _otp_url(next_url: str) -> str:
    return f"{reverse('otp-verify')}?{urlencode({'next': next_url})}"


def _form_errors(error: WorkflowError) -> dict[str, list[dict[str, str]]]:
    """Errors by field; those of no field under ``general`` (``otp`` for the second factor,
    shown with the link to enter the code) — templates cannot read ``__all__``."""
    errors = errors_by_field(error)
    errors["otp" if error.code == "otp_required" else "general"] = errors.pop("__all__", [])
    return errors


def _check_unit(board: AgencyBoard, unit_code: str | None) -> None:
    """A ``unit`` code that is not one of this board's units is a 404."""
    if unit_code and not any(ub.unit.code == unit_code for ub in board.units):
        raise Http404


def _render_board(
    request: HttpRequest,
    *,
    agencies: list[Agency],
    periods: list[Period],
    board: AgencyBoard,
    status: int = 200,
) -> HttpResponse:
    board_url = _board_url(board.agency, board.period, periods)
    context = {
        "agencies": agencies,
        "periods": periods,
        "board": board,
        "shown_unit": board.shown[0].unit.code if board.paged else "",
        "board_url": board_url,
        "otp_url": _otp_url(board_url),
        "verified": is_verified(request.user),
        "query": _query(board.agency, board.period, periods),
        "several_rulesets": several_rulesets(periods),
    }
    return render(request, "evaluation/approval/board.html", context, status=status)


# --- the board --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def board(request: HttpRequest) -> HttpResponse:
    """Every unit's proposals with their reasons, the quota meters, approve and publish."""
    scope = request_scope(request)
    agencies, agency, periods, period = _pick(scope, request.GET, required=False)
    if period is None:  # the agency has no period yet: say so rather than 404
        context = {"agencies": agencies, "agency": agency, "verified": True}
        return render(request, "evaluation/approval/board.html", context)
    unit_code = request.GET.get("unit")
    data = approval_board(period=period, agency=agency, scope=scope, unit_code=unit_code)
    _check_unit(data, unit_code)
    return _render_board(request, agencies=agencies, periods=periods, board=data)


def _posted_choices(post: QueryDict) -> dict[int, dict[str, str]]:
    """``levels.<id>``, ``reasons.<id>``, ``proposed.<id>``, ``ceiling.<id>`` by evaluation id."""
    rows: dict[int, dict[str, str]] = {}
    for key in post:
        name, _dot, pk = key.partition(".")
        if name in ("levels", "reasons", "proposed", "ceiling") and pk.isdigit():
            rows.setdefault(int(pk), {})[name] = post.get(key, "").strip()
    return rows


def _rank(level: str) -> int:
    return Level[level].value if level in Level.__members__ else 0


def _adjustments(rows: dict[int, dict[str, str]]) -> list[Adjustment]:
    """The approver's choices in the service's terms. A level below the proposal is a
    lowering (its reason is required by the service). A candidate the quota moved down that
    the approver also wants to keep out of HTXSNV (to let another one keep it) is capped when
    a reason is given. Everything else is left to the engine; the chosen levels go to the
    service too, which refuses if the rules or the quota give anything else."""
    adjustments = []
    for pk, row in sorted(rows.items()):
        level, reason = row.get("levels", ""), row.get("reasons", "")
        if not level:
            continue
        below_proposal = _rank(level) < _rank(row.get("proposed", ""))
        below_ceiling = _rank(level) < _rank(row.get("ceiling", ""))
        if below_proposal or (reason and below_ceiling):
            adjustments.append(Adjustment(evaluation_id=pk, level=level, reason=reason))
    return adjustments


def _show_error(unit_board: UnitBoard, error: WorkflowError, adjustments: list[Adjustment]) -> None:
    """Put the service's error next to the row and field it names, or above the unit's table."""
    entry = error_entry(error)
    pk, field = None, ""
    match = ADJUSTMENT_PATH.match(error.path)
    if match and int(match.group(1)) < len(adjustments):
        pk = adjustments[int(match.group(1))].evaluation_id
        field = "reason" if match.group(2) == "reason" else "level"
    elif error.path.startswith("levels.") and error.path[7:].isdigit():
        pk, field = int(error.path[7:]), "level"
    row = next((r for r in unit_board.rows if r.evaluation == pk), None)
    if row is None:
        unit_board.errors.append(entry)
    elif field == "reason":
        row.reason_errors.append(entry)
    else:
        row.level_errors.append(entry)
    if error.code == "quota_exceeded":
        unit_board.errors.append(entry)
    unit_board.otp_required = error.code == "otp_required"


@login_required
@require_POST
def approve_unit(request: HttpRequest) -> HttpResponse:
    """ "Phê duyệt đơn vị": sign the unit's proposals at the chosen levels, in one action."""
    scope = request_scope(request)
    agencies = _agencies_or_404(scope)
    unit = Unit.objects.filter(
        code=request.POST.get("unit", ""), agency_id__in=[a.pk for a in agencies]
    ).first()
    if unit is None:
        raise Http404
    agency = next(a for a in agencies if a.pk == unit.agency_id)
    periods = agency_periods(agency)
    period = period_from_param(periods, request.POST.get("period"))
    if period is None:
        raise Http404
    rows = _posted_choices(request.POST)
    adjustments = _adjustments(rows)
    levels = {pk: row["levels"] for pk, row in rows.items() if row.get("levels")}
    try:
        signed = unit_approve(
            period=period, unit=unit, user=request.user, adjustments=adjustments, levels=levels
        )
    except WorkflowError as error:
        data = approval_board(period=period, agency=agency, scope=scope, unit_code=unit.code)
        for unit_board in data.shown:
            if unit_board.unit.pk != unit.pk:
                continue
            for row in unit_board.rows:  # nothing typed is lost
                if row.selectable and row.evaluation in rows:
                    row.selected = rows[row.evaluation].get("levels") or row.selected
                    row.reason = rows[row.evaluation].get("reasons", "")
            for meter in unit_board.meters:
                meter.recount(unit_board.rows)
            _show_error(unit_board, error, adjustments)
        return _render_board(
            request,
            agencies=agencies,
            periods=periods,
            board=data,
            status=error.status,
        )
    messages.success(
        request,
        _("Đã phê duyệt %(count)d phiếu của %(unit)s.") % {"count": len(signed), "unit": unit.name},
    )
    unit_query = urlencode({"unit": unit.code})
    return redirect(f"{_board_url(agency, period, periods)}&{unit_query}#unit-{unit.code}")


# --- quota exception ------------------------------------------------------------------------


def _exception_pick(
    scope: Scope, params: QueryDict
) -> tuple[list[Agency], Agency, list[Period], Period]:
    """The agency and period of the exception page. The province admin picks any agency (and
    records); an agency's head or delegate may look at their own (and is told why they may not
    record); anyone else gets a 404 (DOMAIN.md §4.5: recorded by the province, never by the
    agency for itself)."""
    if scope.is_province_admin():
        agencies = list(scope.agencies().order_by("code"))
    else:
        agencies = _agencies_or_404(scope)
    code = params.get("agency")
    agency = next((a for a in agencies if a.code == code), None) if code else None
    if agency is None and (code or not agencies):
        raise Http404
    agency = agency or _first_rated(agencies)
    periods, period = _periods_of(agency, params, required=True)
    assert period is not None  # required: a 404 otherwise
    return agencies, agency, periods, period


def _first_rated(agencies: list[Agency]) -> Agency:
    """The page's default agency: the first (by code) with an evaluation in an open period —
    the province admin lands on a group that can take an exception — else the first."""
    by_pk = {a.pk: a for a in agencies}
    rated = (
        Evaluation.objects.filter(agency_id__in=list(by_pk), period__status=PeriodStatus.OPEN)
        .order_by("agency__code")
        .values_list("agency_id", flat=True)
        .first()
    )
    return by_pk.get(rated, agencies[0]) if rated else agencies[0]


@login_required
@require_http_methods(["GET", "POST"])
def quota_exception(request: HttpRequest) -> HttpResponse:
    """Record a decision lifting one group's HTXSNV ceiling (legal reference, new ceiling
    within the rule set's bound): the province admin (Sở Nội vụ). The agency's head or
    delegate sees the page's refusal, 403, and no form."""
    scope = request_scope(request)
    params = request.POST if request.method == "POST" else request.GET
    agencies, agency, periods, period = _exception_pick(scope, params)
    data = approval_board(period=period, agency=agency, scope=scope)
    groups = [(q["group"], q["name"] or q["group"] or _("Toàn cơ quan")) for q in data.quota]
    values = {
        "duty_group": params.get("duty_group", groups[0][0] if groups else ""),
        "ceiling": params.get("ceiling", ""),
        "reference": params.get("reference", ""),
        "reason": params.get("reason", ""),
    }
    page_url = f"{reverse('evaluation:approval-exception')}?{_query(agency, period, periods)}"
    errors: dict[str, list[dict[str, str]]] = {}
    status = 200
    refused: list[dict[str, str]] = []
    try:
        require_exception_recorder(request.user, agency)
    except WorkflowError as error:
        refused, status = [error_entry(error)], error.status
    if request.method == "POST" and not refused:
        code = values["duty_group"]
        duty_group = DutyGroup.objects.filter(code=code).first() if code else None
        ceiling_text = values["ceiling"].strip()
        ceiling: Any = int(ceiling_text) if ceiling_text.isdigit() else ceiling_text
        if code not in {g for g, _name in groups} or (code and duty_group is None):
            errors = {
                "duty_group": [
                    error_entry(
                        WorkflowError(
                            "bad_choice",
                            _("Chọn một nhóm nhiệm vụ có trong kỳ này"),
                            "Choose a duty group rated in this period",
                            path="duty_group",
                        )
                    )
                ]
            }
            status = 400
        else:
            try:
                quota_exception_record(
                    period=period,
                    agency=agency,
                    duty_group=duty_group,
                    ceiling=ceiling,
                    reference=values["reference"],
                    reason=values["reason"],
                    user=request.user,
                )
            except WorkflowError as error:
                errors, status = _form_errors(error), error.status
            else:
                messages.success(
                    request,
                    _("Đã ghi quyết định ngoại lệ %(reference)s.")
                    % {"reference": values["reference"].strip()},
                )
                return redirect(page_url)
    board_url = _board_url(agency, period, periods) if scope.can_approve(agency.pk) else ""
    context = {
        "agencies": agencies,
        "periods": periods,
        "board": data,
        "several_rulesets": several_rulesets(periods),
        "groups": groups,
        "values": values,
        "errors": errors,
        "refused": refused,
        "board_url": board_url,
        "otp_url": _otp_url(request.get_full_path() if request.method == "GET" else page_url),
        "verified": is_verified(request.user),
    }
    return render(request, "evaluation/approval/exception.html", context, status=status)


def _query(agency: Agency, period: Period, periods: list[Period]) -> str:
    return urlencode({"agency": agency.code, "period": period_param(period, periods)})


# --- publish --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest) -> HttpResponse:
    """Publish the agency's approved results, after a confirmation step."""
    scope = request_scope(request)
    params = request.POST if request.method == "POST" else request.GET
    _agencies, agency, _periods, period = _pick(scope, params)
    errors: list[dict[str, str]] = []
    otp_required = False
    status = 200
    if request.method == "POST":
        try:
            count = agency_publish(period=period, agency=agency, user=request.user)
        except WorkflowError as error:
            errors, status = [error_entry(error)], error.status
            otp_required = error.code == "otp_required"
        else:
            messages.success(
                request,
                _("Đã công khai %(count)d kết quả của %(agency)s; mỗi người đã được thông báo.")
                % {"count": count, "agency": agency.name},
            )
            return redirect(_board_url(agency, period, _periods))
    data = approval_board(period=period, agency=agency, scope=scope)
    board_url = _board_url(agency, period, _periods)
    context = {
        "board": data,
        "errors": errors,
        "otp_required": otp_required,
        "board_url": board_url,
        "otp_url": _otp_url(board_url),
        "verified": is_verified(request.user),
    }
    return render(request, "evaluation/approval/publish.html", context, status=status)


# --- appeals --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def appeals(request: HttpRequest) -> HttpResponse:
    """Open appeals the caller decides, oldest first, and the latest decisions."""
    scope = request_scope(request)
    if not decides_appeals(scope):
        raise Http404
    context = {"appeals": list(open_appeals(scope)), "resolved": recent_resolved_appeals(scope)}
    return render(request, "evaluation/approval/appeals.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One appeal: the result, the person's reasons, the group's quota, and the decision."""
    scope = request_scope(request)
    if not decides_appeals(scope):
        raise Http404
    appeal = appeal_or_none(scope, pk)
    if appeal is None:
        raise Http404
    values = {
        "decision": request.POST.get("decision", ""),
        "level": request.POST.get("level", appeal.evaluation.final_level),
        "reason": request.POST.get("reason", ""),
    }
    errors: dict[str, list[dict[str, str]]] = {}
    status = 200
    if request.method == "POST":
        try:
            appeal_resolve(
                appeal=appeal,
                user=request.user,
                decision=values["decision"],
                reason=values["reason"],
                level=values["level"] if values["decision"] == "revise" else None,
            )
        except WorkflowError as error:
            errors, status = _form_errors(error), error.status
        else:
            messages.success(
                request,
                _("Đã giải quyết kiến nghị của %(name)s.")
                % {"name": appeal.evaluation.staff.full_name},
            )
            return redirect("evaluation:approval-appeals")
    context = {
        "appeal": appeal,
        "evaluation": appeal.evaluation,
        "is_open": appeal.status == AppealStatus.OPEN,
        "quota": appeal_group_quota(appeal) if appeal.status == AppealStatus.OPEN else None,
        "levels": RatingLevel.choices,
        "values": values,
        "errors": errors,
        "otp_url": _otp_url(request.path),
        "verified": is_verified(request.user),
    }
    return render(request, "evaluation/approval/appeal.html", context, status=status)


urls: list[URLPattern] = [
    path("approval/", board, name="approval"),
    path("approval/approve/", approve_unit, name="approval-approve"),
    path("approval/exception/", quota_exception, name="approval-exception"),
    path("approval/publish/", publish, name="approval-publish"),
    path("approval/appeals/", appeals, name="approval-appeals"),
    path("approval/appeals/<int:pk>/", appeal_detail, name="approval-appeal"),
]
