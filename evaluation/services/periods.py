"""Opening periods: a month for every covered agency's staff (DOMAIN.md §5). Closing is
``period_close``; deriving quarters and years from their months is ``derive``."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Count, Q

from evaluation.bulk import bulk_insert
from evaluation.errors import WorkflowError, forbidden
from evaluation.models import Evaluation, Period, PeriodKind, PeriodStatus
from scoring.coverage import CoverageMap, coverage_resolve
from scoring.models import RuleSet
from scoring.periods import Period as PeriodLabel
from scoring.periods import PeriodFormatError, parse_period
from scoring.selectors import ruleset_get_published
from staff import audit
from staff.access import scope_for
from staff.models import LeavePeriod, StaffCategory, StaffMember

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
            f"Kỳ không hợp lệ {label!r}; cần dạng YYYY-MM (tháng), YYYY-Qn (quý) hoặc YYYY (năm)",
            f"Invalid period {label!r}; expected YYYY-MM (a month), YYYY-Qn (a quarter) or "
            "YYYY (a year)",
            path="period",
        ) from None


def require_province_admin(user: Any) -> None:
    if user is not None and not scope_for(user).is_province_admin():
        raise forbidden(
            "Chỉ quản trị tỉnh (Sở Nội vụ) được mở, khóa kỳ đánh giá",
            "Only the province admin opens and closes periods",
        )


def year_due(ruleset: RuleSet, year: int) -> dt.date:
    """The deadline of ``year``'s annual rating under ``ruleset`` (DOMAIN.md §5: before 15
    December, or 15 January of the next year where the superior allows): ``year_due_day`` of
    December of the year rated, or of January after it (clamped to the month's length)."""
    due_year = year + 1 if ruleset.year_due_month == 1 else year
    month = ruleset.year_due_month
    return dt.date(
        due_year, month, min(ruleset.year_due_day, calendar.monthrange(due_year, month)[1])
    )


def _deadlines(ruleset: RuleSet, label: PeriodLabel, ends_on: dt.date) -> dict[str, dt.date]:
    """A month's or quarter's deadlines are days of the month after its last month. A derived
    year's single deadline is the rule set's year deadline (its evaluations are proposed for
    approval: there is no self-assessment or manager step to wait for). A yearly rule set's
    year (Decree 90/48) has all three steps: approval by the year deadline, and the person and
    the manager as many days before it as the monthly days are apart (3 / 5 / 7 → 11, 13 and
    15 December)."""
    if label.kind.value == PeriodKind.YEAR:
        due = year_due(ruleset, label.year)
        if ruleset.cycle != PeriodKind.YEAR:
            return {"self_assessment_due": due, "manager_due": due, "approval_due": due}
        return {
            "self_assessment_due": due
            - dt.timedelta(days=ruleset.approval_day - ruleset.self_assessment_day),
            "manager_due": due - dt.timedelta(days=ruleset.approval_day - ruleset.manager_day),
            "approval_due": due,
        }
    year, month = ends_on.year, ends_on.month
    return {
        "self_assessment_due": _due(year, month, ruleset.self_assessment_day),
        "manager_due": _due(year, month, ruleset.manager_day),
        "approval_due": _due(year, month, ruleset.approval_day),
    }


def period_get_or_create(*, ruleset: RuleSet, label: PeriodLabel, user: Any) -> tuple[Period, bool]:
    """The period of this rule set (by code) for ``label``, created with its deadlines."""
    existing = Period.objects.filter(
        ruleset__code=ruleset.code, kind=label.kind.value, year=label.year, index=label.index
    ).first()
    if existing is not None:
        return existing, False
    starts_on, ends_on = _bounds(label)
    period = Period.objects.create(
        ruleset=ruleset,
        kind=label.kind.value,
        year=label.year,
        index=label.index,
        label=label.label,
        starts_on=starts_on,
        ends_on=ends_on,
        **_deadlines(ruleset, label, ends_on),
        appeal_days=ruleset.appeal_days,
        opened_by=user if getattr(user, "pk", None) else None,
    )
    return period, True


def _working_staff(starts_on: dt.date, ends_on: dt.date) -> Any:
    """Staff who work at some point between ``starts_on`` and ``ends_on``."""
    return StaffMember.objects.filter(
        Q(left_on__isnull=True) | Q(left_on__gte=starts_on), joined_on__lte=ends_on
    )


def _covered_staff(period: Period, coverage: CoverageMap | None = None) -> Any:
    """Staff who work at some point of the period and whose (agency, category) resolves to the
    period's rule set on its first day (DOMAIN.md §5): one clause per category."""
    coverage = coverage or coverage_resolve(on=period.starts_on)
    return _working_staff(period.starts_on, period.ends_on).filter(
        coverage.staff_q(period.ruleset.code)
    )


UNCOVERED_SAMPLE = 5  # staff codes named per (agency, category) in the refusal


def uncovered_staff(*, coverage: CoverageMap, starts_on: dt.date, ends_on: dt.date) -> list[dict]:
    """Who works in an agency that has coverage but whose category resolves to no rule set:
    one row per (agency, category) with the count and the first few staff codes. Two queries."""
    missing = (
        _working_staff(starts_on, ends_on)
        .filter(agency_id__in=sorted(coverage.covered_agencies))
        .exclude(coverage.covered_q())
    )
    groups = list(
        missing.order_by()
        .values_list("agency__code", "category")
        .annotate(n=Count("id"))
        .order_by("agency__code", "category")
    )
    if not groups:
        return []
    samples: dict[tuple[str, str], list[str]] = {}
    for agency_code, category, code in missing.order_by(
        "agency__code", "category", "code"
    ).values_list("agency__code", "category", "code"):
        codes = samples.setdefault((agency_code, category), [])
        if len(codes) < UNCOVERED_SAMPLE:
            codes.append(code)
    return [
        {"agency": agency, "category": category, "count": n, "staff": samples[(agency, category)]}
        for agency, category, n in groups
    ]


def _refuse_uncovered(rows: list[dict], *, label: str) -> None:
    if not rows:
        return
    total = sum(r["count"] for r in rows)

    def line(row: dict) -> str:
        more = "…" if row["count"] > len(row["staff"]) else ""
        return (
            f"{row['agency']} × {row['category']}: {row['count']} ({', '.join(row['staff'])}{more})"
        )

    listed = "; ".join(line(r) for r in rows)
    raise WorkflowError(
        "uncovered_staff",
        f"Chưa mở được kỳ {label}: {total} người thuộc cơ quan đã được gán bộ quy tắc nhưng "
        f"phân loại của họ chưa có bộ quy tắc nào áp dụng ({listed}). Hãy gán bộ quy tắc cho "
        f"các phân loại này trong Phạm vi áp dụng bộ quy tắc",
        f"Cannot open {label}: {total} staff of agencies with a rule set have a category that "
        f"no rule set covers ({listed}). Map these categories in the rule-set coverage",
        path="coverage",
        status=409,
        extra={
            "uncovered": rows,
            "categories": {c: str(StaffCategory(c).label) for c in {r["category"] for r in rows}},
        },
    )


def require_tracked_kind(ruleset: RuleSet, label: PeriodLabel) -> None:
    """Only the rule set's tracked period is opened (DOMAIN.md §5): months under a monthly
    cycle, quarters under a quarterly one, the year under a yearly one (Decree 90/48's annual
    rating); the rest is derived from them when they close."""
    if label.kind.value == ruleset.cycle:
        return
    if ruleset.cycle == PeriodKind.YEAR:
        raise WorkflowError(
            "not_a_year",
            f"Bộ quy tắc {ruleset.code} xếp loại theo năm (Nghị định 90/48): không mở kỳ "
            f"{label.label}; hãy mở kỳ năm (dạng YYYY, ví dụ {label.year}). Không có kỳ tháng "
            "hay quý theo bộ quy tắc này",
            f"Rule set {ruleset.code} rates by year (Decree 90/48): {label.label} is not "
            f"opened; open the year (YYYY, e.g. {label.year}). This rule set has no months or "
            "quarters",
            path="period",
        )
    if ruleset.cycle == PeriodKind.QUARTER:
        quarter = (
            f"{label.year}-Q{(label.index - 1) // 3 + 1}" if label.index else f"{label.year}-Q1"
        )
        raise WorkflowError(
            "not_a_quarter",
            f"Bộ quy tắc {ruleset.code} đánh giá theo quý: không mở kỳ {label.label}; hãy mở "
            f"kỳ quý (dạng YYYY-Qn, ví dụ {quarter}); năm được tổng hợp từ các quý",
            f"Rule set {ruleset.code} evaluates by quarter: {label.label} is not opened; open a "
            f"quarter (YYYY-Qn, e.g. {quarter}); the year is derived from its quarters",
            path="period",
        )
    raise WorkflowError(
        "not_a_month",
        "Chỉ mở kỳ tháng; quý và năm được tổng hợp từ các tháng khi khóa",
        "Only months are opened; quarters and years are derived when their months close",
        path="period",
    )


def period_open(*, ruleset_code: str, label: str, user: Any) -> tuple[Period, int]:
    """Open a month of a rule set (a quarter, for a quarterly one: ``require_tracked_kind``):
    one evaluation per active staff member whose (agency, category) resolves to it on the
    period's first day, with the rule set's template version pinned. Refused, with nothing
    written, while someone of an agency with coverage has a category no rule set covers
    (``uncovered_staff``). Idempotent: opening again creates nothing new except evaluations
    for staff who joined since. ``user`` None is the scheduled job. Returns the period and the
    number of evaluations created."""
    require_province_admin(user)
    parsed = period_label_parse(label)
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
    require_tracked_kind(ruleset, parsed)
    starts_on, ends_on = _bounds(parsed)
    # Everyone an agency with coverage employs must be rated by some rule set, or opening any
    # rule set's month would silently leave them out (DOMAIN.md §5). Checked before anything
    # is written.
    coverage = coverage_resolve(on=starts_on)
    _refuse_uncovered(
        uncovered_staff(coverage=coverage, starts_on=starts_on, ends_on=ends_on),
        label=parsed.label,
    )
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
        count = _add_evaluations(period, coverage)
        if created or count:
            audit.record(
                "period.opened" if created else "period.joiners_added",
                actor=user,
                period=period,
                obj=period,
                after={"label": period.label, "ruleset": ruleset.code, "created": count},
            )
    return period, count


def _add_evaluations(period: Period, coverage: CoverageMap | None = None) -> int:
    """Create the missing evaluations of a period in bulk (snapshotting the organisation).

    The period's row is locked first, so two openings of the same month (the scheduled job and
    the admin's button) add the joiners one after the other, never twice; the rows then go in
    with COPY on PostgreSQL (``evaluation.bulk``). Whoever already has an evaluation of the
    same month under another rule set (the coverage was changed after that month opened) is
    left there: one evaluation per person and period of time (DOMAIN.md §5)."""
    Period.objects.select_for_update().get(pk=period.pk)
    existing = set(Evaluation.objects.filter(period=period).values_list("staff_id", flat=True))
    elsewhere = Evaluation.objects.filter(
        period__kind=period.kind, period__year=period.year, period__index=period.index
    ).exclude(period=period)
    staff = (
        _covered_staff(period, coverage)
        .exclude(pk__in=existing)
        .exclude(pk__in=elsewhere.values("staff_id"))
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
    worked = _months_worked_in_year(period, staff) if period.kind == PeriodKind.YEAR else {}
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
            months_worked=worked.get(member.pk),
        )
        for member in staff.iterator(chunk_size=BULK_SIZE)
    ]
    return bulk_insert(Evaluation, rows)


def _months_worked_in_year(period: Period, staff: Any) -> dict[int, int]:
    """For a year opened directly (a yearly rule set): each person's months worked in it, for
    the caps (DOMAIN.md §4.3) — the months in which they were employed on some day and not on
    leave the whole month. Read when the year opens; the organisation's later changes (a
    leave recorded afterwards) are the approver's to reflect."""
    members = list(staff.values_list("pk", "joined_on", "left_on"))
    leaves: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for staff_id, start, end in LeavePeriod.objects.filter(
        staff_id__in=[pk for pk, _, _ in members], start__lte=period.ends_on
    ).values_list("staff_id", "start", "end"):
        if end is None or end >= period.starts_on:
            leaves.setdefault(staff_id, []).append((start, end or dt.date.max))
    worked: dict[int, int] = {}
    for pk, joined_on, left_on in members:
        count = 0
        for month in range(1, 13):
            first = dt.date(period.year, month, 1)
            last = dt.date(period.year, month, calendar.monthrange(period.year, month)[1])
            employed = (joined_on is None or joined_on <= last) and (
                left_on is None or left_on >= first
            )
            on_leave = any(s <= first and e >= last for s, e in leaves.get(pk, ()))
            count += employed and not on_leave
        worked[pk] = count
    return worked
