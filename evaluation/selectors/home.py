"""Reads for the pages: what each person owes this month, through ``staff.access`` only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluation.models import Evaluation, Notification, PeriodStatus, Status
from evaluation.selectors.access import evaluations_in_scope
from staff.access import scope_for


@dataclass
class HomeSummary:
    """The home page: the person's own evaluations, the steps they owe others, news."""

    own: list[Evaluation] = field(default_factory=list)
    to_score: list[dict[str, Any]] = field(default_factory=list)
    to_approve: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    unread: int = 0


def home_summary(*, user: Any) -> HomeSummary:
    """Six queries whatever the size of the team or agency."""
    scope = scope_for(user)
    summary = HomeSummary()
    visible = evaluations_in_scope(scope).filter(period__status=PeriodStatus.OPEN)
    if scope.own_staff_id is not None:
        summary.own = list(
            visible.filter(staff_id=scope.own_staff_id)
            .select_related("period")
            .order_by("-period__year", "-period__index")
        )
    if scope.manages_direct_reports and scope.own_staff_id is not None:
        today = timezone.localdate()
        summary.to_score = list(
            visible.filter(manager_id=scope.own_staff_id)
            .filter(
                Q(status=Status.SELF_ASSESSED)
                | Q(status=Status.DRAFT, period__self_assessment_due__lt=today)
            )
            .values("period__label", "period__manager_due", "period_id", "period__ruleset__code")
            .annotate(count=Count("id"))
            .order_by("period__label")
        )
    if scope.approver_agency_ids:
        summary.to_approve = list(
            visible.filter(
                agency_id__in=sorted(scope.approver_agency_ids), status=Status.MANAGER_SCORED
            )
            .values(
                "period__label",
                "period__approval_due",
                "agency__name",
                "period_id",
                "period__ruleset__code",
            )
            .annotate(count=Count("id"))
            .order_by("period__label", "agency__name")
        )
    _name_rulesets(summary.to_score)
    _name_rulesets(summary.to_approve)
    notifications = Notification.objects.filter(recipient=user)
    summary.notifications = list(notifications[:10])
    summary.unread = notifications.filter(read_at__isnull=True).count()
    return summary


def _name_rulesets(rows: list[dict[str, Any]]) -> None:
    """Rows of a month held under several rule sets (công chức and viên chức, DOMAIN.md §5)
    name their rule set: ``ruleset`` is its code, else blank."""
    codes: dict[str, set[str]] = {}
    for row in rows:
        codes.setdefault(row["period__label"], set()).add(row["period__ruleset__code"])
    for row in rows:
        row["ruleset"] = (
            row["period__ruleset__code"] if len(codes[row["period__label"]]) > 1 else ""
        )


# Status → (the next step, shown to the person; the period's deadline field for it).
NEXT_STEP = {
    Status.DRAFT: (_("Tự đánh giá và gửi"), "self_assessment_due"),
    Status.SELF_ASSESSED: (_("Chờ người quản lý chấm"), "manager_due"),
    Status.MANAGER_SCORED: (_("Chờ phê duyệt"), "approval_due"),
    Status.APPROVED: (_("Chờ công khai"), None),
    Status.PUBLISHED: (_("Đã công khai — có thể kiến nghị trong thời hạn"), None),
    Status.UNDER_APPEAL: (_("Đang xem xét kiến nghị"), None),
    Status.CLOSED: (_("Đã khóa"), None),
}


def notification_target(*, notification: Notification, scope: Any) -> str:
    """Where a notification leads its reader: their own evaluation for news about it, the
    scoring form for a manager's reminder, the board or the appeals inbox for an approver.
    Decided from the reader's scope, so a link never opens a page they may not see."""
    from django.urls import reverse

    evaluation = notification.evaluation
    if evaluation is None:
        return reverse("home")
    if scope.own_staff_id is not None and evaluation.staff_id == scope.own_staff_id:
        return reverse("evaluation:my-evaluation", args=[evaluation.pk])
    if scope.can_approve(evaluation.agency_id):
        if notification.kind == "appealed":
            return reverse("evaluation:approval-appeals")
        return reverse("evaluation:approval")
    if scope.can_score_as_manager(evaluation):
        return reverse("evaluation:team-score", args=[evaluation.pk])
    return reverse("home")
