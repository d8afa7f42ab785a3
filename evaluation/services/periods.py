"""Opening periods: a month for every covered agency's staff (DOMAIN.md §5). Closing is
``period_close``; deriving quarters and years from their months is ``derive``."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q

from evaluation.bulk import bulk_insert
from evaluation.errors import WorkflowError, forbidden
from evaluation.models import Evaluation, Period, PeriodKind, PeriodStatus
from scoring.models import RuleSet, RuleSetCoverage
from scoring.periods import Period as PeriodLabel
from scoring.periods import PeriodFormatError, parse_period
from scoring.selectors import ruleset_get_published
from staff import audit
from staff.access import scope_for
from staff.models import LeavePeriod, StaffMember

BULK_SIZE = 2000


def _due(year: int, month: int, day: int) -> dt.date:
    """Day ``day`` of the month after ``year-month`` (clamped to the month's length)."""
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _bounds(label: PeriodLabel) -> tuple[dt.date, dt.date]:
    months = label.month_labels
    first_year, first_month = map(int, months[0].split("-"))
    last_year, last_month = map(int, months[-1].split("-"))
    last_day = calendar.monthrange(last_year, last_month)[1]
    return dt.date(first_year, first_month, 1), dt.date(last_year, last_month, last_day)


def period_label_parse(label: str) -> PeriodLabel:
    try:
        return parse_period(label)
    except PeriodFormatError:
        raise WorkflowError(
            "bad_period",
            f"Kỳ không hợp lệ {label!r}; cần dạng YYYY-MM",
            f"Invalid period {label!r}; expected YYYY-MM",
            path="period",
        ) from None


def require_province_admin(user: Any) -> None:
    if user is not None and not scope_for(user).is_province_admin():
        raise forbidden(
            "Chỉ quản trị tỉnh (Sở Nội vụ) được mở, khóa kỳ đánh giá",
            "Only the province admin opens and closes periods",
        )


def period_get_or_create(*, ruleset: RuleSet, label: PeriodLabel, user: Any) -> tuple[Period, bool]:
    """The period of this rule set (by code) for ``label``, created with its deadlines."""
    existing = Period.objects.filter(
        ruleset__code=ruleset.code, kind=label.kind.value, year=label.year, index=label.index
    ).first()
    if existing is not None:
        return existing, False
    starts_on, ends_on = _bounds(label)
    year, month = ends_on.year, ends_on.month
    period = Period.objects.create(
        ruleset=ruleset,
        kind=label.kind.value,
        year=label.year,
        index=label.index,
        label=label.label,
        starts_on=starts_on,
        ends_on=ends_on,
        self_assessment_due=_due(year, month, ruleset.self_assessment_day),
        manager_due=_due(year, month, ruleset.manager_day),
        approval_due=_due(year, month, ruleset.approval_day),
        appeal_days=ruleset.appeal_days,
        opened_by=user if getattr(user, "pk", None) else None,
    )
    return period, True


def _covered_staff(period: Period) -> Any:
    """Staff of every covered agency who work at some point of the period."""
    agencies = RuleSetCoverage.objects.filter(ruleset_code=period.ruleset.code).values("agency_id")
    return StaffMember.objects.filter(
        Q(left_on__isnull=True) | Q(left_on__gte=period.starts_on),
        agency_id__in=agencies,
        joined_on__lte=period.ends_on,
    )


def period_open(*, ruleset_code: str, label: str, user: Any) -> tuple[Period, int]:
    """Open a monthly period for a rule set: one evaluation per active staff member of every
    covered agency, with the rule set's template version pinned. Idempotent: opening again
    creates nothing new except evaluations for staff who joined since. ``user`` None is the
    scheduled job. Returns the period and the number of evaluations created."""
    require_province_admin(user)
    parsed = period_label_parse(label)
    if parsed.kind.value != PeriodKind.MONTH:
        raise WorkflowError(
            "not_a_month",
            "Chỉ mở kỳ tháng; quý và năm được tổng hợp từ các tháng khi khóa",
            "Only months are opened; quarters and years are derived when their months close",
            path="period",
        )
    try:
        ruleset = ruleset_get_published(code=ruleset_code)
    except RuleSet.DoesNotExist:
        raise WorkflowError(
            "unknown_ruleset",
            f"Không có bộ quy tắc đã công bố mã {ruleset_code!r}",
            f"No published rule set {ruleset_code!r}",
            path="ruleset",
            status=404,
        ) from None
    with transaction.atomic():
        period, created = period_get_or_create(ruleset=ruleset, label=parsed, user=user)
        if period.status != PeriodStatus.OPEN:
            raise WorkflowError(
                "period_closed",
                f"Kỳ {period.label} đã khóa",
                f"Period {period.label} is closed",
                path="period",
                status=409,
            )
        count = _add_evaluations(period)
        if created or count:
            audit.record(
                "period.opened" if created else "period.joiners_added",
                actor=user,
                period=period,
                obj=period,
                after={"label": period.label, "ruleset": ruleset.code, "created": count},
            )
    return period, count


def _add_evaluations(period: Period) -> int:
    """Create the missing evaluations of a period in bulk (snapshotting the organisation).

    The period's row is locked first, so two openings of the same month (the scheduled job and
    the admin's button) add the joiners one after the other, never twice; the rows then go in
    with COPY on PostgreSQL (``evaluation.bulk``)."""
    Period.objects.select_for_update().get(pk=period.pk)
    existing = set(Evaluation.objects.filter(period=period).values_list("staff_id", flat=True))
    staff = (
        _covered_staff(period)
        .exclude(pk__in=existing)
        .select_related("position")
        .only(
            "pk",
            "agency_id",
            "unit_id",
            "duty_group_id",
            "manager_id",
            "position__leadership",
        )
    )
    maternity = set(
        LeavePeriod.objects.filter(
            kind="maternity", start__lte=period.ends_on, end__gte=period.starts_on
        ).values_list("staff_id", flat=True)
    )
    template_id = period.ruleset.template_id
    rows = [
        Evaluation(
            period=period,
            staff_id=member.pk,
            agency_id=member.agency_id,
            unit_id=member.unit_id,
            duty_group_id=member.duty_group_id,
            manager_id=member.manager_id,
            leadership=member.position.leadership if member.position else "none",
            template_id=template_id,
            maternity_leave=member.pk in maternity,
        )
        for member in staff.iterator(chunk_size=BULK_SIZE)
    ]
    return bulk_insert(Evaluation, rows)
