"""Appeals (kiến nghị): filed by the person within the window, resolved by the approver —
upheld, or revised with reasons; a revision re-runs the quota (DOMAIN.md §6). An appeal on the
head of an agency's result is resolved by the province approver who signed it, never inside
the agency (DOMAIN.md §1)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from evaluation.errors import WorkflowError, forbidden
from evaluation.models import (
    Appeal,
    AppealStatus,
    Evaluation,
    NotificationKind,
    PeriodStatus,
    Status,
)
from evaluation.rating import rate_agency, reasons_json
from evaluation.services.common import (
    approver_users,
    lock_evaluation,
    lock_for_step,
    province_approver_users,
    require_reason,
    require_status,
    require_verified,
)
from evaluation.services.notifications import notify
from scoring.models import RatingLevel
from staff import audit
from staff.access import is_head_of_agency, scope_for


def appeal_file(*, evaluation: Evaluation, user: Any, reason: str) -> Appeal:
    """The person petitions against their published result, within the appeal window."""
    if not scope_for(user).can_self_assess(evaluation):
        raise forbidden(
            "Chỉ người được đánh giá được kiến nghị về kết quả của mình",
            "Only the person evaluated may appeal their result",
        )
    reason = require_reason(reason)
    with transaction.atomic():
        # An appeal may come after the period closed (DOMAIN.md §6): no open-period check.
        evaluation = lock_for_step(
            evaluation,
            statuses=(Status.PUBLISHED, Status.CLOSED),
            action=("kiến nghị", "appeal"),
            open_period=False,
        )
        today = timezone.localdate()
        if evaluation.appeal_until is None or today > evaluation.appeal_until:
            raise WorkflowError(
                "appeal_window_closed",
                "Đã hết thời hạn kiến nghị"
                + (
                    f" (ngày {evaluation.appeal_until:%d/%m/%Y})" if evaluation.appeal_until else ""
                ),
                "The appeal window has closed",
                path="reason",
                status=409,
            )
        appeal = Appeal.objects.create(
            evaluation=evaluation,
            reason=reason,
            filed_by=user,
            level_before=evaluation.final_level,
        )
        before = evaluation.status
        evaluation.status = Status.UNDER_APPEAL
        evaluation.version += 1
        evaluation.save(update_fields=["status", "version", "updated_at"])
        audit.record(
            "appeal.filed",
            actor=user,
            evaluation=evaluation,
            obj=appeal,
            before={"status": before},
            after={"status": Status.UNDER_APPEAL},
            reason=reason,
        )
        notify(
            users=province_approver_users()
            if is_head_of_agency(evaluation)
            else approver_users(evaluation.agency_id),
            kind=NotificationKind.APPEALED,
            subject=f"Kiến nghị về kết quả kỳ {evaluation.period.label} / New appeal",
            body=f"{evaluation.staff.full_name} ({evaluation.staff.code}) kiến nghị: {reason}",
            evaluation=evaluation,
        )
    return appeal


def appeal_resolve(
    *, appeal: Appeal, user: Any, decision: str, reason: str, level: str | None = None
) -> Appeal:
    """Uphold the result, or revise it to ``level`` — only within the rules: never above what
    the scores give after overrides, caps and gates, and HTXSNV only while the group's quota
    (counting every other signed rating) allows it."""
    evaluation = appeal.evaluation
    if not scope_for(user).can_sign(evaluation):
        if is_head_of_agency(evaluation):
            raise forbidden(
                "Kiến nghị của người đứng đầu cơ quan do Chủ tịch UBND tỉnh hoặc Phó Chủ tịch được "
                "phân công giải quyết",
                "An appeal of the head of an agency is resolved by the provincial People's "
                "Committee's chair or the designated vice-chair",
            )
        raise forbidden(
            "Chỉ thủ trưởng cơ quan hoặc người được ủy quyền giải quyết kiến nghị; không ai tự "
            "giải quyết kiến nghị về phiếu của mình",
            "Only the head of the agency or the head's delegate resolves appeals, and nobody "
            "resolves one on their own evaluation",
        )
    require_verified(user)  # and signed in with the second factor
    reason = require_reason(reason)
    if decision not in ("uphold", "revise"):
        raise WorkflowError(
            "bad_choice",
            "Quyết định phải là giữ nguyên (uphold) hoặc điều chỉnh (revise)",
            "The decision is 'uphold' or 'revise'",
            path="decision",
        )
    if decision == "revise" and level not in RatingLevel.values:
        raise WorkflowError(
            "bad_choice", "Mức xếp loại không hợp lệ", "Invalid level", path="level"
        )
    with transaction.atomic():
        evaluation = lock_evaluation(evaluation)
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if appeal.status != AppealStatus.OPEN:
            raise WorkflowError(
                "appeal_resolved",
                "Kiến nghị đã được giải quyết",
                "This appeal is already resolved",
                status=409,
            )
        require_status(evaluation, (Status.UNDER_APPEAL,), "giải quyết kiến nghị", "resolve")
        before = {"final_level": evaluation.final_level, "score": evaluation.score}
        if decision == "revise" and level != evaluation.final_level:
            _revise(evaluation, level, reason)
        back_to = (
            Status.CLOSED if evaluation.period.status == PeriodStatus.CLOSED else Status.PUBLISHED
        )
        evaluation.status = back_to
        evaluation.version += 1
        evaluation.save()
        appeal.status = AppealStatus.REVISED if decision == "revise" else AppealStatus.UPHELD
        appeal.decision, appeal.level_after = reason, evaluation.final_level
        appeal.resolved_by, appeal.resolved_at = user, timezone.now()
        appeal.save()
        audit.record(
            "appeal.resolved",
            actor=user,
            evaluation=evaluation,
            obj=appeal,
            before=before,
            after={
                "decision": appeal.status,
                "final_level": evaluation.final_level,
                "status": back_to,
                "staff": evaluation.staff.code,
            },
            reason=reason,
        )
        notify(
            users=[evaluation.staff.user],
            kind=NotificationKind.APPEAL_RESOLVED,
            subject=f"Kết quả giải quyết kiến nghị kỳ {evaluation.period.label} / Appeal decided",
            body=f"Quyết định: {appeal.get_status_display()}. Mức xếp loại: "
            f"{RatingLevel(evaluation.final_level).label}. Lý do: {reason}",
            evaluation=evaluation,
        )
    return appeal


def _revise(evaluation: Evaluation, level: str, reason: str) -> None:
    """Re-rate the agency with this rating unsigned and capped at ``level``; refuse if the
    rules or the quota give anything else."""
    evaluation.approver_max_level, evaluation.approver_reason = level, reason
    evaluation.save(update_fields=["approver_max_level", "approver_reason"])
    rating = rate_agency(evaluation.period, evaluation.agency_id, unsigned=[evaluation.pk])
    result = rating.by_evaluation[evaluation.pk]
    if result.level is None or result.level.name != level:
        why = result.reasons[-1] if result.reasons else None
        raise WorkflowError(
            "revision_outside_rules",
            f"Không thể điều chỉnh thành {RatingLevel(level).label}: theo quy định chỉ được "
            f"{RatingLevel(result.level.name).label if result.level else 'không xếp loại'}"
            + (f" ({why.message})" if why else ""),
            f"Cannot revise to {level}: the rules give "
            f"{result.level.name if result.level else 'no level'}"
            + (f" ({why.message_en})" if why else ""),
            path="level",
            status=409,
        )
    evaluation.final_level = level
    evaluation.reasons = reasons_json(result)
