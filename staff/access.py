"""THE one place that decides what a user may see. Every selector, viewset and page asks here.

``scope_for(user)`` reads the user's currently valid role assignments and their own staff
record (one query, once per request), and returns a ``Scope`` whose querysets are each ONE
query built from Q objects — no per-row permission checks, so a list of 5,000 people costs the
same as a list of 5.

Grants are a union over the user's roles:

=====================================  =================================================
superuser, province_admin              everything
inspector                              everything, read-only
agency_head, head_delegate, hr_officer everything in that agency — but the head's own
                                       rating is the superior's (no score, sign-off or
                                       appeal decision on it)
province_approver                      every head of agency's evaluation and staff record
                                       (DOMAIN.md §1: the head is rated by the province),
                                       nothing else of the agencies
manager                                staff of that unit and its sub-units, plus the
                                       user's direct reports (StaffMember.manager)
any user linked to a StaffMember       themself
anonymous / inactive                   nothing
=====================================  =================================================

Out of scope is a 404, never a 403: a 403 would confirm that the code exists (healthchecks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import BigIntegerField, CharField, Q, QuerySet, Value
from django.http import Http404

from staff.models import (
    AGENCY_ROLES,
    APPROVER_ROLES,
    Agency,
    Leadership,
    Role,
    RoleAssignment,
    StaffMember,
    Unit,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class PersonRecord(Protocol):
    """What the grants read of a record kept per person (an evaluation, in the workflow)."""

    staff_id: int
    manager_id: int | None
    agency_id: int
    leadership: str


# The head of an agency (DOMAIN.md §1): a head (cấp trưởng) with no manager inside the agency —
# the department director, the commune chair. Rated by the superior authority (the provincial
# People's Committee), never by their own deputy or delegate. Written once, for records kept per
# person (an evaluation copies ``leadership`` and ``manager_id`` when its period opens) and for
# staff records.
def head_of_agency_records(prefix: str = "") -> Q:
    """The records kept per person that are a head of agency's, as one filter (``prefix``: the
    path to the record, e.g. ``"evaluation__"``)."""
    return Q(**{f"{prefix}leadership": Leadership.HEAD, f"{prefix}manager_id__isnull": True})


def head_of_agency_staff() -> Q:
    """The staff records of the heads of agencies (their position is a head's, no manager)."""
    return Q(position__leadership=Leadership.HEAD, manager__isnull=True)


def is_head_of_agency(record: PersonRecord) -> bool:
    """``head_of_agency_records`` for one record in memory."""
    return record.leadership == Leadership.HEAD and record.manager_id is None


@dataclass(frozen=True)
class Scope:
    """What one user may see, resolved once per request.

    Kept as plain ids/paths (not querysets) so it is cheap, immutable and printable in tests.
    """

    user_id: int | None = None
    sees_all: bool = False
    writes_province: bool = False
    inspector_only: bool = False
    agency_ids: frozenset[int] = field(default_factory=frozenset)
    hr_agency_ids: frozenset[int] = field(default_factory=frozenset)
    approver_agency_ids: frozenset[int] = field(default_factory=frozenset)
    province_approver: bool = False
    managed_unit_paths: tuple[str, ...] = ()
    manages_direct_reports: bool = False
    own_staff_id: int | None = None
    own_unit_id: int | None = None
    own_agency_id: int | None = None

    # --- querysets -------------------------------------------------------------------------

    def _staff_q(self) -> Q:
        """The OR of every grant; ``pk__in=[]`` is the neutral "nothing" to start from."""
        q = Q(pk__in=[])
        if self.agency_ids:
            q |= Q(agency_id__in=sorted(self.agency_ids))
        for path in self.managed_unit_paths:
            q |= Q(unit__path__startswith=path)
        if self.manages_direct_reports and self.own_staff_id is not None:
            q |= Q(manager_id=self.own_staff_id)
        if self.own_staff_id is not None:
            q |= Q(pk=self.own_staff_id)
        if self.province_approver:
            q |= head_of_agency_staff()
        return q

    def staff_members(self) -> QuerySet[StaffMember]:
        """Staff members this user may see (one query)."""
        qs = StaffMember.objects.all()
        if self.sees_all:
            return qs
        if self.user_id is None:
            return qs.none()
        return qs.filter(self._staff_q())

    def agencies(self) -> QuerySet[Agency]:
        """Agencies wholly visible, plus those the user works or manages in (one query)."""
        qs = Agency.objects.all()
        if self.sees_all:
            return qs
        if self.user_id is None:
            return qs.none()
        ids = set(self.agency_ids)
        if self.own_agency_id is not None:
            ids.add(self.own_agency_id)
        q = Q(pk__in=sorted(ids))
        for path in self.managed_unit_paths:
            q |= Q(pk__in=Unit.objects.filter(path=path).values("agency_id"))
        return qs.filter(q)

    def units(self) -> QuerySet[Unit]:
        """Units of visible agencies, managed sub-trees, and the user's own unit (one query)."""
        qs = Unit.objects.all()
        if self.sees_all:
            return qs
        if self.user_id is None:
            return qs.none()
        q = Q(pk__in=[])
        if self.agency_ids:
            q |= Q(agency_id__in=sorted(self.agency_ids))
        for path in self.managed_unit_paths:
            q |= Q(path__startswith=path)
        if self.own_unit_id is not None:
            q |= Q(pk=self.own_unit_id)
        return qs.filter(q)

    def person_records_filter(self) -> Q:
        """Which records kept per person and period (evaluations: ``agency_id``, ``staff_id``,
        ``manager_id``) this user may see, as one filter: their own; as a manager, those of the
        people they evaluate; in their agency for the head, delegate and HR; every head of
        agency's for the province approver; all for the province admin and the inspector. The
        workflow applies it to its own model
        (``evaluation.selectors.access.evaluations_in_scope``)."""
        if self.sees_all:
            return Q()
        q = Q(pk__in=[])
        if self.user_id is None:
            return q
        if self.agency_ids:
            q |= Q(agency_id__in=sorted(self.agency_ids))
        if self.province_approver:
            q |= head_of_agency_records()
        if self.own_staff_id is not None:
            q |= Q(staff_id=self.own_staff_id)
            if self.manages_direct_reports:
                q |= Q(manager_id=self.own_staff_id)
        return q

    # --- capabilities ----------------------------------------------------------------------

    def is_province_admin(self) -> bool:
        """Manages rule sets and periods (Sở Nội vụ)."""
        return self.writes_province

    def can_read_audit(self) -> bool:
        """The audit trail of any evaluation: the inspector and the province admin."""
        return self.sees_all

    def can_self_assess(self, evaluation: PersonRecord) -> bool:
        return self.own_staff_id is not None and evaluation.staff_id == self.own_staff_id

    def can_score_as_manager(self, evaluation: PersonRecord) -> bool:
        """The direct manager ("whoever assigns the work evaluates it"); for the head of an
        agency, the province approver only (DOMAIN.md §1) — never the head's delegate; for
        anyone else with no manager in the agency, the head or the head's delegate. Never one's
        own evaluation."""
        if self.own_staff_id is not None and evaluation.staff_id == self.own_staff_id:
            return False
        if is_head_of_agency(evaluation):
            return self.province_approver
        if self.own_staff_id is None:
            return False
        if evaluation.manager_id is not None:
            return self.manages_direct_reports and evaluation.manager_id == self.own_staff_id
        return evaluation.agency_id in self.approver_agency_ids

    def approves_heads(self) -> bool:
        """Rates and signs the heads of agencies (the provincial People's Committee's chair or
        the vice-chair they designate, DOMAIN.md §1)."""
        return self.province_approver

    def can_sign(self, evaluation: PersonRecord) -> bool:
        """Signs, returns to the manager and resolves appeals on this one evaluation: a head of
        agency's is the province approver's alone; anyone else's, the agency's head or
        delegate. Nobody signs their own."""
        if self.own_staff_id is not None and evaluation.staff_id == self.own_staff_id:
            return False
        if is_head_of_agency(evaluation):
            return self.province_approver
        return evaluation.agency_id in self.approver_agency_ids

    def reads_indicators(self) -> bool:
        """Agency dashboards and the ranking: the province (admin, inspector) and the agency
        roles (head, delegate, HR officer)."""
        return self.sees_all or bool(self.agency_ids)

    def reads_agency_results(self, agency_id: int) -> bool:
        """One agency's indicators and official results list: the province, or that agency's
        head, delegate and HR officer."""
        return self.sees_all or agency_id in self.agency_ids

    def imports_staff(self) -> bool:
        """The staff import page: the province admin (any agency) and HR officers (their own)."""
        return self.is_province_admin() or bool(self.hr_agency_ids)

    def can_approve(self, agency_id: int) -> bool:
        """Approves the agency's units, publishes and resolves appeals: the head of the agency
        or the head's delegate — not HR, not the province admin, not the inspector. The head's
        own rating is the superior's (``can_sign``); quota exceptions are the province's."""
        return agency_id in self.approver_agency_ids

    def can_write_org(self) -> bool:
        """May change the organisation map (agencies, units, positions, roles) province-wide."""
        return self.writes_province

    def can_manage_staff_of(self, agency_id: int) -> bool:
        """May edit staff records (HR work) of that agency."""
        return self.writes_province or agency_id in self.hr_agency_ids


# The scopes resolved during the current request, by user id (``scope_cache_middleware``): the
# view, the navigation and the service of one request ask for the same scope, and resolving it
# is a query. Outside a request (jobs, the shell, tests calling services) nothing is kept.
_REQUEST_SCOPES: ContextVar[dict[int, Scope] | None] = ContextVar("request_scopes", default=None)


def scope_for(user: AbstractBaseUser | AnonymousUser | None) -> Scope:
    """Resolve a user's scope from their currently valid role assignments.

    One small query (roles and own staff record) whatever the size of the province, once per
    request: a role granted or revoked counts from the next request.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    resolved = _REQUEST_SCOPES.get()
    if resolved is None:
        return _resolve_scope(user)
    scope = resolved.get(user.pk)
    if scope is None:
        scope = resolved[user.pk] = _resolve_scope(user)
    return scope


@contextmanager
def scopes_kept_for_request() -> Iterator[None]:
    """Within this block each user's scope is resolved once (the request's lifetime)."""
    token = _REQUEST_SCOPES.set({})
    try:
        yield
    finally:
        _REQUEST_SCOPES.reset(token)


def scope_cache_middleware(get_response: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Keeps each scope for the duration of one request (settings.MIDDLEWARE)."""

    def middleware(request: Any) -> Any:
        with scopes_kept_for_request():
            return get_response(request)

    return middleware


# The staff record's row in the union below: no role can be spelt this way.
_OWN_RECORD = "="


def _roles_and_own_record(
    user_id: int,
) -> tuple[list[tuple[str, int | None, str | None]], tuple[int, int, int] | None]:
    """The user's current role assignments (role, agency id, unit path) and their own staff
    record (id, unit id, agency id), in ONE query (a UNION ALL of plain rows): this runs on
    every request."""
    blank_id = Value(None, output_field=BigIntegerField())
    roles = (
        RoleAssignment.objects.current()
        .filter(user_id=user_id)
        .order_by()
        .values_list("role", "agency_id", "unit__path", blank_id, blank_id)
    )
    record = (
        StaffMember.objects.filter(user_id=user_id)
        .order_by()
        .values_list(
            Value(_OWN_RECORD, output_field=CharField()),
            "agency_id",
            Value(None, output_field=CharField()),
            "pk",
            "unit_id",
        )
    )
    assignments, own = [], None
    for role, agency_id, path, staff_id, unit_id in roles.union(record, all=True):
        if role == _OWN_RECORD:
            own = (staff_id, unit_id, agency_id)
        else:
            assignments.append((role, agency_id, path))
    return assignments, own


def _resolve_scope(user: AbstractBaseUser) -> Scope:
    if user.is_superuser:
        return Scope(user_id=user.pk, sees_all=True, writes_province=True)

    assignments, own = _roles_and_own_record(user.pk)
    roles = {role for role, _agency, _path in assignments}

    writes_province = Role.PROVINCE_ADMIN in roles
    sees_all = writes_province or Role.INSPECTOR in roles
    agency_ids = frozenset(
        agency for role, agency, _path in assignments if role in AGENCY_ROLES and agency
    )
    hr_agency_ids = frozenset(
        agency for role, agency, _path in assignments if role == Role.HR_OFFICER and agency
    )
    approver_agency_ids = frozenset(
        agency for role, agency, _path in assignments if role in APPROVER_ROLES and agency
    )
    managed_unit_paths = tuple(
        sorted({path for role, _agency, path in assignments if role == Role.MANAGER and path})
    )
    write_roles = roles - {Role.INSPECTOR}
    return Scope(
        user_id=user.pk,
        sees_all=sees_all,
        writes_province=writes_province,
        inspector_only=Role.INSPECTOR in roles and not write_roles,
        agency_ids=agency_ids,
        hr_agency_ids=hr_agency_ids,
        approver_agency_ids=approver_agency_ids,
        province_approver=Role.PROVINCE_APPROVER in roles,
        managed_unit_paths=managed_unit_paths,
        manages_direct_reports=Role.MANAGER in roles,
        own_staff_id=own[0] if own else None,
        own_unit_id=own[1] if own else None,
        own_agency_id=own[2] if own else None,
    )


def get_agency_or_404(scope: Scope, code: str) -> Agency:
    try:
        return scope.agencies().get(code=code)
    except Agency.DoesNotExist:
        raise Http404 from None


def get_unit_or_404(scope: Scope, code: str) -> Unit:
    try:
        return scope.units().get(code=code)
    except Unit.DoesNotExist:
        raise Http404 from None


def request_scope(request: Any) -> Scope:
    """The caller's scope, resolved once per request."""
    return scope_for(request.user)
