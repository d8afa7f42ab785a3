"""Approval by the competent authority, quota exceptions and publication (DOMAIN.md §4–6).

The head of the agency (or the head's delegate) approves one unit at a time — everyone but the
head: the head of an agency is rated and signed by the superior authority, the province
approver (``head_approve``; DOMAIN.md §1), never by their own delegate. Quota exceptions are
recorded by the province (Sở Nội vụ), bounded by the rule set, never by the agency for itself.

The engine rates the whole agency — the quota is counted per agency and duty group, on the
final ratings — with every rating signed earlier kept as it stands; the batch's ratings are
signed in one transaction. Leaders are approved after their units: a batch may not contain a
leader whose direct reports are not yet scored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from evaluation.errors import WorkflowError, forbidden
from evaluation.models import (
    Evaluation,
    NotificationKind,
    Period,
    QuotaException,
    Status,
)
from evaluation.rating import AgencyRating, rate_agency, reasons_json, rules_for_period
from evaluation.services.common import (
    lock_for_step,
    require_period_open,
    require_reason,
    require_verified,
)
from evaluation.services.notifications import notify
from scoring import engine
from scoring.engine import PersonResult
from scoring.models import RatingLevel, RuleSet
from scoring.rules import Level, QuotaScope
from staff import audit
from staff.access import head_of_agency_records, is_head_of_agency, scope_for
from staff.models import Agency, DutyGroup, Unit


@dataclass(frozen=True)
class Adjustment:
    """The approver lowers one proposal, within the rules, for a stated reason."""

    evaluation_id: int
    level: str
    reason: str


def _require_approver(user: Any, agency_id: int) -> None:
    if not scope_for(user).can_approve(agency_id):
        raise forbidden(
            "Chỉ thủ trưởng cơ quan hoặc người được ủy quyền được phê duyệt, công khai, giải quyết "
            "kiến nghị",
            "Only the head of the agency or the head's delegate approves, publishes and resolves "
            "appeals",
        )


def quota_usage(rating: AgencyRating) -> list[dict[str, Any]]:
    """The quota meter of each duty group: used / allowed, as the engine counts it."""
    return [
        {
            "agency": q.agency,
            "duty_group": q.duty_group,
            "percent": q.percent,
            "candidates": q.candidates,
            "good": q.good,
            "allowed": q.allowed,
            "used": len(q.kept),
            "kept": list(q.kept),
            "moved_down": list(q.moved_down),
            "exception": q.exception,
        }
        for q in rating.batch.quota
    ]


# The head of an agency's row on the agency's board and in its preview: not the agency's to sign
# (DOMAIN.md §1), it waits for the superior authority.
SUPERIOR_WAITS = (
    "Chờ cấp trên: Chủ tịch UBND tỉnh, thành phố hoặc Phó Chủ tịch được phân công phê duyệt",
    "Waiting for the superior authority: the provincial or city People's Committee's chair or "
    "the designated vice-chair approves",
)


def approval_preview(*, period: Period, unit: Unit, user: Any) -> dict[str, Any]:
    """What the approver sees before signing: every proposal of the unit with its score, level
    and reasons (gates and quota included), the quota meter of each duty group of the agency,
    and what blocks approval. The head of the agency's row is marked ``superior`` with
    ``waiting_for`` (chờ cấp trên): the agency does not approve it, nor waits on it."""
    _require_approver(user, unit.agency_id)
    pending = list(
        Evaluation.objects.filter(
            period=period, unit=unit, status=Status.MANAGER_SCORED
        ).values_list("pk", flat=True)
    )
    rating = rate_agency(period, unit.agency_id, unsigned=pending)
    rows = []
    for evaluation_id, result in rating.by_evaluation.items():
        evaluation = rating.rated[evaluation_id]
        if evaluation.unit_id != unit.pk:
            continue
        superior = is_head_of_agency(evaluation)
        rows.append(
            {
                "evaluation": evaluation_id,
                "staff": evaluation.staff.code,
                "full_name": evaluation.staff.full_name,
                "status": evaluation.status,
                "duty_group": evaluation.duty_group.code if evaluation.duty_group else "",
                "leadership": evaluation.leadership,
                "score": result.score,
                "band": result.band.name if result.band else None,
                "level": result.level.name if result.level else None,
                "reasons": reasons_json(result),
                "superior": superior,
                "waiting_for": SUPERIOR_WAITS[0] if superior else "",
                "waiting_for_en": SUPERIOR_WAITS[1] if superior else "",
            }
        )
    heads = {e.pk for e in rating.rated.values() if is_head_of_agency(e)}
    return {
        "period": period.label,
        "unit": unit.code,
        "evaluations": rows,
        "quota": quota_usage(rating),
        # The head's gate is the superior's concern: marked, not the agency's to wait on.
        "blocked": [
            b | {"superior": b["evaluation"] in heads} for b in leaders_blocked(period, pending)
        ],
        "not_scored": Evaluation.objects.filter(
            period=period, unit=unit, status__in=[Status.DRAFT, Status.SELF_ASSESSED]
        ).count(),
    }


def leaders_blocked(period: Period, evaluation_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Leaders in the batch whose direct reports are not yet scored (approve units first).
    Two queries whatever the number of leaders.

    Under Decree 335's leader components the unit % reads everyone under the leader, so the
    whole subtree of reports must be scored: ``reports_not_scored`` counts it (one query more)."""
    leaders = {
        e.staff_id: e
        for e in Evaluation.objects.filter(pk__in=list(evaluation_ids))
        .exclude(leadership="none")
        .select_related("staff")
        .order_by("pk")
    }
    if leaders and rules_for_period(period).template.leader_components:
        return _subtrees_blocked(period, leaders)
    waiting = (
        Evaluation.objects.filter(
            period=period,
            manager_id__in=list(leaders),
            status__in=[Status.DRAFT, Status.SELF_ASSESSED],
        )
        .values("manager_id")
        .annotate(count=Count("id"))
        .order_by("manager_id")
    )
    return [
        {
            "evaluation": leaders[row["manager_id"]].pk,
            "staff": leaders[row["manager_id"]].staff.code,
            "reports_not_scored": row["count"],
        }
        for row in waiting
    ]


def _subtrees_blocked(period: Period, leaders: Mapping[int, Evaluation]) -> list[dict[str, Any]]:
    """Leaders with anyone in their subtree of reports (through ``manager``, in the period
    and the leader's agency) not yet scored — what the engine's unit % would miss."""
    agencies = {e.agency_id for e in leaders.values()}
    reports: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for staff_id, manager_id, agency_id, status in Evaluation.objects.filter(
        period=period, agency_id__in=agencies, manager_id__isnull=False
    ).values_list("staff_id", "manager_id", "agency_id", "status"):
        reports.setdefault((agency_id, manager_id), []).append((staff_id, status))
    waiting = (Status.DRAFT, Status.SELF_ASSESSED)
    blocked = []
    for staff_id, leader in leaders.items():
        seen, stack, count = {staff_id}, [staff_id], 0
        while stack:
            for report, status in reports.get((leader.agency_id, stack.pop()), ()):
                if report in seen:
                    continue
                seen.add(report)
                stack.append(report)
                count += status in waiting
        if count:
            blocked.append(
                {"evaluation": leader.pk, "staff": leader.staff.code, "reports_not_scored": count}
            )
    return blocked


def _apply_adjustments(
    evaluations: Mapping[int, Evaluation], adjustments: Iterable[Adjustment], user: Any
) -> None:
    """Record each lowered ceiling on its evaluation, with its reason and an audit record
    (DOMAIN.md §6: every score change is recorded), before the engine rates the batch."""
    for index, adjustment in enumerate(adjustments):
        path = f"adjustments[{index}]"
        evaluation = evaluations.get(adjustment.evaluation_id)
        if evaluation is None:
            raise WorkflowError(
                "not_in_batch",
                "Phiếu không thuộc đợt phê duyệt này",
                "This evaluation is not in the batch being approved",
                path=f"{path}.evaluation",
            )
        if adjustment.level not in RatingLevel.values:
            raise WorkflowError(
                "bad_choice",
                "Mức xếp loại không hợp lệ",
                "Invalid level",
                path=f"{path}.level",
            )
        reason = require_reason(adjustment.reason, f"{path}.reason")
        audit.record(
            "evaluation.level_adjusted",
            actor=user,
            evaluation=evaluation,
            before={"approver_max_level": evaluation.approver_max_level},
            after={"approver_max_level": adjustment.level},
            reason=reason,
        )
        evaluation.approver_max_level = adjustment.level
        evaluation.approver_reason = reason
        evaluation.save(update_fields=["approver_max_level", "approver_reason"])


def unit_approve(
    *,
    period: Period,
    unit: Unit,
    user: Any,
    adjustments: Iterable[Adjustment] = (),
    levels: Mapping[int, str] | None = None,
) -> list[Evaluation]:
    """Sign every scored evaluation of a unit in one transaction, with the engine's levels
    (the approver may only lower a proposal, with a reason). A second, concurrent approval of
    the same batch finds nothing left to approve and is refused (409).

    ``levels``: the level the approver chose for each evaluation (the approval board sends
    what it showed). When given, nothing is signed unless it covers the whole batch (409
    ``batch_changed``) and the rules and the quota give exactly those levels — a choice over
    the quota is refused (409 ``quota_exceeded``) instead of being moved down silently.

    Order matters: the period's row is locked before the batch's rows (``period_close`` and
    ``agency_publish`` take the period's lock first too, so a close cannot slip between the
    check and the signatures and the locks are never taken in the other order); each sign-off
    is recorded in the audit chain inside the transaction; the notifications are stored last,
    once every signature is written, and their e-mail leaves on commit — so a refusal
    anywhere signs, records and tells nothing."""
    _require_approver(user, unit.agency_id)
    require_verified(user)  # and signed in with the second factor
    own_staff = scope_for(user).own_staff_id
    with transaction.atomic():
        period = _lock_open_period(period)
        batch = _lock_batch(period, unit, own_staff)
        _require_leaders_after_units(period, batch)
        _apply_adjustments(batch, adjustments, user)
        rating = rate_agency(period, unit.agency_id, unsigned=batch)
        if levels is not None:
            _check_chosen_levels(rating, batch, levels)
        signed = _sign_batch(rating, batch, user)
        _notify_approved(period, signed)
    return signed


def _require_head_approver(user: Any, evaluation: Evaluation) -> None:
    """A head of agency's evaluation is signed by the province approver alone (DOMAIN.md §1)."""
    scope = scope_for(user)
    if not is_head_of_agency(evaluation) or not scope.can_sign(evaluation):
        raise forbidden(
            "Chỉ Chủ tịch UBND tỉnh, thành phố hoặc Phó Chủ tịch được phân công phê duyệt kết quả "
            "của người đứng đầu cơ quan",
            "Only the provincial or city People's Committee's chair or the designated vice-chair "
            "approves the result of the head of an agency",
        )


def head_approve(
    *,
    evaluation: Evaluation,
    user: Any,
    level: str | None = None,
    reason: str = "",
    version: int | None = None,
) -> Evaluation:
    """The province approver signs one head of agency's evaluation (DOMAIN.md §1: the head is
    rated by the superior authority, never by their own delegate), at the level the rules give.

    As any sign-off: second factor, the period open and locked first, the leader after their
    unit (``leaders_blocked``), the agency rated with this one rating unsigned — so the
    agency's quota counts the head with everyone already signed —, recorded in the audit chain,
    the head notified. ``level``: the level the approver chose; a lower one than the rules give
    is a lowering and needs ``reason``; a higher one is refused (409)."""
    _require_head_approver(user, evaluation)
    require_verified(user)  # and signed in with the second factor
    if level is not None and level not in RatingLevel.values:
        raise WorkflowError(
            "bad_choice", "Mức xếp loại không hợp lệ", "Invalid level", path="level"
        )
    with transaction.atomic():
        period = _lock_open_period(evaluation.period)
        locked = lock_for_step(
            evaluation,
            statuses=(Status.MANAGER_SCORED,),
            action=("phê duyệt", "approve"),
            version=version,
        )
        batch = {locked.pk: locked}
        _require_leaders_after_units(period, batch)
        rating = rate_agency(period, locked.agency_id, unsigned={locked.pk})
        result = rating.by_evaluation[locked.pk]
        if level and result.level is not None and Level[level] < result.level:
            reason = require_reason(reason)
            _apply_adjustments(batch, [Adjustment(locked.pk, level, reason)], user)
            rating = rate_agency(period, locked.agency_id, unsigned={locked.pk})
        if level:
            try:
                _check_chosen_levels(rating, batch, {locked.pk: level})
            except WorkflowError as error:
                raise dataclasses.replace(error, path="level") from None
        signed = _sign_batch(rating, batch, user)
        _notify_approved(period, signed)
    return signed[0]


def _lock_open_period(period: Period) -> Period:
    """The period, locked for the rest of the transaction and still open: a period closed
    meanwhile takes no more signatures (DOMAIN.md §6: after close nothing changes)."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    require_period_open(period)
    return period


def _lock_batch(period: Period, unit: Unit, own_staff: int | None) -> dict[int, Evaluation]:
    """The unit's evaluations waiting for approval, row-locked, by id, without the caller's own
    and without the head of the agency's.

    Locking the rows makes a second, concurrent approval wait, then find nothing left (409).
    Nobody signs their own rating: it stays for the other approver, head or delegate
    (DOMAIN.md §6: approval). The head's rating waits for the superior authority
    (``head_approve``, DOMAIN.md §1)."""
    batch = {
        e.pk: e
        for e in Evaluation.objects.select_for_update(of=("self",))
        .filter(period=period, unit=unit, status=Status.MANAGER_SCORED)
        .select_related("staff")
        .order_by("pk")
    }
    if not batch:
        raise WorkflowError(
            "nothing_to_approve",
            "Đơn vị không còn phiếu nào chờ phê duyệt",
            "Nothing in this unit is waiting for approval",
            status=409,
        )
    heads = [e.staff.code for e in batch.values() if is_head_of_agency(e)]
    batch = {
        pk: e for pk, e in batch.items() if e.staff_id != own_staff and not is_head_of_agency(e)
    }
    if not batch and heads:
        codes = ", ".join(heads)
        raise WorkflowError(
            "head_for_superior",
            f"Chỉ còn phiếu của người đứng đầu cơ quan ({codes}): do Chủ tịch UBND tỉnh, thành phố "
            "hoặc Phó Chủ tịch được phân công đánh giá, phê duyệt — không phải người được ủy "
            "quyền trong cơ quan",
            f"Only the head of the agency's evaluation ({codes}) is left: the head is rated and "
            "approved by the provincial or city People's Committee's chair or the vice-chair "
            "they designate, not by a delegate inside the agency",
            status=409,
        )
    if not batch:
        raise WorkflowError(
            "nothing_to_approve",
            "Chỉ còn phiếu của chính bạn: người có thẩm quyền khác phê duyệt",
            "Only your own evaluation is left: another approver signs it",
            status=409,
        )
    return batch


def _require_leaders_after_units(period: Period, batch: Mapping[int, Evaluation]) -> None:
    """Refuse a batch holding a leader whose direct reports are not scored yet: a leader's
    level is bound by the unit's, so leaders are approved after their units (DOMAIN.md §4.4)."""
    blocked = leaders_blocked(period, batch)
    if blocked:
        codes = ", ".join(b["staff"] for b in blocked)
        raise WorkflowError(
            "leaders_first_units",
            f"Lãnh đạo được phê duyệt sau đơn vị: cấp dưới của {codes} chưa được chấm",
            f"Leaders are approved after their units: reports of {codes} are not scored yet",
            status=409,
            extra={"blocked": blocked},
        )


def _sign_batch(
    rating: AgencyRating, batch: Mapping[int, Evaluation], user: Any
) -> list[Evaluation]:
    """Sign each evaluation of the batch at the engine's level, all at one moment, each
    sign-off recorded in the audit chain (DOMAIN.md §6: every transition is recorded). The
    first one the engine cannot rate refuses the whole batch (409 ``cannot_rate``)."""
    now = timezone.now()
    signed = []
    for evaluation in batch.values():
        result = rating.by_evaluation[evaluation.pk]
        if result.level is None:
            raise _cannot_rate(rating, evaluation.pk)
        _sign(evaluation, result, user, now)
        signed.append(evaluation)
    return signed


def _cannot_rate(rating: AgencyRating, pk: int) -> WorkflowError:
    """The refusal for an evaluation the engine gives no level, with the engine's last reason."""
    result = rating.by_evaluation[pk]
    code = rating.rated[pk].staff.code
    return WorkflowError(
        "cannot_rate",
        f"Chưa thể xếp loại {code}: " + (result.reasons[-1].message if result.reasons else ""),
        f"{code} cannot be rated: " + (result.reasons[-1].message_en if result.reasons else ""),
        status=409,
    )


def _sign(evaluation: Evaluation, result: PersonResult, user: Any, now: dt.datetime) -> None:
    """Write the engine's score, band, level and reasons on one evaluation and mark it
    approved (DOMAIN.md §6), recording the sign-off with what it covers."""
    assert result.level is not None  # checked by the caller, which refuses the batch
    before = {"status": evaluation.status, "proposed_level": evaluation.proposed_level}
    evaluation.score = result.score
    evaluation.band = result.band.name if result.band else ""
    evaluation.final_level = result.level.name
    evaluation.reasons = reasons_json(result)
    if result.months_worked is not None:  # a quarter's or year's months signed by now (§5)
        evaluation.months_worked = result.months_worked
    evaluation.status = Status.APPROVED
    evaluation.approved_by, evaluation.approved_at = user, now
    evaluation.version += 1
    evaluation.save()
    audit.record(
        "evaluation.approved",
        actor=user,
        evaluation=evaluation,
        obj=evaluation,
        before=before,
        after=_signed_snapshot(evaluation),
    )


def _notify_approved(period: Period, signed: list[Evaluation]) -> None:
    """Tell each signed person their result is approved and will be published (DOMAIN.md §6).
    Called inside the transaction: the notifications roll back with the signatures, and the
    e-mail is queued only on commit (``notify``)."""
    notify(
        users=get_user_model()
        .objects.filter(staff_member__in=[e.staff_id for e in signed])
        .order_by("pk"),
        kind=NotificationKind.APPROVED,
        subject=f"Kết quả đánh giá kỳ {period.label} đã được phê duyệt / Approved",
        body=f"Kết quả đánh giá kỳ {period.label} của bạn đã được phê duyệt và sẽ được công "
        "khai. / Your evaluation was approved and will be published.",
    )


def _check_chosen_levels(
    rating: AgencyRating, batch: Mapping[int, Evaluation], levels: Mapping[int, str]
) -> None:
    """Refuse a batch that changed since the approver looked (a proposal they never saw), or
    the first evaluation whose level the rules or the quota set otherwise than chosen: the
    approver decides who keeps HTXSNV within the quota (DOMAIN.md §4.5), never above it."""
    unseen = [rating.rated[pk].staff.code for pk in batch if pk not in levels]
    if unseen:
        codes = ", ".join(unseen)
        raise WorkflowError(
            "batch_changed",
            f"Có phiếu mới chờ phê duyệt ({codes}) từ khi bạn mở trang: hãy xem lại rồi phê duyệt",
            f"New proposals ({codes}) arrived since you opened the page: review them and approve",
            status=409,
        )
    for pk in batch:
        chosen, result = levels.get(pk), rating.by_evaluation[pk]
        if not chosen or result.level is None or result.level.name == chosen:
            continue
        code = rating.rated[pk].staff.code
        group = next((q for q in rating.batch.quota if code in q.moved_down), None)
        if chosen == Level.HTXSNV.name and group is not None:
            name = group.duty_group or group.agency
            raise WorkflowError(
                "quota_exceeded",
                f"Vượt tỷ lệ HTXSNV của nhóm {name}: chỉ được {group.allowed}; {code} phải xếp "
                f"{RatingLevel(result.level.name).label}",
                f"Over the HTXSNV quota of group {name}: {group.allowed} allowed; {code} is "
                f"rated {result.level.name}",
                path=f"levels.{pk}",
                status=409,
                extra={"duty_group": group.duty_group, "allowed": group.allowed},
            )
        raise WorkflowError(
            "level_not_allowed",
            f"Theo quy định, {code} được xếp {RatingLevel(result.level.name).label}, không phải "
            f"{RatingLevel(chosen).label if chosen in RatingLevel.values else chosen}",
            f"The rules rate {code} {result.level.name}, not {chosen}",
            path=f"levels.{pk}",
            status=409,
        )


def _score_text(evaluation: Evaluation) -> str:
    """The score as a notification prints it; "—" for a level chosen by conditions (Decree
    90/48), which has none."""
    return "—" if evaluation.score is None else str(evaluation.score)


def _signed_snapshot(evaluation: Evaluation) -> dict[str, Any]:
    """What a signature covers: the person, the period, the score and level, and why."""
    return {
        "status": evaluation.status,
        "staff": evaluation.staff.code,
        "period": evaluation.period.label,
        "score": evaluation.score,
        "band": evaluation.band,
        "final_level": evaluation.final_level,
        "approver_max_level": evaluation.approver_max_level,
        "reasons": [r["code"] for r in evaluation.reasons],
    }


def require_exception_recorder(user: Any, agency: Agency) -> None:
    """Exceptions are recorded by the province (Sở Nội vụ), never by the agency for itself
    (DOMAIN.md §4.5): the province admin, not holding an approver role in that agency."""
    scope = scope_for(user)
    if not scope.is_province_admin() or scope.can_approve(agency.pk):
        raise forbidden(
            "Quyết định ngoại lệ về tỷ lệ HTXSNV do Sở Nội vụ (quản trị cấp tỉnh) ghi theo "
            "quyết định của cấp có thẩm quyền; thủ trưởng và người được ủy quyền không tự ghi "
            "ngoại lệ cho cơ quan mình",
            "A quota exception is recorded by the province (Sở Nội vụ, the province admin) from "
            "the competent authority's decision; the head and the head's delegate never record "
            "one for their own agency",
            code="exception_by_province",
        )


def exception_maximum(*, percent: Any, quota: engine.QuotaResult) -> int:
    """The largest ceiling an exception may set for a group: the rule set's exception percent
    on the same base as the quota and the group's current counts (candidates, good, rated).

    Not capped by today's number of candidates (as ``quota_allowed`` caps the quota itself):
    an exception is decided for the group, and a revised appeal adds a candidate to it."""
    return engine.quota_allowed(
        percent=percent / 100,
        candidates=quota.rated,
        good=quota.candidates + quota.good - quota.rated,
        rated=quota.rated,
        base=quota.base,
    )


def _exception_bound(
    period: Period, agency: Agency, duty_group: DutyGroup | None, ceiling: int
) -> int:
    """Refuse a ceiling the rule set does not allow (none at all, or above its maximum for the
    group's counts now); return the maximum."""
    ruleset = RuleSet.objects.only("code", "version", "quota_exception_max_percent").get(
        pk=period.ruleset_id
    )
    name = f"{ruleset.code} v{ruleset.version}"
    percent = ruleset.quota_exception_max_percent
    if percent is None:
        raise WorkflowError(
            "exception_not_allowed",
            f"Bộ quy tắc {name} không cho phép ngoại lệ về tỷ lệ HTXSNV",
            f"Rule set {name} allows no exception to the HTXSNV quota",
            path="ceiling",
            status=409,
        )
    rating = rate_agency(period, agency.pk)
    agency_wide = rules_for_period(period).quota_scope is QuotaScope.AGENCY
    key = "" if agency_wide or duty_group is None else duty_group.code
    quota = next((q for q in rating.batch.quota if q.duty_group == key), None)
    maximum = 0 if quota is None else exception_maximum(percent=percent, quota=quota)
    group = (duty_group.name if duty_group else "") or "toàn cơ quan"
    group_en = (duty_group.name if duty_group else "") or "the whole agency"
    if ceiling > maximum:
        shown = f"{percent.normalize():f}"
        raise WorkflowError(
            "exception_over_bound",
            f"Trần tối đa của ngoại lệ cho nhóm {group} là {maximum} HTXSNV (bộ quy tắc {name}: "
            f"ngoại lệ đến {shown} %, cùng cơ sở với tỷ lệ)",
            f"The exception's ceiling for group {group_en} is at most {maximum} HTXSNV (rule set "
            f"{name}: exceptions up to {shown} %, on the quota's base)",
            path="ceiling",
            status=409,
            extra={"maximum": maximum, "ruleset": name},
        )
    return maximum


def quota_exception_record(
    *,
    period: Period,
    agency: Agency,
    duty_group: DutyGroup | None,
    ceiling: int,
    reference: str,
    reason: str,
    user: Any,
) -> QuotaException:
    """Record a decision (legal reference, new ceiling) lifting one group's HTXSNV ceiling for
    an organisation with outstanding achievements (DOMAIN.md §4.5). Recorded by the province
    admin (Sở Nội vụ), never by the agency's head or delegate; the ceiling is bounded by the
    rule set's ``quota_exception_max_percent`` (none: no exception). Applies to ratings not yet
    signed, and to appeals revised after it."""
    require_exception_recorder(user, agency)
    require_verified(user)  # and signed in with the second factor
    reference = require_reason(reference, "reference")
    if isinstance(ceiling, bool) or not isinstance(ceiling, int) or ceiling < 0:
        raise WorkflowError(
            "bad_count", "Phải là số nguyên không âm", "Must be a whole number ≥ 0", path="ceiling"
        )
    with transaction.atomic():
        period = Period.objects.select_for_update().get(pk=period.pk)
        require_period_open(period)
        maximum = _exception_bound(period, agency, duty_group, ceiling)
        exception, created = QuotaException.objects.select_for_update().get_or_create(
            period=period,
            agency=agency,
            duty_group=duty_group,
            defaults={
                "ceiling": ceiling,
                "reference": reference,
                "reason": reason,
                "decided_by": user,
            },
        )
        before = (
            {}
            if created
            else {
                "ceiling": exception.ceiling,
                "reference": exception.reference,
                "decided_by": exception.decided_by.get_username(),
            }
        )
        if not created:
            QuotaException.objects.filter(pk=exception.pk).update(
                ceiling=ceiling, reference=reference, reason=reason, decided_by=user
            )
            exception.refresh_from_db()
        audit.record(
            "quota.exception_recorded",
            actor=user,
            agency=agency,
            period=period,
            obj=exception,
            before=before,
            after={
                "duty_group": duty_group.code if duty_group else "",
                "ceiling": ceiling,
                "reference": reference,
                "maximum": maximum,
                "decided_by": user.get_username(),
            },
            reason=reason,
        )
    return exception


def agency_publish(*, period: Period, agency: Agency, user: Any) -> int:
    """Publish the agency's approved results: each person is notified and may appeal within
    the period's window; the results are disclosed to the agency's staff."""
    _require_approver(user, agency.pk)
    require_verified(user)  # and signed in with the second factor
    with transaction.atomic():
        period = Period.objects.select_for_update().get(pk=period.pk)
        require_period_open(period)
        waiting = Evaluation.objects.filter(
            period=period,
            agency=agency,
            status__in=[Status.DRAFT, Status.SELF_ASSESSED, Status.MANAGER_SCORED],
        ).count()
        if waiting:
            head = Evaluation.objects.filter(
                head_of_agency_records(),
                period=period,
                agency=agency,
                status=Status.MANAGER_SCORED,
            ).exists()
            raise WorkflowError(
                "not_all_approved",
                f"Còn {waiting} phiếu chưa được phê duyệt"
                + (
                    "; phiếu của người đứng đầu chờ lãnh đạo UBND tỉnh, thành phố phê duyệt"
                    if head
                    else ""
                ),
                f"{waiting} evaluations are not approved yet"
                + (
                    "; the head's waits for the provincial or city People's Committee"
                    if head
                    else ""
                ),
                status=409,
            )
        approved = list(
            Evaluation.objects.select_for_update(of=("self",))
            .filter(period=period, agency=agency, status=Status.APPROVED)
            .select_related("staff__user", "period")
        )
        if not approved:
            raise WorkflowError(
                "nothing_to_publish",
                "Không có kết quả nào chờ công khai",
                "Nothing is waiting to be published",
                status=409,
            )
        now = timezone.now()
        appeal_until = timezone.localdate() + dt.timedelta(days=period.appeal_days)
        for evaluation in approved:
            evaluation.status = Status.PUBLISHED
            evaluation.published_at, evaluation.appeal_until = now, appeal_until
            evaluation.version += 1
            evaluation.save(
                update_fields=["status", "published_at", "appeal_until", "version", "updated_at"]
            )
            audit.record(
                "evaluation.published",
                actor=user,
                evaluation=evaluation,
                obj=evaluation,
                before={"status": Status.APPROVED},
                after=_signed_snapshot(evaluation) | {"appeal_until": appeal_until},
            )
        for evaluation in approved:
            level = Level[evaluation.final_level]
            notify(
                users=[evaluation.staff.user],
                kind=NotificationKind.PUBLISHED,
                subject=f"Kết quả đánh giá kỳ {period.label} / Your result for {period.label}",
                body=(
                    f"Điểm {_score_text(evaluation)}, xếp loại {RatingLevel(level.name).label}. "
                    f"Bạn có thể kiến nghị đến hết ngày {appeal_until:%d/%m/%Y}. / Score "
                    f"{_score_text(evaluation)}, level {level.name}; you may appeal until "
                    f"{appeal_until:%Y-%m-%d}."
                ),
                evaluation=evaluation,
            )
    return len(approved)
