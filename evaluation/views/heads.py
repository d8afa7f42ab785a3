"""Province approver — “Người đứng đầu / Heads of agencies”: the heads' evaluations of a period
across agencies, each signed on its own (DOMAIN.md §1: the head of an agency is rated by the
superior authority, never by their own delegate).

Who may use these pages: the province approver (``Scope.approves_heads``); anyone else gets a
404, as does any evaluation that is not a head of agency's. The service re-checks everything
(role, second factor, state, the leader after their unit, the agency's quota); the page parses
the form, calls it and shows its errors by the row and field.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from evaluation.errors import WorkflowError
from evaluation.models import Period
from evaluation.selectors.heads import (
    HeadsBoard,
    head_evaluation_or_none,
    head_periods,
    heads_board,
)
from evaluation.selectors.periods import (
    current_period,
    period_from_param,
    period_param,
    several_rulesets,
)
from evaluation.services.approval import head_approve
from evaluation.views.common import error_entry
from staff.access import Scope, request_scope
from staff.otp import is_verified


def _require_head_approver(scope: Scope) -> None:
    if not scope.approves_heads():
        raise Http404


def _board_url(period: Period, periods: list[Period] | None = None) -> str:
    query = urlencode({"period": period_param(period, periods)})
    return f"{reverse('evaluation:heads')}?{query}"


def _otp_url(next_url: str) -> str:
    return f"{reverse('otp-verify')}?{urlencode({'next': next_url})}"


def _render(
    request: HttpRequest,
    *,
    periods: list[Period],
    board: HeadsBoard | None,
    status: int = 200,
) -> HttpResponse:
    board_url = _board_url(board.period, periods) if board else reverse("evaluation:heads")
    context = {
        "periods": periods,
        "board": board,
        "several_rulesets": several_rulesets(periods),
        "board_url": board_url,
        "otp_url": _otp_url(board_url),
        "verified": is_verified(request.user),
    }
    return render(request, "evaluation/approval/heads.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def board(request: HttpRequest) -> HttpResponse:
    """The heads' evaluations of one period (``period`` label, default the open month)."""
    scope = request_scope(request)
    _require_head_approver(scope)
    periods = head_periods(scope)
    label = request.GET.get("period")
    period = period_from_param(periods, label)
    if label and period is None:
        raise Http404
    period = period or current_period(periods)
    data = heads_board(period=period, scope=scope) if period else None
    return _render(request, periods=periods, board=data)


@login_required
@require_POST
def approve(request: HttpRequest) -> HttpResponse:
    """ "Phê duyệt": sign one head's evaluation at the chosen level."""
    scope = request_scope(request)
    _require_head_approver(scope)
    pk = request.POST.get("evaluation", "")
    evaluation = head_evaluation_or_none(scope, int(pk)) if pk.isdigit() else None
    if evaluation is None:
        raise Http404
    level = request.POST.get("level", "").strip() or None
    reason = request.POST.get("reason", "").strip()
    version = request.POST.get("version", "")
    try:
        head_approve(
            evaluation=evaluation,
            user=request.user,
            level=level,
            reason=reason,
            version=int(version) if version.isdigit() else None,
        )
    except WorkflowError as error:
        periods = head_periods(scope)
        data = heads_board(period=evaluation.period, scope=scope)
        for row in data.rows:
            if row.evaluation.pk != evaluation.pk:
                continue
            row.selected, row.reason = level or row.selected, reason  # nothing typed is lost
            entry = error_entry(error)
            if error.path == "level":
                row.level_errors.append(entry)
            elif error.path.endswith("reason"):
                row.reason_errors.append(entry)
            else:
                row.errors.append(entry)
            row.otp_required = error.code == "otp_required"
        return _render(request, periods=periods, board=data, status=error.status)
    messages.success(
        request,
        _("Đã phê duyệt kết quả của %(name)s (%(agency)s).")
        % {"name": evaluation.staff.full_name, "agency": evaluation.agency.name},
    )
    return redirect(f"{_board_url(evaluation.period)}#head-{evaluation.pk}")


urls: list[URLPattern] = [
    path("approval/heads/", board, name="heads"),
    path("approval/heads/approve/", approve, name="heads-approve"),
]
