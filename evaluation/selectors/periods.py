"""Reads of the period-management screen (province admin): the periods, the rule sets a month
can be opened under, and every agency's progress through a period.

Each read is a fixed number of queries whatever the size of the province: the progress of all
agencies is ONE grouped query over the period's evaluations (counts per agency and status) plus
one query for the agencies themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluation.models import (
    Period,
    PeriodJob,
    PeriodJobKind,
    PeriodJobStatus,
    PeriodKind,
    PeriodStatus,
    Status,
)
from scoring.coverage import coverage_resolve
from scoring.models import RuleSet
from scoring.models import Status as RuleSetStatus
from staff.models import Agency

# The workflow order of the columns of the progress table.
STATUS_ORDER: tuple[str, ...] = tuple(s.value for s in Status)

# An agency is done with a month once its results are public (an appeal or the closing may
# still follow, but nothing is owed any more by the agency's own people).
DONE_STATUSES = frozenset({Status.PUBLISHED, Status.UNDER_APPEAL, Status.CLOSED})

# Which statuses are still owed at each deadline of an open period, latest deadline first:
# past the approval deadline anything not yet public is late, and so on.
_OWED_AT: tuple[tuple[str, str, frozenset[str]], ...] = (
    (
        "approval",
        "approval_due",
        frozenset({Status.DRAFT, Status.SELF_ASSESSED, Status.MANAGER_SCORED, Status.APPROVED}),
    ),
    ("manager", "manager_due", frozenset({Status.DRAFT, Status.SELF_ASSESSED})),
    ("self", "self_assessment_due", frozenset({Status.DRAFT})),
)

LATE_LABELS = {
    "approval": _("Trễ hạn phê duyệt, công khai"),
    "manager": _("Trễ hạn quản lý chấm điểm"),
    "self": _("Trễ hạn tự đánh giá"),
}


def period_list(*, kind: str | None = None, status: str | None = None) -> QuerySet[Period]:
    """Every period, newest first (a quarter and a year after the month that ends them), with
    its rule set (one query per page)."""
    qs = Period.objects.select_related("ruleset")
    if kind in PeriodKind.values:
        qs = qs.filter(kind=kind)
    if status in PeriodStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-ends_on", "kind", "ruleset__code")


def period_get(*, pk: int) -> Period | None:
    return Period.objects.select_related("ruleset", "opened_by", "closed_by").filter(pk=pk).first()


def openable_rulesets() -> list[RuleSet]:
    """The latest published version of each rule-set code: what a month can be opened under."""
    latest: dict[str, RuleSet] = {}
    for ruleset in RuleSet.objects.filter(status=RuleSetStatus.PUBLISHED).order_by(
        "code", "-version"
    ):
        latest.setdefault(ruleset.code, ruleset)
    return list(latest.values())


def suggested_month_label(*, today: dt.date | None = None) -> str:
    """The month after the latest opened month, or the current month when none is open yet."""
    latest = (
        Period.objects.filter(kind=PeriodKind.MONTH)
        .order_by("-year", "-index")
        .values_list("year", "index")
        .first()
    )
    if latest is None:
        today = today or timezone.localdate()
        return f"{today.year:04d}-{today.month:02d}"
    year, month = latest
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}"


def late_stage(period: Period, counts: dict[str, int], today: dt.date) -> str:
    """The latest deadline of an open period that an agency has missed ("" if none): some of
    its evaluations are still in a status owed by that deadline. Closed periods are never late.
    """
    if period.status != PeriodStatus.OPEN:
        return ""
    for stage, deadline_field, owed in _OWED_AT:
        if today > getattr(period, deadline_field) and any(counts.get(s, 0) for s in owed):
            return stage
    return ""


@dataclass
class AgencyProgress:
    agency: Agency
    counts: dict[str, int]
    total: int
    done: int
    late: str = ""

    @property
    def percent(self) -> int:
        """Share of the agency's evaluations that are done, rounded down (100 only when all)."""
        return self.done * 100 // self.total if self.total else 0

    @property
    def cells(self) -> list[int]:
        return [self.counts.get(s, 0) for s in STATUS_ORDER]

    @property
    def late_label(self) -> str:
        return str(LATE_LABELS[self.late]) if self.late else ""


@dataclass
class PeriodProgress:
    rows: list[AgencyProgress] = field(default_factory=list)
    totals: AgencyProgress | None = None

    @property
    def late_count(self) -> int:
        return sum(1 for row in self.rows if row.late)


def period_progress(*, period: Period, today: dt.date | None = None) -> PeriodProgress:
    """Every agency's progress through ``period``: counts per status, the share done and the
    deadline missed. Agencies where the period's rule set rates some staff category on its
    first day show even with no evaluation yet. Late agencies come first, then the least
    advanced, then by code. Four queries."""
    today = today or timezone.localdate()
    counts: dict[int, dict[str, int]] = {}
    grouped = (
        period.evaluations.order_by()
        .values("agency_id", "status")
        .annotate(n=Count("id"))
        .values_list("agency_id", "status", "n")
    )
    for agency_id, status, n in grouped:
        counts.setdefault(agency_id, {})[status] = n
    covered = coverage_resolve(on=period.starts_on).agencies_of(period.ruleset.code)
    covered_ids = {agency_id for ids in covered.values() for agency_id in ids}
    agencies = Agency.objects.filter(pk__in=sorted(set(counts) | covered_ids)).order_by("code")

    rows: list[AgencyProgress] = []
    all_counts: dict[str, int] = {}
    for agency in agencies:
        agency_counts = counts.get(agency.pk, {})
        for status, n in agency_counts.items():
            all_counts[status] = all_counts.get(status, 0) + n
        rows.append(
            AgencyProgress(
                agency=agency,
                counts=agency_counts,
                total=sum(agency_counts.values()),
                done=sum(n for s, n in agency_counts.items() if s in DONE_STATUSES),
                late=late_stage(period, agency_counts, today),
            )
        )
    rows.sort(key=lambda r: (not r.late, r.percent, r.agency.code))
    totals = AgencyProgress(
        agency=Agency(code="", name=""),
        counts=all_counts,
        total=sum(all_counts.values()),
        done=sum(n for s, n in all_counts.items() if s in DONE_STATUSES),
    )
    return PeriodProgress(rows=rows, totals=totals)


def period_close_preview(*, period: Period) -> dict[str, int]:
    """What closing would do, for the confirmation step: how many evaluations become closed,
    how many stay unfinished, how many appeals block it (one grouped query)."""
    counts = dict(
        period.evaluations.order_by()
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {
        "total": sum(counts.values()),
        "to_close": counts.get(Status.PUBLISHED, 0),
        "open_appeals": counts.get(Status.UNDER_APPEAL, 0),
        "unfinished": sum(n for s, n in counts.items() if s not in DONE_STATUSES),
        "already_closed": counts.get(Status.CLOSED, 0),
    }


# --- the background jobs that open and close periods ---------------------------------------------

PENDING_JOB = (PeriodJobStatus.QUEUED, PeriodJobStatus.RUNNING)


def period_job_get(*, pk: int) -> PeriodJob | None:
    return PeriodJob.objects.select_related("period", "created_by").filter(pk=pk).first()


def period_jobs_pending() -> list[PeriodJob]:
    """Jobs still waiting for or held by a worker, oldest first (one query)."""
    return list(
        PeriodJob.objects.filter(status__in=PENDING_JOB)
        .select_related("created_by")
        .order_by("created_at", "pk")[:20]
    )


def period_job_pending_for(
    *, kind: str, ruleset_code: str = "", label: str = "", period: Period | None = None
) -> PeriodJob | None:
    """The same job already queued or running, so a second click follows it instead of
    queueing a duplicate."""
    qs = PeriodJob.objects.filter(kind=kind, status__in=PENDING_JOB)
    if kind == PeriodJobKind.CLOSE:
        qs = qs.filter(period=period)
    else:
        qs = qs.filter(ruleset_code=ruleset_code, label=label)
    return qs.order_by("-pk").first()


def current_period(periods: Iterable[Period]) -> Period | None:
    """The period a page shows first among ``periods`` (newest first): the open month if there
    is one, else the newest open period (a quarter or year under approval), else the newest."""
    periods = list(periods)
    for wanted in (
        lambda p: p.status == PeriodStatus.OPEN and p.kind == PeriodKind.MONTH,
        lambda p: p.status == PeriodStatus.OPEN,
        lambda p: True,
    ):
        for period in periods:
            if wanted(period):
                return period
    return None


def period_from_param(periods: Iterable[Period], value: str | None) -> Period | None:
    """The period a page's ``period`` parameter names among ``periods`` (newest first): its
    ``Period.key`` (``ND90-VC:2026-10``), or a bare label — then the first period of that
    label, i.e. the first rule set's. None when nothing matches or no value is given."""
    if not value:
        return None
    code, _sep, label = value.rpartition(":")
    for period in periods:
        if period.label == label and (not code or period.ruleset.code == code):
            return period
    return None


def period_param(period: Period, periods: Iterable[Period] | None = None) -> str:
    """What a page's address carries for ``period`` so that ``period_from_param`` finds it
    again: the bare label while it is the first period of that label (the usual case of an
    agency under one rule set), else ``Period.key``. ``periods`` is the page's list (newest
    first, rule sets by code); without it, the province's periods of that month decide (one
    query) — the first by code there is the first in any list holding it."""
    if periods is not None:
        first = next((p for p in periods if p.label == period.label), None)
    else:
        first = (
            Period.objects.filter(kind=period.kind, label=period.label)
            .select_related("ruleset")
            .order_by("ruleset__code")
            .first()
        )
    return period.label if first is None or first.pk == period.pk else period.key


def several_rulesets(periods: Iterable[Period]) -> bool:
    """Whether ``periods`` belong to more than one rule set (the pages then name the code)."""
    return len({p.ruleset_id for p in periods}) > 1
