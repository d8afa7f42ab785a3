"""Deriving a quarter or a year from its signed months (DOMAIN.md §5), for a whole province.

A quarter of 50,000 people is 150,000 monthly rows. The derived evaluations are rated BEFORE
they are stored, from the plain rows just read, and inserted with their proposals: no model
instance is read back and no proposal is written after the insert (docs/performance.md). An
agency that already has evaluations in the period (a second derive, after late signatures) is
rated the usual way, ``rate_agency``, so ratings signed since keep their level and their place
in the quota.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from evaluation.bulk import bulk_insert
from evaluation.errors import WorkflowError
from evaluation.models import Evaluation, Period, PeriodKind, QuotaException, Status
from evaluation.rating import (
    AgencyCeiling,
    agency_ceilings,
    rate_agency,
    reasons_json,
    rules_for_period,
)
from evaluation.services.periods import period_get_or_create, period_label_parse
from scoring import engine
from scoring.engine import MonthScore, PersonInput, PersonResult
from scoring.models import RuleSet
from scoring.periods import Period as PeriodLabel
from scoring.rules import Discipline, Leadership
from scoring.rules import PeriodKind as RulesPeriodKind
from staff import audit
from staff.models import Agency, DutyGroup

# The months a quarter or year is derived from: signed, and not under appeal (a month with an
# open appeal cannot be closed, so at close time this is every signed month).
DERIVED_FROM = (Status.APPROVED, Status.PUBLISHED, Status.CLOSED)
# What a derived evaluation takes from the person's latest month worked.
LATEST_FIELDS = (
    "agency_id",
    "unit_id",
    "duty_group_id",
    "manager_id",
    "leadership",
    "discipline",
    "degradation",
    "unit_corruption",
    "staff__code",
    "staff__category",
)


@dataclass
class _Worker:
    """One person across the months of the period: the latest month's row and every score."""

    latest: dict[str, Any]
    months: list[MonthScore] = field(default_factory=list)


def _workers(ruleset: RuleSet, month_labels: Iterable[str]) -> dict[int, _Worker]:
    """Everyone with a signed, scored month in the period, by staff id (one query, plain rows:
    the organisation of the latest month worked is the one the period is rated in). Under a
    quarterly cycle the labels are quarters, and the rows are the signed quarters."""
    rows = (
        Evaluation.objects.filter(
            period__ruleset__code=ruleset.code,
            period__kind=ruleset.cycle,
            period__label__in=list(month_labels),
            score__isnull=False,
            status__in=DERIVED_FROM,
        )
        .order_by("staff_id", "-period__label")
        .values_list("staff_id", "period__label", "score", *LATEST_FIELDS)
    )
    workers: dict[int, _Worker] = {}
    for staff_id, label, score, *rest in rows:
        worker = workers.get(staff_id)
        if worker is None:
            worker = workers[staff_id] = _Worker(dict(zip(LATEST_FIELDS, rest, strict=True)))
        worker.months.append(MonthScore(label, score))
    return workers


def _maternity(ruleset: RuleSet, month_labels: Iterable[str]) -> set[int]:
    return set(
        Evaluation.objects.filter(
            period__ruleset__code=ruleset.code,
            period__label__in=list(month_labels),
            maternity_leave=True,
        ).values_list("staff_id", flat=True)
    )


def _person_input(
    worker: _Worker,
    *,
    agency_code: str,
    duty_group_code: str,
    subordinates: tuple[str, ...],
    maternity_leave: bool,
    agency_ceiling: AgencyCeiling | None = None,
) -> PersonInput:
    """What ``rating.person_input`` gives for a derived evaluation just created: no criterion
    scores or products of its own, the months' scores, nothing signed or capped yet."""
    latest = worker.latest
    return PersonInput(
        code=latest["staff__code"],
        agency=agency_code,
        duty_group=duty_group_code,
        category=latest["staff__category"],
        leader=Leadership(latest["leadership"] or "none"),
        subordinates=subordinates,
        general={},
        discipline=Discipline(latest["discipline"] or "none"),
        degradation=latest["degradation"],
        unit_corruption=latest["unit_corruption"],
        months=tuple(worker.months),
        maternity_leave=maternity_leave,
        agency_level_ceiling=agency_ceiling[0] if agency_ceiling else None,
        agency_rating_reference=agency_ceiling[1] if agency_ceiling else "",
    )


def _is_head(worker: _Worker) -> bool:
    return worker.latest["leadership"] == "head" and worker.latest["manager_id"] is None


def _rate_new_agency(
    period: Period,
    people: dict[int, _Worker],
    maternity: set[int],
    codes: dict[str, dict[int, str]],
    exceptions: list[engine.QuotaException],
) -> dict[int, PersonResult]:
    """Rate an agency whose evaluations of the period are all being created now (by staff id):
    the same inputs, leader gates and quota as ``rate_agency`` would read back from the rows."""
    reports: dict[int, list[str]] = {}
    for worker in people.values():
        if worker.latest["manager_id"]:
            reports.setdefault(worker.latest["manager_id"], []).append(worker.latest["staff__code"])
    staff_ids = list(people)
    ceilings = agency_ceilings(period, {w.latest["agency_id"] for w in people.values()})
    inputs = [
        _person_input(
            people[staff_id],
            agency_code=codes["agency"][people[staff_id].latest["agency_id"]],
            duty_group_code=codes["duty_group"].get(people[staff_id].latest["duty_group_id"], ""),
            subordinates=tuple(reports.get(staff_id, ())),
            maternity_leave=staff_id in maternity,
            agency_ceiling=ceilings.get(people[staff_id].latest["agency_id"])
            if _is_head(people[staff_id])
            else None,
        )
        for staff_id in staff_ids
    ]
    batch = engine.rate_batch(inputs, rules_for_period(period), period.rated_period, exceptions)
    return dict(zip(staff_ids, batch.people, strict=True))


def _quota_exceptions(period: Period) -> dict[int, list[engine.QuotaException]]:
    by_agency: dict[int, list[engine.QuotaException]] = {}
    for e in QuotaException.objects.filter(period=period).select_related("agency", "duty_group"):
        by_agency.setdefault(e.agency_id, []).append(
            engine.QuotaException(
                agency=e.agency.code,
                duty_group=e.duty_group.code if e.duty_group else "",
                ceiling=e.ceiling,
                reference=e.reference,
            )
        )
    return by_agency


def _propose(evaluation: Evaluation, result: PersonResult) -> None:
    evaluation.score = result.score
    evaluation.band = result.band.name if result.band else ""
    evaluation.proposed_level = result.level.name if result.level else ""
    evaluation.reasons = reasons_json(result)


def _require_derived_kind(ruleset: RuleSet, label: PeriodLabel) -> None:
    """Only periods longer than the rule set's tracked one are derived: a quarterly rule set's
    quarters are opened with their own products and approval, never made of months."""
    if label.kind.value != ruleset.cycle and not (
        label.kind.value == PeriodKind.MONTH and ruleset.cycle == PeriodKind.QUARTER
    ):
        return
    raise WorkflowError(
        "not_derived",
        f"Kỳ {label.label} của bộ quy tắc {ruleset.code} được mở và đánh giá trực tiếp, "
        "không tổng hợp",
        f"{label.label} of rule set {ruleset.code} is opened and evaluated, not derived",
        path="period",
    )


def period_derive(*, ruleset: RuleSet, label: str, user: Any) -> tuple[Period, int]:
    """Derive a quarter or year from its signed months: one evaluation per person who worked
    at least one of them, scored as the mean of the months worked and proposed for approval
    (status ``manager_scored``) — the approver signs quarters and years as they sign months."""
    parsed = period_label_parse(label)
    _require_derived_kind(ruleset, parsed)
    # The tracked periods inside it: months, or a quarterly rule set's quarters (§5).
    tracked = parsed.tracked_labels(RulesPeriodKind(ruleset.cycle))
    # What one tracked period counts in months worked (the engine's reading, aggregate_score).
    per_tracked = 3 if ruleset.cycle == PeriodKind.QUARTER else 1
    with transaction.atomic():
        period, _ = period_get_or_create(ruleset=ruleset, label=parsed, user=user)
        workers = _workers(ruleset, tracked)
        maternity = _maternity(ruleset, tracked)
        existing: dict[int, int] = dict(period.evaluations.values_list("staff_id", "agency_id"))
        touched = set(existing.values())  # agencies rated again from their stored rows
        by_agency: dict[int, dict[int, _Worker]] = {}
        for staff_id, worker in workers.items():
            if staff_id not in existing:
                by_agency.setdefault(worker.latest["agency_id"], {})[staff_id] = worker
        codes = {
            "agency": dict(Agency.objects.filter(pk__in=list(by_agency)).values_list("pk", "code")),
            "duty_group": dict(DutyGroup.objects.values_list("pk", "code")),
        }
        exceptions = _quota_exceptions(period)
        now = timezone.now()
        rows: list[Evaluation] = []
        for agency_id, people in by_agency.items():
            results = (
                {}
                if agency_id in touched
                else _rate_new_agency(
                    period, people, maternity, codes, exceptions.get(agency_id, [])
                )
            )
            for staff_id, worker in people.items():
                latest = worker.latest
                evaluation = Evaluation(
                    period=period,
                    staff_id=staff_id,
                    agency_id=agency_id,
                    unit_id=latest["unit_id"],
                    duty_group_id=latest["duty_group_id"],
                    manager_id=latest["manager_id"],
                    leadership=latest["leadership"],
                    template_id=ruleset.template_id,
                    status=Status.MANAGER_SCORED,
                    months_worked=len(worker.months) * per_tracked,
                    discipline=latest["discipline"],
                    degradation=latest["degradation"],
                    unit_corruption=latest["unit_corruption"],
                    maternity_leave=staff_id in maternity,
                    manager_scored_at=now,
                )
                if staff_id in results:
                    _propose(evaluation, results[staff_id])
                rows.append(evaluation)
        bulk_insert(Evaluation, rows)
        _rerate(period, touched & set(by_agency))
        if rows:
            audit.record(
                "period.derived",
                actor=user,
                period=period,
                obj=period,
                after={"label": period.label, "created": len(rows)},
            )
    return period, len(rows)


def _rerate(period: Period, agency_ids: Iterable[int]) -> None:
    """Agencies that already had evaluations in the period: rate them from the stored rows,
    where signed ratings keep their level, and store the proposals of the unsigned ones."""
    agency_ids = list(agency_ids)
    if not agency_ids:
        return
    unsigned = frozenset(
        period.evaluations.filter(agency_id__in=agency_ids, status=Status.MANAGER_SCORED)
        .order_by()
        .values_list("pk", flat=True)
    )
    proposals: list[Evaluation] = []
    for agency_id in agency_ids:
        rating = rate_agency(period, agency_id, unsigned=unsigned)
        for evaluation_id, result in rating.by_evaluation.items():
            evaluation = rating.evaluations[evaluation_id]
            if evaluation.status == Status.MANAGER_SCORED:
                _propose(evaluation, result)
                proposals.append(evaluation)
    write_proposals(proposals)


def write_proposals(evaluations: list[Evaluation]) -> None:
    """Store the engine's proposals (score, band, level, reasons) of many evaluations with
    ``UPDATE … FROM (VALUES …)``, 1,000 rows a statement. Django's ``bulk_update`` builds a
    CASE WHEN per row and field: 112 s of a 50,000-staff close (docs/performance.md)."""
    table = connection.ops.quote_name(Evaluation._meta.db_table)
    json_type = "jsonb" if connection.vendor == "postgresql" else "text"
    for start in range(0, len(evaluations), 1000):
        chunk = evaluations[start : start + 1000]
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
        params: list[Any] = []
        for e in chunk:
            params += [e.pk, e.score, e.band, e.proposed_level, json.dumps(e.reasons)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH v(id, score, band, level, reasons) AS (VALUES {values}) "
                f"UPDATE {table} SET score = CAST(v.score AS numeric), band = v.band, "
                f"proposed_level = v.level, reasons = CAST(v.reasons AS {json_type}) "
                f"FROM v WHERE {table}.id = CAST(v.id AS bigint)",
                params,
            )
