"""What the workflow does when the organisation below it changes (connected in ``apps.py``)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _

from evaluation.models import SIGNED_STATUSES, Evaluation, Period, PeriodStatus
from staff import audit
from staff.restructuring import Moves, Plan, Problem, Step


def refuse_dates_in_closed_periods(sender: Any, *, plan: Plan, **kwargs: Any) -> list[Problem]:
    """A closed period never changes (DOMAIN.md §6): a restructuring may not take effect inside
    one, or before one that has already closed — people would have moved in a month whose
    results are signed and published."""
    problems = []
    for i, step in enumerate(plan.steps):
        closed = (
            Period.objects.filter(status=PeriodStatus.CLOSED, ends_on__gte=step.effective_on)
            .order_by("-ends_on")
            .first()
        )
        if closed is not None:
            where = f"row {step.row}.effective_on" if step.row else f"steps[{i}].effective_on"
            problems.append(
                Problem(
                    "closed_period",
                    _("Ngày hiệu lực %(d)s không được trước khi kết thúc kỳ đã khóa %(label)s")
                    % {"d": f"{step.effective_on:%d/%m/%Y}", "label": closed.label},
                    f"The effective date {step.effective_on:%Y-%m-%d} falls before the end of "
                    f"closed period {closed.label}",
                    where,
                )
            )
    return problems


def move_unsigned_evaluations(
    sender: Any, *, plan: Plan, step: Step, moves: Moves, actor: Any, **kwargs: Any
) -> None:
    """The period in progress follows the people: their unsigned evaluations of open periods
    move to the agency (and unit) they belong to now, so the successor's manager scores them and
    its head signs them. Signed evaluations stay with the agency whose head signed them."""
    if not moves.staff_agency:
        return
    moving = list(
        Evaluation.objects.filter(
            period__status=PeriodStatus.OPEN, staff_id__in=list(moves.staff_agency)
        )
        .exclude(status__in=SIGNED_STATUSES)
        .values_list("pk", "staff_id", "agency_id", "unit_id", "period_id")
    )
    # One UPDATE per destination (agency, unit) and the audit entries in one INSERT: a merger
    # moves a whole agency's month at once.
    by_destination: dict[tuple[int, int | None], list[int]] = defaultdict(list)
    changes = []
    for pk, staff_id, agency_id, unit_id, period_id in moving:
        after = {"agency": moves.staff_agency[staff_id]}
        if staff_id in moves.staff_unit:
            after["unit"] = moves.staff_unit[staff_id]
        by_destination[(after["agency"], after.get("unit"))].append(pk)
        changes.append(
            audit.Change(
                after["agency"], period_id, pk, {"agency": agency_id, "unit": unit_id}, after
            )
        )
    for (agency_id, unit_id), pks in by_destination.items():
        values: dict[str, Any] = {"agency_id": agency_id, "version": F("version") + 1}
        if unit_id is not None:
            values["unit_id"] = unit_id
        Evaluation.objects.filter(pk__in=pks).update(**values)
    audit.record_many(
        "evaluation.moved_by_restructuring", actor=actor, changes=changes, reason=step.reference
    )
