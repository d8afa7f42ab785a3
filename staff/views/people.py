"""HR officer / province admin — the staff list: Vietnamese sort, diacritic-free search, filters.

Who may use it: HR officers (their agency), the province admin and the inspector (everyone);
anyone else gets a 404, like a person outside one's scope. The list is ``staff_list`` (scoped by
``staff.access``, official Vietnamese order by ``sort_key`` — given name, then middle, then
family name — and a search that ignores diacritics); a page costs the same few queries whether
it shows 5 people or 50. The person page, which adds the person's evaluations, is
``evaluation.views.people``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from staff.access import Scope, request_scope
from staff.models import LeavePeriod, StaffCategory, StaffMember
from staff.selectors import agency_list, staff_list, unit_list

PER_PAGE = 50

# The person's situation today: in service and working, in service but on leave, or gone.
STATUSES = {
    "active": _("Đang làm việc"),
    "on_leave": _("Đang nghỉ"),
    "left": _("Đã thôi việc"),
}


def require_staff_reader(request: HttpRequest) -> Scope:
    """The staff list: HR officers, the province admin and the inspector; others see a 404."""
    scope = request_scope(request)
    if not (scope.imports_staff() or scope.sees_all):
        raise Http404
    return scope


def _on_leave_today(today: dt.date) -> Exists:
    return Exists(
        LeavePeriod.objects.filter(staff=OuterRef("pk"), start__lte=today).filter(
            Q(end__isnull=True) | Q(end__gte=today)
        )
    )


def _with_status(qs: QuerySet[StaffMember], status: str, today: dt.date) -> QuerySet[StaffMember]:
    """Annotate ``on_leave`` (one subquery in the same SELECT) and keep the chosen status."""
    qs = qs.annotate(on_leave=_on_leave_today(today))
    if status == "on_leave":
        return qs.filter(on_leave=True)
    if status == "active":
        return qs.filter(on_leave=False)
    return qs


@login_required
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    """The staff a user may see, filtered and paginated, with the count."""
    scope = require_staff_reader(request)
    today = timezone.localdate()
    province = scope.sees_all
    filters = {
        "q": request.GET.get("q", "").strip(),
        "agency": request.GET.get("agency", "").strip() if province else "",
        "unit": request.GET.get("unit", "").strip(),
        "category": request.GET.get("category", ""),
        "status": request.GET.get("status", ""),
    }
    if filters["category"] not in StaffCategory.values:
        filters["category"] = ""
    if filters["status"] not in STATUSES:
        filters["status"] = ""
    active = {"active": True, "on_leave": True, "left": False}.get(filters["status"])
    qs = staff_list(
        user=request.user,
        search=filters["q"] or None,
        unit=filters["unit"] or None,
        agency=filters["agency"] or None,
        category=filters["category"] or None,
        active=active,
    )
    page = Paginator(_with_status(qs, filters["status"], today), PER_PAGE).get_page(
        request.GET.get("page")
    )
    # Units to choose from: the agency's own (HR), or the chosen agency's (province roles —
    # a whole province's units would make a select of thousands).
    units: list[Any] = []
    if not province or filters["agency"]:
        units = list(
            unit_list(user=request.user, agency=filters["agency"] or None)
            .select_related(None)
            .only("code", "name", "path")
        )
    query = {k: v for k, v in filters.items() if v}
    context = {
        "page": page,
        "filters": filters,
        "province": province,
        "agencies": (
            list(agency_list(user=request.user).select_related(None).only("code", "name"))
            if province
            else []
        ),
        "units": units,
        "categories": StaffCategory.choices,
        "statuses": list(STATUSES.items()),
        "query": urlencode(query),
        "filtered": bool(query),
    }
    return render(request, "staff/people/list.html", context)


urls: list[URLPattern] = [
    path("people/", people, name="people"),
]
