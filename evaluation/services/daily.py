"""The daily job (``manage.py run_daily_jobs``, or the Celery beat task at 06:00), as plain
functions, each safe to run again the same day:

1. on day 1 of a month, open the month for every published rule set that covers an agency
   (a quarterly rule set: the quarter, on its first day; a yearly rule set — Decree 90/48's
   annual rating of public employees — the year, on 1 November: ``YEAR_OPEN_MONTH``);
2. add evaluations for staff who joined since their month opened;
3. remind whoever still owes a step, 2 days before each deadline and on the day (one
   notification per person per deadline per day, so a rerun sends nothing twice);
4. the year's deadline (``year_deadline``): derive the year before it, remind the approvers
   of unsigned year evaluations, tell the province admin which agencies are late;
5. send the e-mails of stored notifications that have not gone out (broker or mail outage).

Periodic work lives here and in a management command, never in a scheduler inside the web
process (STYLE.md): cron or Celery beat decides when.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from evaluation.errors import WorkflowError
from evaluation.models import Evaluation, NotificationKind, Period, PeriodKind, PeriodStatus, Status
from evaluation.services.common import approver_users, province_approver_users
from evaluation.services.notifications import notify, send_pending_emails
from evaluation.services.periods import period_open
from evaluation.services.year_deadline import YearReport, year_deadline_jobs
from scoring.coverage import coverage_resolve
from scoring.models import RuleSet
from scoring.models import Status as RuleSetStatus
from scoring.selectors import ruleset_get_published
from staff.access import head_of_agency_records
from staff.models import Leadership, StaffMember

logger = logging.getLogger(__name__)

# Reminders go out this many days before a deadline (0 = on the day itself).
REMINDER_DAYS = (2, 0)
# A yearly rule set's year is opened by the daily job on day 1 of this month of the year rated
# (docs/workflow.md: six weeks before the 15 December deadline, the organisation as it stands
# at the year's end); the province admin may open it earlier by hand.
YEAR_OPEN_MONTH = 11


@dataclass
class DailyReport:
    """What one run did, printed as one line by the command and returned by the task."""

    date: dt.date
    opened: list[str] = field(default_factory=list)
    joiners: int = 0
    reminders: int = 0
    emails_sent: int = 0
    year: YearReport = field(default_factory=YearReport)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        opened = ", ".join(self.opened) if self.opened else "none"
        line = (
            f"{self.date:%Y-%m-%d}: opened {opened}; {self.joiners} joiners added; "
            f"{self.reminders} reminders; {self.emails_sent} e-mails sent"
        )
        if year := self.year.summary():
            line += f"; year: {year}"
        if self.errors:
            line += f"; {len(self.errors)} errors: " + " | ".join(self.errors)
        return line

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "opened": self.opened,
            "joiners": self.joiners,
            "reminders": self.reminders,
            "emails_sent": self.emails_sent,
            "year": {
                "derived": self.year.derived,
                "reminders": self.year.reminders,
                "late_notices": self.year.late_notices,
            },
            "errors": self.errors,
        }


@contextmanager
def quiet_eager_task_logs() -> Iterator[None]:
    """Every notification queues its e-mail task; run eagerly (no broker), Celery logs one line
    per task. Commands that store many notifications keep their output to their summary."""
    trace = logging.getLogger("celery.app.trace")
    level = trace.level
    trace.setLevel(logging.WARNING)
    try:
        yield
    finally:
        trace.setLevel(level)


def covered_ruleset_codes(*, on: dt.date) -> list[str]:
    """Codes of the published rule sets that rate someone on ``on`` (some agency × category
    resolves to them: DOMAIN.md §5)."""
    codes = coverage_resolve(on=on).all_codes()
    published = RuleSet.objects.filter(code__in=codes, status=RuleSetStatus.PUBLISHED)
    return sorted(set(published.values_list("code", flat=True)))


def _tracked_label(cycle: str, today: dt.date) -> str | None:
    """The tracked period that opens today, if one does: the month on every day 1, a quarter
    on the first day of January, April, July and October (DOMAIN.md §5), a yearly rule set's
    year on 1 November (``YEAR_OPEN_MONTH``)."""
    if today.day != 1:
        return None
    if cycle == PeriodKind.YEAR:
        return str(today.year) if today.month == YEAR_OPEN_MONTH else None
    if cycle == PeriodKind.QUARTER:
        return f"{today.year}-Q{(today.month - 1) // 3 + 1}" if today.month % 3 == 1 else None
    return f"{today:%Y-%m}"


def open_new_months(*, today: dt.date) -> list[tuple[Period, int]]:
    """On day 1, open the month for every covered rule set — for a quarterly rule set, the
    quarter on its first day — as the scheduled job (no user). Returns the periods opened by
    this call with their number of evaluations."""
    if today.day != 1:
        return []
    opened = []
    for code in covered_ruleset_codes(on=today):
        cycle = ruleset_get_published(code=code).cycle
        label = _tracked_label(cycle, today)
        if label is None or Period.objects.filter(ruleset__code=code, label=label).exists():
            continue  # not its day, or opened already (by hand, an earlier run): joiners are step 2
        opened.append(period_open(ruleset_code=code, label=label, user=None))
    return opened


def _open_months() -> list[Period]:
    """The open tracked periods: months, the quarters of quarterly rule sets and the years of
    yearly ones (a monthly rule set's quarters and derived years have no self-assessment or
    scoring step)."""
    tracked = (
        Q(kind=PeriodKind.MONTH)
        | Q(kind=PeriodKind.QUARTER, ruleset__cycle="quarter")
        | Q(kind=PeriodKind.YEAR, ruleset__cycle="year")
    )
    return list(
        Period.objects.filter(tracked, status=PeriodStatus.OPEN)
        .select_related("ruleset")
        .order_by("year", "starts_on", "ruleset__code")
    )


def add_joiners(*, today: dt.date) -> int:
    """Evaluations for staff who joined after their open month was opened (period_open again
    is idempotent: it only adds who is missing)."""
    added = 0
    covered: dict[dt.date, set[str]] = {}
    for period in _open_months():
        if period.starts_on > today:
            continue
        if period.starts_on not in covered:
            covered[period.starts_on] = set(covered_ruleset_codes(on=period.starts_on))
        if period.ruleset.code in covered[period.starts_on]:
            added += period_open(ruleset_code=period.ruleset.code, label=period.label, user=None)[1]
    return added


def _users(ids: Iterable[int]) -> dict[int, Any]:
    return {u.pk: u for u in get_user_model().objects.filter(pk__in=set(ids), is_active=True)}


def _remind(
    *, counts: Counter[int], step: str, period: Period, due: dt.date, today: dt.date
) -> int:
    """One reminder per recipient for this period's deadline today, naming how many they owe."""
    subjects = {
        "self": ("tự đánh giá", "self-assessment"),
        "manager": ("chấm điểm", "manager scoring"),
        "approval": ("phê duyệt", "approval"),
    }
    vi, en = subjects[step]
    when_vi = "hôm nay" if due == today else f"ngày {due:%d/%m/%Y}"
    users = _users(counts)
    sent = 0
    for user_id, count in sorted(counts.items()):
        user = users.get(user_id)
        if user is None:
            continue
        what_vi = "phiếu của bạn" if step == "self" else f"{count} phiếu"
        what_en = "your evaluation" if step == "self" else f"{count} evaluation(s)"
        sent += len(
            notify(
                users=[user],
                kind=NotificationKind.REMINDER,
                subject=f"Nhắc hạn {vi} kỳ {period.label} / Reminder: {en} due {due:%Y-%m-%d}",
                body=f"Hạn {vi} kỳ {period.label} là {when_vi}; còn {what_vi} chưa xong. / "
                f"The {en} deadline of {period.label} is {due:%Y-%m-%d}; {what_en} still "
                "waiting for you.",
                dedup_key=f"reminder:{period.pk}:{step}:{today.isoformat()}",
            )
        )
    return sent


def owed_steps(period: Period, *, today: dt.date) -> dict[str, Counter[int]]:
    """Who still owes which step of ``period`` today: user id → number of evaluations."""
    owed: dict[str, Counter[int]] = {"self": Counter(), "manager": Counter(), "approval": Counter()}
    evaluations = Evaluation.objects.filter(period=period)
    # The person, while their evaluation is a draft.
    owed["self"].update(
        evaluations.filter(status=Status.DRAFT, staff__user__isnull=False).values_list(
            "staff__user_id", flat=True
        )
    )
    # The manager: self-assessed ones, and drafts once the self-assessment deadline has passed.
    waiting = [Status.SELF_ASSESSED]
    if today > period.self_assessment_due:
        waiting.append(Status.DRAFT)
    rows = list(
        evaluations.filter(status__in=waiting).values_list(
            "manager_id", "agency_id", "staff__user_id", "leadership"
        )
    )
    manager_users = dict(
        StaffMember.objects.filter(
            pk__in={m for m, _, _, _ in rows if m}, user__isnull=False
        ).values_list("pk", "user_id")
    )
    approvers: dict[int, list[Any]] = {}
    province = province_approver_users()
    for manager_id, agency_id, own_user_id, leadership in rows:
        if manager_id is not None:
            if manager_id in manager_users:
                owed["manager"][manager_users[manager_id]] += 1
            continue
        if leadership == Leadership.HEAD:
            # The head of the agency: rated by the province approver (DOMAIN.md §1).
            for user in province:
                owed["manager"][user.pk] += 1
            continue
        # No manager in the agency, not its head: the head or the delegate scores it.
        if agency_id not in approvers:
            approvers[agency_id] = approver_users(agency_id)
        for user in approvers[agency_id]:
            if user.pk != own_user_id:  # nobody scores their own evaluation
                owed["manager"][user.pk] += 1
    # The approvers of each agency, for what the managers have scored; the heads' for the
    # province approver.
    scored = evaluations.filter(status=Status.MANAGER_SCORED)
    heads = scored.filter(head_of_agency_records()).count()
    for user in province if heads else []:
        owed["approval"][user.pk] += heads
    per_agency = Counter(
        scored.exclude(head_of_agency_records()).values_list("agency_id", flat=True)
    )
    for agency_id, count in per_agency.items():
        if agency_id not in approvers:
            approvers[agency_id] = approver_users(agency_id)
        for user in approvers[agency_id]:
            owed["approval"][user.pk] += count
    return owed


def send_reminders(*, today: dt.date) -> int:
    """Remind those who still owe a step, ``REMINDER_DAYS`` before each deadline."""
    sent = 0
    for period in _open_months():
        deadlines = {
            "self": period.self_assessment_due,
            "manager": period.manager_due,
            "approval": period.approval_due,
        }
        if period.kind == PeriodKind.YEAR:
            # A year's approvers are reminded by the year's own steps (``year_deadline``).
            del deadlines["approval"]
        due_today = {s: d for s, d in deadlines.items() if (d - today).days in REMINDER_DAYS}
        if not due_today:
            continue
        owed = owed_steps(period, today=today)
        with transaction.atomic():
            for step, due in due_today.items():
                sent += _remind(counts=owed[step], step=step, period=period, due=due, today=today)
    return sent


def run_daily_jobs(*, today: dt.date | None = None) -> DailyReport:
    """All of the above in order; a failing step is reported and the others still run."""
    report = DailyReport(date=today or timezone.localdate())

    def step(name: str, fn: Any) -> None:
        try:
            fn()
        except WorkflowError as error:
            report.errors.append(f"{name}: {error}")
        except Exception as error:  # one failing step must not stop e-mails going out
            logger.exception("daily job step %s failed", name)
            report.errors.append(f"{name}: {error!r}")

    def _open() -> None:
        for period, created in open_new_months(today=report.date):
            report.opened.append(f"{period.ruleset.code} {period.label} ({created} evaluations)")

    def _joiners() -> None:
        report.joiners = add_joiners(today=report.date)

    def _reminders() -> None:
        report.reminders = send_reminders(today=report.date)

    def _year() -> None:
        report.year = year_deadline_jobs(today=report.date)

    def _emails() -> None:
        report.emails_sent = send_pending_emails()

    step("open", _open)
    step("joiners", _joiners)
    step("reminders", _reminders)
    step("year", _year)
    step("emails", _emails)
    return report


@shared_task(name="evaluation.tasks.run_daily_jobs")
def run_daily_jobs_task(date: str | None = None) -> dict[str, Any]:
    """The daily job for Celery beat (``manage.py run_daily_jobs`` is the cron way); returns
    its report."""
    return run_daily_jobs(today=dt.date.fromisoformat(date) if date else None).as_dict()
