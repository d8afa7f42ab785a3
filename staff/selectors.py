"""Reads of the staff app. Every list starts from ``staff.access.scope_for(user)``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from staff.access import scope_for
from staff.models import Agency, StaffMember, Transfer, Unit
from staff.names import query_terms

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser


def staff_list(
    *,
    user: AnyUser,
    search: str | None = None,
    unit: Unit | str | None = None,
    agency: Agency | str | None = None,
    category: str | None = None,
    active: bool | None = None,
) -> QuerySet[StaffMember]:
    """The staff a user may see, filtered, in official Vietnamese order (sort_key, then code).

    ``unit``/``agency`` take an instance or a code; a unit includes its sub-units (a phòng's list
    shows its tổ). ``search`` ignores diacritics and word order: every typed word must occur in
    the name or code. Related rows are joined so a page costs a constant number of queries.
    """
    qs = scope_for(user).staff_members()
    if unit is not None:
        path = unit.path if isinstance(unit, Unit) else None
        if path is None:
            path = Unit.objects.filter(code=unit).values_list("path", flat=True).first()
        qs = qs.filter(unit__path__startswith=path) if path else qs.none()
    if agency is not None:
        qs = (
            qs.filter(agency=agency)
            if isinstance(agency, Agency)
            else qs.filter(agency__code=agency)
        )
    if category:
        qs = qs.filter(category=category)
    if active is True:
        qs = qs.active()
    elif active is False:
        qs = qs.inactive()
    for term in query_terms(search):
        # search_text is stored folded (lowercase, no diacritics), so a plain contains suffices.
        qs = qs.filter(search_text__contains=term)
    return qs.select_related("unit", "agency", "position", "duty_group", "manager").order_by(
        "sort_key", "code"
    )


def agency_list(*, user: AnyUser, agency_type: str | None = None) -> QuerySet[Agency]:
    """Agencies the user may see, by type order then code."""
    qs = scope_for(user).agencies().select_related("agency_type", "parent", "province")
    if agency_type:
        qs = qs.filter(agency_type__code=agency_type)
    return qs.order_by("agency_type__order", "code")


def unit_list(*, user: AnyUser, agency: Agency | str | None = None) -> QuerySet[Unit]:
    """Units the user may see, in tree order (agency, then materialised path)."""
    qs = scope_for(user).units().select_related("agency", "parent")
    if agency is not None:
        qs = (
            qs.filter(agency=agency)
            if isinstance(agency, Agency)
            else qs.filter(agency__code=agency)
        )
    return qs.order_by("agency__code", "path")


# --- which unit rates a period ---------------------------------------------------------------


def _unit_id_for_period(
    *,
    current_unit_id: int,
    transfers: Sequence[tuple[dt.date, int, int]],
    start: dt.date,
    end: dt.date,
) -> int:
    """Pure core of ``staff_unit_for_period``: ``transfers`` = (effective_on, from, to), sorted.

    A transfer takes effect on its effective date (that day belongs to the new unit). Days are
    summed per unit, so A → B → A counts both stays in A. On a tie the unit held later in the
    period wins: the person sits there now and their manager there does the evaluating.
    """
    if end < start:
        raise ValueError("end must not be before start")
    if not transfers:
        return current_unit_id
    # Segments: [(from_date or None, unit_id)], the first one open to the past.
    segments: list[tuple[dt.date | None, int]] = [(None, transfers[0][1])]
    segments += [(eff, to_id) for eff, _from, to_id in transfers]
    period_end_excl = end + dt.timedelta(days=1)
    days: dict[int, int] = defaultdict(int)
    last_seen: dict[int, int] = {}
    for i, (seg_start, unit_id) in enumerate(segments):
        seg_end_excl = segments[i + 1][0] if i + 1 < len(segments) else None
        lo = max(start, seg_start) if seg_start else start
        hi_excl = min(period_end_excl, seg_end_excl) if seg_end_excl else period_end_excl
        n = (hi_excl - lo).days
        if n > 0:
            days[unit_id] += n
            last_seen[unit_id] = i
    if not days:  # cannot happen for a non-empty period, kept for safety
        return current_unit_id
    return max(days, key=lambda u: (days[u], last_seen[u]))


def staff_unit_for_period(*, staff: StaffMember, start: dt.date, end: dt.date) -> Unit:
    """The unit the person belonged to for most of [start, end] (DOMAIN.md §1), from Transfer.

    Each period is evaluated by that unit, even if the person has moved since.
    """
    transfers = list(
        Transfer.objects.filter(staff=staff)
        .order_by("effective_on", "id")
        .values_list("effective_on", "from_unit_id", "to_unit_id")
    )
    unit_id = _unit_id_for_period(
        current_unit_id=staff.unit_id, transfers=transfers, start=start, end=end
    )
    if unit_id == staff.unit_id:
        return staff.unit
    return Unit.objects.select_related("agency").get(pk=unit_id)
