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
from evaluation.services.common import approver_users, hr_users
from evaluation.services.notifications import notify


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
        Evaluation.objects.filter(period=period, final_level="KHTNV", status__in=SIGNED_STATUSES)
        .select_related("staff")
        .values_list("staff_id", "agency_id")
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
    raised = []
    for staff_id, agency_id in failing:
        months = history.get(staff_id, set())
        kinds = []
        if window[1] in months:
            kinds.append((EarlyWarningKind.TWO_CONSECUTIVE, [window[1], window[0]]))
        if len(months) >= 3:
            kinds.append((EarlyWarningKind.THREE_IN_SIX, sorted(months)))
        for kind, labels in kinds:
            warning, created = EarlyWarning.objects.get_or_create(
                staff_id=staff_id,
                period=period,
                kind=kind,
                defaults={"agency_id": agency_id, "months": labels},
            )
            if created:
                raised.append(warning)
                notify(
                    users=approver_users(agency_id) + hr_users(agency_id),
                    kind=NotificationKind.WARNING,
                    subject=f"Cảnh báo sớm: {warning.staff.full_name} / Early warning",
                    body=f"{warning.staff.full_name} ({warning.staff.code}): "
                    f"{warning.get_kind_display()} ({', '.join(labels)}).",
                    dedup_key=f"warning:{warning.pk}",
                )
    return raised
