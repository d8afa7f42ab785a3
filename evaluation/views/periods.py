"""Province admin — period management: open, deadlines, every agency's progress, close.

Only the province admin (Sở Nội vụ) uses these pages; anyone else gets a 404, as for an object
outside their scope. Opening a month and closing a period touch every evaluation of the
province, so each is a background job (``evaluation.services.period_jobs``: ``period_open`` /
``period_close`` run by a worker, at once when no broker is configured): the form queues it and
the job page waits for it (a plain meta refresh, no script), then leads to the period — or, when
the service refused, back to the form with the error by its field and the values typed. The
inputs are named after the services' error paths (``period``, ``ruleset``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from evaluation.errors import WorkflowError
from evaluation.models import (
    Period,
    PeriodJob,
    PeriodJobKind,
    PeriodJobStatus,
    PeriodKind,
    PeriodStatus,
    Status,
)
from evaluation.selectors.periods import (
    STATUS_ORDER,
    openable_rulesets,
    period_close_preview,
    period_get,
    period_job_get,
    period_job_pending_for,
    period_jobs_pending,
    period_list,
    period_progress,
    suggested_month_label,
)
from evaluation.services.period_jobs import period_job_close, period_job_open
from evaluation.views.common import errors_by_field
from staff.access import request_scope

PER_PAGE = 50
REFRESH_SECONDS = 2


def _require_admin(request: HttpRequest) -> None:
    if not request_scope(request).is_province_admin():
        raise Http404


def _period_or_404(pk: int) -> Period:
    period = period_get(pk=pk)
    if period is None:
        raise Http404
    return period


def _job_or_404(pk: Any) -> PeriodJob:
    try:
        job = period_job_get(pk=int(pk))
    except (TypeError, ValueError):
        job = None
    if job is None:
        raise Http404
    return job


def _status(error: WorkflowError) -> int:
    """A refused form re-renders as bad input (a conflict stays a conflict)."""
    return 409 if error.status == 409 else 400


def _job_errors(job: PeriodJob) -> dict[str, Any]:
    """A failed job's error, shown by its field like an error raised during the request."""
    e = job.error or {}
    error = WorkflowError(
        e.get("code", "failed"), e.get("message", ""), e.get("message_en", ""), e.get("path", "")
    )
    return errors_by_field(error)


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
        ruleset_code, label = form["ruleset"].strip(), form["period"].strip()
        pending = period_job_pending_for(
            kind=PeriodJobKind.OPEN, ruleset_code=ruleset_code, label=label
        )
        if pending is not None:
            return redirect("evaluation:period-job", pk=pending.pk)
        try:
            job = period_job_open(ruleset_code=ruleset_code, label=label, user=request.user)
        except WorkflowError as error:
            errors, status = errors_by_field(error), _status(error)
        else:
            return redirect("evaluation:period-job", pk=job.pk)
    elif request.GET.get("job"):
        # Back from a job the service refused: its error by its field, the values as typed.
        job = _job_or_404(request.GET["job"])
        if job.kind == PeriodJobKind.OPEN and job.status == PeriodJobStatus.FAILED:
            form = {"period": job.label, "ruleset": job.ruleset_code}
            errors = _job_errors(job)

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
        "pending_jobs": period_jobs_pending(),
        "kinds": PeriodKind.choices,
        "statuses": PeriodStatus.choices,
        "kind": kind,
        "state": state,
    }
    return render(request, "evaluation/periods/list.html", context, status=status)


@login_required
@require_GET
def period_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Deadlines and the progress of every agency; the way to closing."""
    _require_admin(request)
    period = _period_or_404(pk)
    context = {
        "period": period,
        "progress": period_progress(period=period),
        "status_labels": [Status(s).label for s in STATUS_ORDER],
    }
    return render(request, "evaluation/periods/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def period_close(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what closing will do, and the button that confirms. POST: queue the closing."""
    _require_admin(request)
    period = _period_or_404(pk)
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST" and period.is_open:
        pending = period_job_pending_for(kind=PeriodJobKind.CLOSE, period=period)
        if pending is not None:
            return redirect("evaluation:period-job", pk=pending.pk)
        try:
            job = period_job_close(period=period, user=request.user)
        except WorkflowError as error:
            errors, status = errors_by_field(error), _status(error)
        else:
            return redirect("evaluation:period-job", pk=job.pk)
    elif request.GET.get("job"):
        job = _job_or_404(request.GET["job"])
        if job.kind == PeriodJobKind.CLOSE and job.status == PeriodJobStatus.FAILED:
            errors = _job_errors(job)
    context = {
        "period": period,
        "preview": period_close_preview(period=period),
        "errors": errors,
        "general_errors": [*errors.get("__all__", []), *errors.get("period", [])],
    }
    return render(request, "evaluation/periods/close.html", context, status=status)


@login_required
@require_GET
def period_job(request: HttpRequest, pk: int) -> HttpResponse:
    """Wait for an opening or closing job, then go where its outcome is shown."""
    _require_admin(request)
    job = _job_or_404(pk)
    if job.status == PeriodJobStatus.DONE and job.period_id:
        if job.kind == PeriodJobKind.OPEN:
            created = job.result.get("created", 0)
            if created:
                messages.success(
                    request,
                    _("Đã mở kỳ %(label)s: tạo %(count)s phiếu đánh giá.")
                    % {"label": job.label, "count": created},
                )
            else:
                messages.info(
                    request,
                    _("Kỳ %(label)s đã mở từ trước; không có phiếu mới cần tạo.")
                    % {"label": job.label},
                )
        else:
            messages.success(
                request,
                _("Đã khóa kỳ %(label)s: %(count)s phiếu đã công khai chuyển sang đã khóa.")
                % {"label": job.label, "count": job.result.get("closed", 0)},
            )
        return redirect("evaluation:period-detail", pk=job.period_id)
    if job.status == PeriodJobStatus.FAILED:
        if job.kind == PeriodJobKind.CLOSE and job.period_id:
            target = reverse("evaluation:period-close", kwargs={"pk": job.period_id})
        else:
            target = reverse("evaluation:periods")
        return redirect(f"{target}?{urlencode({'job': job.pk})}")
    context = {"job": job, "refresh": REFRESH_SECONDS}
    return render(request, "evaluation/periods/job.html", context)


urls: list[URLPattern] = [
    path("periods/", periods, name="periods"),
    path("periods/<int:pk>/", period_detail, name="period-detail"),
    path("periods/<int:pk>/close/", period_close, name="period-close"),
    path("periods/jobs/<int:pk>/", period_job, name="period-job"),
]
