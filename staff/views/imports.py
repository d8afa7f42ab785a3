"""Pages of the staff app: the HR officers' import (upload → preview → confirm or cancel).

Who may use it: HR officers (their own agency) and the province admin; anyone else signed in
gets a 403 on the upload page. An upload is an ``ImportJob`` that belongs to the person who
sent it: every later page looks the job up by its id AND its owner, so somebody else's job is
a 404 (never a confirmation that it exists). The file's bytes stay in the job between preview
and confirm; nothing from the client but the job id is trusted.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from staff.access import scope_for
from staff.forms import ImportUploadForm
from staff.imports.jobs import import_job_cancel, import_job_confirm, import_job_start
from staff.imports.services import ImportRefused
from staff.models import ImportJob, ImportJobStatus

STAGES = {
    "": gettext_lazy("Đang chờ"),
    "reading": gettext_lazy("Đang đọc tệp"),
    "checking": gettext_lazy("Đang kiểm tra"),
    "previewing": gettext_lazy("Đang lập bản xem trước"),
    "writing": gettext_lazy("Đang ghi"),
    "done": gettext_lazy("Xong"),
}


def _require_importer(request: HttpRequest):
    scope = scope_for(request.user)
    if not scope.imports_staff():
        raise PermissionDenied
    return scope


def _job_or_404(request: HttpRequest, pk: int) -> ImportJob:
    job = (
        ImportJob.objects.filter(pk=pk, created_by_id=request.user.pk)
        .select_related("agency")
        .defer("data", "error_report")
        .first()
    )
    if job is None:
        raise Http404
    return job


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    scope = _require_importer(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = import_job_start(
                data=data["data"],
                filename=data["file"].name,
                user=request.user,
                agency_code=data["agency"] or None,
                kind=data["kind"],
                dry_run=True,
                full=not data["partial"],
            )
        except ImportRefused as exc:
            form.add_error("agency", str(exc))
        else:
            if job.status == ImportJobStatus.FAILED and not job.totals.get("total"):
                # The file could not be read at all (no header, no rows…): say so next to the
                # upload field and keep what the user chose; the stored bytes are dropped.
                for message in job.preview.get("file_errors") or job.messages:
                    form.add_error("file", message)
                job.delete()
            else:
                return redirect("staff:import-detail", pk=job.pk)
    recent = (
        ImportJob.objects.filter(created_by_id=request.user.pk)
        .select_related("agency")
        .defer("data", "error_report", "preview", "messages")[:10]
    )
    return render(request, "staff/import_upload.html", {"form": form, "recent": recent})


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    running = job.status in (ImportJobStatus.PENDING, ImportJobStatus.RUNNING)
    preview = job.preview or {}
    rows = preview.get("rows", [])
    context = {
        "job": job,
        "running": running,
        "stage": STAGES.get(job.stage, job.stage),
        "rows": rows,
        "shown": len(rows),
        "not_in_file": preview.get("not_in_file", []),
        "file_errors": preview.get("file_errors", []),
        "totals": job.totals,
        "can_confirm": (
            job.status == ImportJobStatus.DONE
            and job.dry_run
            and job.confirmed_at is None
            and job.cancelled_at is None
        ),
        "has_report": job.status == ImportJobStatus.FAILED and job.totals.get("error"),
    }
    return render(request, "staff/import_detail.html", context)


@login_required
@require_GET
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the page's script polls: status, stage, percentage; ``done`` when it may reload."""
    job = _job_or_404(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "stage": str(STAGES.get(job.stage, job.stage)),
            "progress": job.progress,
            "done": job.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED),
        }
    )


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)  # another agency's job: 404 before any role check
    _require_importer(request)
    try:
        job = import_job_confirm(job_id=job.pk, user=request.user)
    except ImportRefused as exc:
        messages.error(request, str(exc))
        return redirect("staff:import-detail", pk=pk)
    if job.written:
        messages.success(request, _("Đã ghi danh sách vào hệ thống."))
    elif job.status == ImportJobStatus.FAILED:
        messages.error(request, _("Dữ liệu đã thay đổi từ lúc xem trước; không ghi gì."))
    return redirect("staff:import-detail", pk=pk)


@login_required
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    if import_job_cancel(job_id=job.pk, user=request.user):
        messages.info(request, _("Đã hủy lượt nhập; tệp đã được xóa, không ghi gì."))
    else:
        messages.error(request, _("Lượt nhập này đã được xác nhận hoặc đã hủy."))
    return redirect("staff:import-upload")


@login_required
@require_GET
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The error report: the original rows plus an error column (.xlsx)."""
    job = _job_or_404(request, pk)
    report = ImportJob.objects.filter(pk=job.pk).values_list("error_report", flat=True).first()
    if not report:
        raise Http404
    response = HttpResponse(
        bytes(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="bao-cao-loi-{job.pk}.xlsx"'
    return response
