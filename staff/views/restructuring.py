"""Sở Nội vụ — restructuring (sắp xếp tổ chức bộ máy, DOMAIN.md §1): the record, and a plan
from a spreadsheet (upload → preview → confirm once, or cancel).

Who: the list is for ``Scope.sees_all`` — the province admin and the inspector, who reads it
without the form; anyone else gets a 404. Uploading, previewing, confirming, cancelling and the
empty form are the province admin's (``is_province_admin``): a 404 for everyone else, the
inspector included, as every page that writes in this project.

**Between the preview and the confirmation the file waits in the session**, not in a signed
hidden field, because:

- the plan never leaves the server: the confirm form posts only a random token, so there is
  nothing for a client to edit, and confirming reads the stored bytes again and checks
  everything again (``plan_file_apply`` → ``plan_apply``, under lock);
- a confirm must apply once. The pending plan is taken out of the session when it is confirmed
  or cancelled, so a second confirm finds nothing and says so. A signed field would need that
  server state anyway: the re-check refuses a merger or a split done twice (its agencies have
  ended), but not a rename to the same name;
- the token also ties the confirmation to the preview that was seen: after a second upload, a
  confirm from the first preview's tab applies nothing;
- a plan is small (``PLAN_MAX_BYTES``), so the session row stays small; an ``ImportJob`` (the
  staff import's store, built for files of thousands of rows read by a worker) is more than it
  needs.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from staff.access import Scope, request_scope
from staff.lib.text import join_names
from staff.lib.uploads import UnsafeFile, check_upload
from staff.models import Agency, AgencySuccession, Restructuring, RestructuringKind, Unit
from staff.restructuring import RestructuringRefused, restructuring_list
from staff.restructuring_io import (
    COLUMNS,
    PLAN_LIMITS,
    PLAN_MAX_BYTES,
    plan_file_apply,
    plan_file_preview,
    problem_rows,
    restructuring_template_xlsx,
)

SESSION_KEY = "restructuring_plan"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PlanUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp kế hoạch sắp xếp (.xlsx hoặc .csv)"),
        help_text=gettext_lazy("Mỗi dòng một quyết định; tối đa 1 MB. Xem tệp mẫu."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > PLAN_MAX_BYTES:
            raise forms.ValidationError(
                _("Tệp lớn hơn giới hạn %(mb)d MB.") % {"mb": PLAN_MAX_BYTES // (1024 * 1024)}
            )
        data = upload.read()
        try:
            check_upload(data, upload.name, PLAN_LIMITS)
        except UnsafeFile as exc:
            raise forms.ValidationError(str(exc)) from exc
        self.cleaned_data["data"] = data
        return upload


# --- who ---------------------------------------------------------------------------------------


def _require_reader(request: HttpRequest) -> Scope:
    scope = request_scope(request)
    if not scope.sees_all:
        raise Http404
    return scope


def _require_admin(request: HttpRequest) -> Scope:
    scope = request_scope(request)
    if not scope.is_province_admin():
        raise Http404
    return scope


# --- the list ----------------------------------------------------------------------------------


def _named(code: str, names: dict[str, str]) -> str:
    return f"{names[code]} ({code})" if code in names else code


def _changes(record: Restructuring, agencies: dict[str, str], units: dict[str, str]) -> dict:
    """What the record's ``summary`` says it changed, with names for its codes."""
    s = record.summary or {}
    by_target: dict[str, list[str]] = defaultdict(list)
    for unit, agency in (s.get("units") or {}).items():
        by_target[agency].append(_named(unit, units))
    return {
        "ended": [_named(c, agencies) for c in s.get("ended", [])],
        "created": [_named(c, agencies) for c in s.get("created", [])],
        "units": [(_named(a, agencies), names) for a, names in sorted(by_target.items())],
        "people": s.get("people"),
        "before": (s.get("before") or {}).get("name", ""),
        "after": (s.get("after") or {}).get("name", ""),
        "unit": _named(s["unit"], units) if s.get("unit") else "",
        "to_unit": _named(s["to_unit"], units) if s.get("to_unit") else "",
    }


def _record_rows(records: list[Restructuring]) -> list[dict[str, Any]]:
    """Each record with its changes; the codes' names in two queries, however many records."""
    agency_codes: set[str] = set()
    unit_codes: set[str] = set()
    for record in records:
        s = record.summary or {}
        agency_codes.update(s.get("ended", []), s.get("created", []))
        agency_codes.update((s.get("units") or {}).values())
        unit_codes.update(s.get("units") or {})
        unit_codes.update(c for c in (s.get("unit"), s.get("to_unit")) if c)
    agencies = dict(
        Agency.objects.filter(code__in=sorted(agency_codes)).values_list("code", "name")
    )
    units = dict(Unit.objects.filter(code__in=sorted(unit_codes)).values_list("code", "name"))
    return [{"record": r, "changes": _changes(r, agencies, units)} for r in records]


def _lineage() -> list[dict[str, Any]]:
    """For each successor agency, whom it came from and when, in one query: after a merger
    "gồm Sở A và Sở B trước 01/03/2026" (the sentence of the dashboards' trend), a split's new
    part "tách ra từ…", an existing agency that took in units of a split "nhận một phần của…"."""
    rows = AgencySuccession.objects.select_related(
        "predecessor", "successor", "restructuring"
    ).order_by("successor__name", "successor__code", "-effective_on", "predecessor__code")
    grouped: dict[tuple[int, dt.date, str], list[AgencySuccession]] = {}
    for row in rows:
        key = (row.successor_id, row.effective_on, row.restructuring.kind)
        grouped.setdefault(key, []).append(row)
    lines = []
    for (_id, effective_on, kind), successions in grouped.items():
        successor = successions[0].successor
        values = {
            "names": join_names(
                [f"{s.predecessor.name} ({s.predecessor.code})" for s in successions]
            ),
            "date": f"{effective_on:%d/%m/%Y}",
        }
        if kind != RestructuringKind.SPLIT:
            text = _("gồm %(names)s trước %(date)s")
        elif successor.valid_from == effective_on:
            text = _("tách ra từ %(names)s, từ ngày %(date)s")
        else:
            text = _("nhận một phần của %(names)s từ ngày %(date)s")
        lines.append({"agency": successor, "sentence": text % values})
    return lines


def _render_list(
    request: HttpRequest, scope: Scope, form: PlanUploadForm | None, status: int = 200
) -> HttpResponse:
    context = {
        "rows": _record_rows(restructuring_list()),
        "lineage": _lineage(),
        "form": form,
        "can_upload": scope.is_province_admin(),
        "pending": bool(request.session.get(SESSION_KEY)) if scope.is_province_admin() else False,
        "columns": COLUMNS,
    }
    return render(request, "staff/restructure/list.html", context, status=status)


@login_required
@require_GET
def restructure_list(request: HttpRequest) -> HttpResponse:
    """Every recorded restructuring, newest first, and the lineage of the successor agencies;
    for the province admin, the upload form."""
    scope = _require_reader(request)
    return _render_list(request, scope, PlanUploadForm() if scope.is_province_admin() else None)


# --- upload, preview, confirm, cancel ----------------------------------------------------------


def _pending(request: HttpRequest) -> dict[str, str] | None:
    pending = request.session.get(SESSION_KEY)
    return pending if isinstance(pending, dict) and pending.get("token") else None


def _bytes(pending: dict[str, str]) -> bytes:
    return base64.b64decode(pending["data"])


def _shown(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each problem's message in the page's language, the other language beside it."""
    english = translation.get_language() == "en"
    shown = []
    for p in problems:
        item = dict(p)
        if english:
            # The sheet's headers are Vietnamese: the English name first, the header beside it.
            text, other = item["message_en"], ""
            column, column_other = item["column_en"] or item["column"], item["column"]
        else:
            text, other = item["message"], item["message_en"]
            column, column_other = item["column"], item["column_en"]
        item.update(
            text=text,
            translation=other if other != text else "",
            column_text=column,
            column_other=column_other if column_other != column else "",
        )
        shown.append(item)
    return shown


def _steps_shown(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kinds = dict(RestructuringKind.choices)
    return [
        {
            **s,
            "kind_label": kinds.get(s["kind"], s["kind"]),
            "date": dt.date.fromisoformat(s["effective_on"]),
        }
        for s in steps
    ]


def _render_preview(
    request: HttpRequest,
    pending: dict[str, str],
    result: dict[str, Any],
    status: int = 200,
    active: bool = True,
) -> HttpResponse:
    """``active``: the plan still waits in the session (confirm or cancel it); after a refused
    confirmation it does not, and the page only offers another upload."""
    context = {
        "filename": pending["filename"],
        "active": active,
        "token": pending["token"] if active else "",
        "ok": result["ok"],
        "problems": _shown(result["problems"]),
        "steps": _steps_shown(result.get("steps", [])),
        "rows": result.get("rows", 0),
        "form": PlanUploadForm(),
    }
    return render(request, "staff/restructure/preview.html", context, status=status)


@login_required
@require_POST
def restructure_upload(request: HttpRequest) -> HttpResponse:
    """Keep the file in the session (the module's docstring says why) and show its preview."""
    scope = _require_admin(request)
    form = PlanUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_list(request, scope, form, status=400)
    request.session[SESSION_KEY] = {
        "token": secrets.token_urlsafe(16),
        "filename": form.cleaned_data["file"].name[-200:],
        "data": base64.b64encode(form.cleaned_data["data"]).decode("ascii"),
        "uploaded_at": timezone.now().isoformat(),
    }
    return redirect("staff:restructure-preview")


@login_required
@require_GET
def restructure_preview(request: HttpRequest) -> HttpResponse:
    """The plan read and checked now (nothing written): each step, or every problem."""
    _require_admin(request)
    pending = _pending(request)
    if pending is None:
        messages.info(request, _("Không có kế hoạch nào đang chờ xác nhận."))
        return redirect("staff:restructure")
    result = plan_file_preview(
        data=_bytes(pending), filename=pending["filename"], user=request.user
    )
    return _render_preview(request, pending, result)


@login_required
@require_POST
def restructure_confirm(request: HttpRequest) -> HttpResponse:
    """Apply the pending plan once: taken out of the session first, then read and checked
    again by ``plan_file_apply``; its problems, if any, are shown and nothing is written."""
    _require_admin(request)
    pending = _pending(request)
    if pending is None:
        messages.error(request, _("Kế hoạch này đã được ghi nhận hoặc đã hủy; không ghi gì thêm."))
        return redirect("staff:restructure")
    if not constant_time_compare(request.POST.get("token", ""), pending["token"]):
        messages.error(
            request,
            _("Đã có tệp khác được tải lên sau bản xem trước này; hãy xem lại trước khi xác nhận."),
        )
        return redirect("staff:restructure-preview")
    del request.session[SESSION_KEY]
    try:
        records = plan_file_apply(
            data=_bytes(pending), filename=pending["filename"], user=request.user
        )
    except RestructuringRefused as refused:
        result = {"ok": False, "problems": problem_rows(refused.problems)}
        return _render_preview(request, pending, result, status=409, active=False)
    messages.success(
        request,
        ngettext(
            "Đã ghi nhận %(n)d quyết định sắp xếp.",
            "Đã ghi nhận %(n)d quyết định sắp xếp.",
            len(records),
        )
        % {"n": len(records)},
    )
    return redirect("staff:restructure")


@login_required
@require_POST
def restructure_cancel(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    if request.session.pop(SESSION_KEY, None):
        messages.info(request, _("Đã hủy kế hoạch; không ghi gì."))
    return redirect("staff:restructure")


@login_required
@require_GET
def restructure_template(request: HttpRequest) -> HttpResponse:
    """The empty plan (.xlsx): the headers, one example row, a sheet explaining each column."""
    _require_admin(request)
    response = HttpResponse(restructuring_template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="mau-sap-xep-to-chuc.xlsx"'
    return response


urls: list[URLPattern] = [
    path("restructure/", restructure_list, name="restructure"),
    path("restructure/upload/", restructure_upload, name="restructure-upload"),
    path("restructure/preview/", restructure_preview, name="restructure-preview"),
    path("restructure/confirm/", restructure_confirm, name="restructure-confirm"),
    path("restructure/cancel/", restructure_cancel, name="restructure-cancel"),
    path("restructure/template.xlsx", restructure_template, name="restructure-template"),
]
