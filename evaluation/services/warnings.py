"""Early warnings (DOMAIN.md §7): KHTNV two months running, or three in any six, is raised to
the agency head and the HR officer "without waiting for the end of the term"."""

from __future__ import annotations

from evaluation.models import (
    SIGNED_STATUSES,
    EarlyWarning,
    EarlyWarningKind,
    Evaluation,
    NotificationKind,
    Period,
    PeriodKind,
)
from evaluation.services.common import agency_role_users
from evaluation.services.notifications import Message, notify_many
from staff.models import APPROVER_ROLES, Role, StaffMember


def _previous_months(period: Period, count: int) -> list[str]:
    """Labels of ``count`` months ending with ``period`` (inclusive), newest first."""
    labels = []
    year, month = period.year, period.index
    for _ in range(count):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return labels


def warnings_for_period(*, period: Period) -> list[EarlyWarning]:
    """Raise the warnings a monthly period's signed KHTNV ratings call for (idempotent)."""
    if period.kind != PeriodKind.MONTH:
        return []
    window = _previous_months(period, 6)
    failing = list(
        Evaluation.objects.filter(
            period=period, final_level="KHTNV", status__in=SIGNED_STATUSES
        ).values_list("staff_id", "agency_id")
    )
    if not failing:
        return []
    history: dict[int, set[str]] = {}
    for staff_id, label in Evaluation.objects.filter(
        staff_id__in=[s for s, _ in failing],
        period__ruleset__code=period.ruleset.code,
        period__kind=PeriodKind.MONTH,
        period__label__in=window,
        final_level="KHTNV",
        status__in=SIGNED_STATUSES,
    ).values_list("staff_id", "period__label"):
        history.setdefault(staff_id, set()).add(label)
    already = set(EarlyWarning.objects.filter(period=period).values_list("staff_id", "kind"))
    new: list[EarlyWarning] = []
    for staff_id, agency_id in failing:
        months = history.get(staff_id, set())
        kinds = []
        if window[1] in months:
            kinds.append((EarlyWarningKind.TWO_CONSECUTIVE, [window[1], window[0]]))
        if len(months) >= 3:
            kinds.append((EarlyWarningKind.THREE_IN_SIX, sorted(months)))
        new += [
            EarlyWarning(
                staff_id=staff_id, period=period, kind=kind, agency_id=agency_id, months=labels
            )
            for kind, labels in kinds
            if (staff_id, kind) not in already
        ]
    # In bulk, with the people named in one query and each agency's recipients read once: a
    # province's close raises about a thousand warnings (22 s one by one, docs/performance.md).
    raised = EarlyWarning.objects.bulk_create(new, batch_size=1000)
    _notify(raised)
    return raised


def _notify(warnings: list[EarlyWarning]) -> None:
    """Tell each warning's agency head (and delegate) and HR officer."""
    people = StaffMember.objects.in_bulk({w.staff_id for w in warnings})
    # The head, the delegate and HR of every agency concerned, in one query.
    agency_ids = {w.agency_id for w in warnings}
    recipients = agency_role_users(agency_ids, (*APPROVER_ROLES, Role.HR_OFFICER))
    messages = []
    for warning in warnings:
        person = people[warning.staff_id]
        messages.append(
            Message(
                users=recipients.get(warning.agency_id, []),
                kind=NotificationKind.WARNING,
                subject=f"Cảnh báo sớm: {person.full_name} / Early warning",
                body=f"{person.full_name} ({person.code}): "
                f"{warning.get_kind_display()} ({', '.join(warning.months)}).",
                dedup_key=f"warning:{warning.pk}",
            )
        )
    notify_many(messages)
