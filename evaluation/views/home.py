"""Pages of the evaluation app (server-rendered; the API serves the same services)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from evaluation.exports import official_filename, official_periods, official_results_xlsx
from evaluation.models import Notification
from evaluation.selectors.home import NEXT_STEP, home_summary, notification_target
from evaluation.selectors.periods import period_from_param
from staff.access import request_scope, scope_for
from staff.models import Agency


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What each person owes this month, and by when; their notifications."""
    summary = home_summary(user=request.user)
    own = [
        {
            "evaluation": e,
            "next_step": NEXT_STEP[e.status][0],
            "due": getattr(e.period, NEXT_STEP[e.status][1]) if NEXT_STEP[e.status][1] else None,
        }
        for e in summary.own
    ]
    return render(request, "evaluation/home.html", {"summary": summary, "own": own})


@login_required
@require_GET
def official_results_download(request: HttpRequest, period_label: str, agency_code: str):
    """The official results list (.xlsx) of one agency for one period — one rule set's: the
    address names it by ``Period.key`` (``ND90-VC:2026-10``) or, for the agency's first rule
    set of the month, by its label: for its head, the head's delegate and its HR officers, and
    for the province admin and the inspector. Anyone else — and an unknown agency or period —
    gets a 404."""
    scope = scope_for(request.user)
    agency = Agency.objects.filter(code=agency_code).first()
    if agency is None or not scope.reads_agency_results(agency.pk):
        raise Http404
    periods = official_periods(agency)
    period = period_from_param(periods, period_label)
    if period is None:
        raise Http404
    response = HttpResponse(
        official_results_xlsx(agency=agency, period=period),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = official_filename(agency=agency, period=period, periods=periods)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open one of the caller's notifications: mark it read, go where it leads. Reading one's
    own notification is not a workflow step, so it leaves no audit entry (as in the API)."""
    notification = get_object_or_404(
        Notification.objects.select_related("evaluation"), pk=pk, recipient=request.user
    )
    if notification.read_at is None:
        Notification.objects.filter(pk=pk).update(read_at=timezone.now())
    return redirect(notification_target(notification=notification, scope=request_scope(request)))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    """Mark every unread notification of the caller read."""
    count = Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if count:
        messages.success(request, _("Đã đánh dấu tất cả thông báo là đã đọc."))
    return redirect("home")


urls = [
    path("notifications/<int:pk>/", notification_open, name="notification-open"),
    path("notifications/read/", notifications_read_all, name="notifications-read"),
]
