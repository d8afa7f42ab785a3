"""The year's deadline (DOMAIN.md §5: the annual rating closes before 15 December, or 15 January
of the next year where the superior allows), as steps of the daily job:

1. ``YEAR_DERIVE_DAYS`` before the deadline the year is derived from the tracked periods signed
   so far (months, or a quarterly rule set's quarters), so it can be signed before December
   is over; a tracked period closing afterwards derives it again (``period_close``), and the
   approval board always rates an unsigned year from the periods signed when it signs;
2. ``YEAR_REMINDER_DAYS`` before it (and on the day) the approvers of every agency with
   unsigned year evaluations are reminded, once a day — and the province approvers of the
   heads' own (DOMAIN.md §1);
3. on the deadline day the province admin (Sở Nội vụ) is told which agencies are late, once.

The deadline itself is ``Period.approval_due`` of the year, set from the rule set's
``year_due_month`` and ``year_due_day`` (``periods.year_due``). Each step is safe to run again
the same day: the derive only when the year does not exist yet, the notifications by their
dedup keys.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q

from evaluation.models import NotificationKind, Period, PeriodKind, PeriodStatus, Status
from evaluation.services.common import agency_role_users, province_approver_users
from evaluation.services.derive import period_derive
from evaluation.services.notifications import Message, notify_many
from evaluation.services.periods import year_due
from staff.models import APPROVER_ROLES, Agency, Role, RoleAssignment

# The year is derived from what is signed this many days before its deadline (15 December →
# 1 December: by then November's month is usually approved, DOMAIN.md §5 defaults).
YEAR_DERIVE_DAYS = 14
# The approvers of agencies with unsigned year evaluations are reminded this many days before
# the deadline (0 = on the day). A module constant: a province wanting others changes it here.
YEAR_REMINDER_DAYS = (7, 2, 0)
# Year evaluations that still wait for a signature.
UNSIGNED = (Status.DRAFT, Status.SELF_ASSESSED, Status.MANAGER_SCORED)


@dataclass
class YearReport:
    """What the year's steps did in one run of the daily job."""

    derived: list[str] = field(default_factory=list)
    reminders: int = 0
    late_notices: int = 0

    def summary(self) -> str:
        """ "" when nothing happened, so the daily line stays as it was on ordinary days."""
        parts = []
        if self.derived:
            parts.append("derived " + ", ".join(self.derived))
        if self.reminders:
            parts.append(f"{self.reminders} year reminders")
        if self.late_notices:
            parts.append(f"{self.late_notices} late-agency notices")
        return "; ".join(parts)


def _tracked_rulesets(years: set[int]) -> dict[tuple[str, int], Any]:
    """For each (rule-set code, year) with a tracked period in the year, the rule-set version
    of its latest one: the version the year is derived under (as ``period_close`` does); for
    a yearly rule set, the year opened itself (reminders and the late notice only)."""
    latest: dict[tuple[str, int], Period] = {}
    periods = (
        # A yearly rule set's year is its own tracked period (opened, never derived).
        Period.objects.filter(year__in=sorted(years))
        .select_related("ruleset")
        .order_by("starts_on", "pk")
    )
    for period in periods:
        if period.kind == period.ruleset.cycle:
            latest[(period.ruleset.code, period.year)] = period
    return {key: period.ruleset for key, period in latest.items()}


# The head of an agency (no manager inside it) is approved by the province approver, never
# inside the agency (DOMAIN.md §1).
HEAD = Q(leadership="head", manager__isnull=True)


def _unsigned_by_agency(period: Period, which: Q | None = None) -> dict[int, int]:
    unsigned = period.evaluations.filter(status__in=UNSIGNED)
    if which is not None:
        unsigned = unsigned.filter(which)
    return dict(unsigned.order_by().values_list("agency_id").annotate(n=Count("pk")))


def _reminder(
    period: Period, *, users: list[Any], count: int, due: dt.date, today: dt.date, key: str
) -> Message:
    when_vi = "hôm nay" if due == today else f"ngày {due:%d/%m/%Y}"
    when_en = "today" if due == today else f"on {due:%Y-%m-%d}"
    return Message(
        users=users,
        kind=NotificationKind.REMINDER,
        subject=f"Nhắc hạn xếp loại năm {period.year} / Reminder: the {period.year} annual "
        f"rating is due {due:%Y-%m-%d}",
        body=f"Hạn phê duyệt xếp loại năm {period.year} là {when_vi}; còn {count} phiếu chưa "
        f"phê duyệt. / The {period.year} annual rating must be approved {when_en}; {count} "
        "evaluation(s) still wait for approval.",
        dedup_key=f"year-reminder:{period.pk}:{key}:{today.isoformat()}",
    )


def _remind_approvers(period: Period, due: dt.date, today: dt.date) -> int:
    """One reminder per approver (head, delegate) of each agency with unsigned year
    evaluations besides the head's own, naming how many, and one per province approver for the
    heads' own; once a day (dedup key)."""
    unsigned = _unsigned_by_agency(period, ~HEAD)
    recipients = agency_role_users(unsigned, APPROVER_ROLES)
    messages = [
        _reminder(
            period,
            users=recipients.get(agency_id, []),
            count=count,
            due=due,
            today=today,
            key=str(agency_id),
        )
        for agency_id, count in sorted(unsigned.items())
    ]
    heads = sum(_unsigned_by_agency(period, HEAD).values())
    if heads:
        messages.append(
            _reminder(
                period,
                users=province_approver_users(),
                count=heads,
                due=due,
                today=today,
                key="heads",
            )
        )
    return len(notify_many(messages))


def late_agencies(period: Period) -> list[tuple[Agency, int]]:
    """The agencies with year evaluations not signed yet, by code, with how many."""
    unsigned = _unsigned_by_agency(period)
    agencies = Agency.objects.in_bulk(list(unsigned))
    return sorted(((agencies[pk], n) for pk, n in unsigned.items()), key=lambda row: row[0].code)


def _province_admins() -> list[Any]:
    assignments = (
        RoleAssignment.objects.current()
        .filter(role=Role.PROVINCE_ADMIN, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )
    return list({a.user_id: a.user for a in assignments}.values())


def _tell_late(period: Period, due: dt.date) -> int:
    """On the deadline day, the province admin is told which agencies have not signed their
    year (DOMAIN.md §5), once for the year (dedup key)."""
    late = late_agencies(period)
    if not late:
        return 0
    listed = "; ".join(f"{agency.code} — {agency.name}: {n}" for agency, n in late)
    message = Message(
        users=_province_admins(),
        kind=NotificationKind.WARNING,
        subject=f"Quá hạn xếp loại năm {period.year}: {len(late)} cơ quan / {len(late)} "
        f"agencies late with the {period.year} annual rating",
        body=f"Hạn xếp loại năm {period.year} của bộ quy tắc {period.ruleset.code} là "
        f"{due:%d/%m/%Y}; các cơ quan còn phiếu chưa phê duyệt (số phiếu): {listed}. / The "
        f"{period.year} annual rating of rule set {period.ruleset.code} was due {due:%Y-%m-%d}; "
        f"agencies with evaluations still unsigned (how many): {listed}.",
        dedup_key=f"year-late:{period.pk}",
    )
    return len(notify_many([message]))


def year_deadline_jobs(*, today: dt.date) -> YearReport:
    """The year's steps for every rule set with tracked periods in the year being rated: the
    current year, and last year while its deadline (15 January) may still be ahead."""
    report = YearReport()
    rulesets = _tracked_rulesets({today.year - 1, today.year})
    years = {
        (p.ruleset.code, p.year): p
        for p in Period.objects.filter(
            kind=PeriodKind.YEAR, year__in=(today.year - 1, today.year)
        ).select_related("ruleset")
    }
    for (code, year), ruleset in sorted(rulesets.items()):
        period = years.get((code, year))
        due = period.approval_due if period is not None else year_due(ruleset, year)
        if period is None and due - dt.timedelta(days=YEAR_DERIVE_DAYS) <= today <= due:
            period, created = period_derive(ruleset=ruleset, label=str(year), user=None)
            report.derived.append(f"{code} {year} ({created} evaluations)")
        if period is None or period.status != PeriodStatus.OPEN:
            continue
        with transaction.atomic():
            if (due - today).days in YEAR_REMINDER_DAYS:
                report.reminders += _remind_approvers(period, due, today)
            if today == due:
                report.late_notices += _tell_late(period, due)
    return report
