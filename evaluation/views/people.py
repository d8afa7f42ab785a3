"""A person's page: the staff record (unit, position, duty group, manager, leave) with their
evaluations. It is the workflow's page because it shows both floors; its address stays under
``/staff/people/`` (config/urls.py puts it in the ``staff`` namespace). Read-only: records change
through the import and the admin.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET

from evaluation.selectors.access import evaluations_in_scope
from staff.views.people import STATUSES, require_staff_reader


@login_required
@require_GET
def person_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One person: unit, position, duty group, manager, leave and evaluations (read-only)."""
    scope = require_staff_reader(request)
    person = (
        scope.staff_members()
        .select_related("unit", "agency", "position", "duty_group", "manager")
        .filter(code=code)
        .first()
    )
    if person is None:
        raise Http404
    today = timezone.localdate()
    leaves = list(person.leave_periods.order_by("-start"))
    on_leave = any(lp.start <= today and (lp.end is None or lp.end >= today) for lp in leaves)
    evaluations = list(
        evaluations_in_scope(scope)
        .filter(staff=person)
        .select_related("period", "period__ruleset", "unit")
        .order_by("-period__year", "-period__index", "period__kind", "period__ruleset__code")
    )
    context = {
        "person": person,
        "status": "left" if not person.is_active else ("on_leave" if on_leave else "active"),
        "statuses": STATUSES,
        "leaves": leaves,
        "evaluations": evaluations,
        "today": today,
    }
    return render(request, "staff/people/detail.html", context)


urls: list[URLPattern] = [
    path("people/<str:code>/", person_detail, name="person"),
]
