"""Closing a period (DOMAIN.md §5): published evaluations become closed, each agency's close is
a signed audit entry, early warnings are raised, a month that ends a quarter or the year derives
it, and ``period_closed`` tells the floors above (the dashboards freeze their indicators)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from evaluation.errors import WorkflowError
from evaluation.models import Period, PeriodKind, PeriodStatus, Status
from evaluation.services.common import require_period_open
from evaluation.services.derive import period_derive
from evaluation.services.periods import require_province_admin
from evaluation.services.warnings import warnings_for_period
from evaluation.signals import period_closed
from staff import audit


def period_close(*, period: Period, user: Any) -> dict[str, int]:
    """Close a period: published evaluations become closed and nothing changes after that
    except through a recorded appeal decision. A month that ends a quarter (or the year)
    derives the quarter (or the year) from its months. Returns counts."""
    require_province_admin(user)
    with transaction.atomic():
        period = Period.objects.select_for_update().get(pk=period.pk)
        require_period_open(period)
        open_appeals = period.evaluations.filter(status=Status.UNDER_APPEAL).count()
        if open_appeals:
            raise WorkflowError(
                "open_appeals",
                f"Còn {open_appeals} kiến nghị chưa giải quyết",
                f"{open_appeals} appeals are still open",
                status=409,
            )
        now = timezone.now()
        by_agency = _status_counts_by_agency(period)
        counts: dict[str, int] = {}
        for agency_id, agency_counts in sorted(by_agency.items()):
            for status, n in agency_counts.items():
                counts[status] = counts.get(status, 0) + n
            audit.record(
                "period.closed",
                actor=user,
                agency=agency_id,
                period=period,
                obj=period,
                after={"label": period.label, "counts": agency_counts},
            )
        closed = period.evaluations.filter(status=Status.PUBLISHED).update(status=Status.CLOSED)
        period.status, period.closed_at = PeriodStatus.CLOSED, now
        period.closed_by = user if getattr(user, "pk", None) else None
        period.save(update_fields=["status", "closed_at", "closed_by"])
        counts["closed"] = closed
    counts["warnings"] = len(warnings_for_period(period=period))
    # The floors above freeze what they show of the period (the dashboards' snapshots).
    for _receiver, reported in period_closed.send(sender=Period, period=period):
        counts.update(reported or {})
    counts.update(_derive_after_close(period, user))
    return counts


def _derive_after_close(period: Period, user: Any) -> dict[str, int]:
    """What the close of a tracked period derives (DOMAIN.md §5). A month that ends a quarter
    derives the quarter, under a monthly cycle; the last month (the last quarter, under a
    quarterly cycle) derives the year — and so does any tracked period closing once its year
    was derived already (before the year's deadline, ``year_deadline``): it adds whoever it
    brings (``period_derive`` re-proposes their agencies; the approval board rates every
    unsigned year again from the months signed when it signs)."""
    ruleset = period.ruleset
    # A yearly rule set's year is rated on its own (Decree 90/48): nothing is derived from it.
    if period.kind != ruleset.cycle or ruleset.cycle == PeriodKind.YEAR:
        return {}
    counts: dict[str, int] = {}
    if period.kind == PeriodKind.MONTH and period.index % 3 == 0:
        counts["quarter_evaluations"] = period_derive(
            ruleset=ruleset, label=f"{period.year}-Q{period.index // 3}", user=user
        )[1]
    last = 12 if period.kind == PeriodKind.MONTH else 4
    year = (
        Period.objects.filter(ruleset__code=ruleset.code, kind=PeriodKind.YEAR, year=period.year)
        .values_list("status", flat=True)
        .first()
    )
    # A year closed already (signed and published by its deadline) is left as it was: the
    # months closing after it are not part of it (docs/workflow.md, the year).
    if year == PeriodStatus.OPEN or (year is None and period.index == last):
        counts["year_evaluations"] = period_derive(
            ruleset=ruleset, label=str(period.year), user=user
        )[1]
    return counts


def _status_counts_by_agency(period: Period) -> dict[int, dict[str, int]]:
    """How many evaluations of the period are in each status, per agency (one query)."""
    counts: dict[int, dict[str, int]] = {}
    rows = period.evaluations.order_by().values_list("agency_id", "status").annotate(n=Count("pk"))
    for agency_id, status, n in rows:
        counts.setdefault(agency_id, {})[status] = n
    return counts
