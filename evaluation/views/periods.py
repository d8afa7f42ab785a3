"""Province admin — period management: open, deadlines, every agency's progress, close.

Only the province admin (Sở Nội vụ) uses these pages; anyone else gets a 404, as for an object
outside their scope. Opening a month is ``period_open`` (idempotent: opening again only adds the
people who joined since); closing is ``period_close`` behind a confirmation page that says what
closing will do. The inputs are named after the services' error paths (``period``, ``ruleset``)
so each error shows next to its field.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from evaluation.errors import WorkflowError
from evaluation.models import Period, PeriodKind, PeriodStatus, Status
from evaluation.selectors_periods import (
    STATUS_ORDER,
    openable_rulesets,
    period_close_preview,
    period_get,
    period_list,
    period_progress,
    suggested_month_label,
)
from evaluation.services.periods import period_close as close_period
from evaluation.services.periods import period_open
from evaluation.views.common import errors_by_field
from staff.access import request_scope

PER_PAGE = 50


def _require_admin(request: HttpRequest) -> None:
    if not request_scope(request).is_province_admin():
        raise Http404


def _period_or_404(pk: int) -> Period:
    period = period_get(pk=pk)
    if period is None:
        raise Http404
    return period


def _status(error: WorkflowError) -> int:
    """A refused form re-renders as bad input (a conflict stays a conflict)."""
    return 409 if error.status == 409 else 400


@login_required
@require_http_methods(["GET", "POST"])
def periods(request: HttpRequest) -> HttpResponse:
    """The periods, newest first, and the form that opens a month."""
    _require_admin(request)
    rulesets = openable_rulesets()
    form: dict[str, str] = {
        "period": suggested_month_label(),
        "ruleset": rulesets[0].code if len(rulesets) == 1 else "",
    }
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        form = {
            "period": request.POST.get("period", ""),
            "ruleset": request.POST.get("ruleset", ""),
        }
        try:
            period, created = period_open(
                ruleset_code=form["ruleset"].strip(),
                label=form["period"].strip(),
                user=request.user,
            )
        except WorkflowError as error:
            errors, status = errors_by_field(error), _status(error)
        else:
            if created:
                messages.success(
                    request,
                    _("Đã mở kỳ %(label)s: tạo %(count)s phiếu đánh giá.")
                    % {"label": period.label, "count": created},
                )
            else:
                messages.info(
                    request,
                    _("Kỳ %(label)s đã mở từ trước; không có phiếu mới cần tạo.")
                    % {"label": period.label},
                )
            return redirect("evaluation:period-detail", pk=period.pk)

    kind = request.GET.get("kind", "")
    state = request.GET.get("status", "")
    page = Paginator(period_list(kind=kind, status=state), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "rulesets": rulesets,
        "form": form,
        "errors": errors,
        "general_errors": errors.get("__all__"),
        "kinds": PeriodKind.choices,
        "statuses": PeriodStatus.choices,
        "kind": kind,
        "state": state,
    }
    return render(request, "evaluation/periods/list.html", context, status=status)


@login_required
def period_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Deadlines and the progress of every agency; the way to closing."""
    _require_admin(request)
    period = _period_or_404(pk)
    progress = period_progress(period=period)
    context = {
        "period": period,
        "progress": progress,
        "status_labels": [Status(s).label for s in STATUS_ORDER],
    }
    return render(request, "evaluation/periods/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def period_close(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what closing will do, and the button that confirms. POST: close."""
    _require_admin(request)
    period = _period_or_404(pk)
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST" and period.is_open:
        try:
            counts = close_period(period=period, user=request.user)
        except WorkflowError as error:
            errors, status = errors_by_field(error), _status(error)
        else:
            messages.success(
                request,
                _("Đã khóa kỳ %(label)s: %(count)s phiếu đã công khai chuyển sang đã khóa.")
                % {"label": period.label, "count": counts.get("closed", 0)},
            )
            return redirect("evaluation:period-detail", pk=period.pk)
    context = {
        "period": period,
        "preview": period_close_preview(period=period),
        "errors": errors,
        "general_errors": errors.get("__all__"),
    }
    return render(request, "evaluation/periods/close.html", context, status=status)


urls: list[URLPattern] = [
    path("periods/", periods, name="periods"),
    path("periods/<int:pk>/", period_detail, name="period-detail"),
    path("periods/<int:pk>/close/", period_close, name="period-close"),
]
