"""Reads for the inspector's pages: search any evaluation, read one with its audit trail.

Everything goes through the caller's ``Scope`` (the views let only ``can_read_audit()`` in) and
costs a constant number of queries whatever the number of rows: the search is one count and one
page; the trail is one query with the actors' names joined, plus one for the chain check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from evaluation.models import Appeal, CriterionScore, Evaluation, Period, Product, Status
from evaluation.selectors.access import evaluations_in_scope
from scoring.models import Criterion
from staff.access import Scope
from staff.audit import entry_hash
from staff.models import AuditEntry
from staff.names import query_terms

ACTION_LABELS: dict[str, Any] = {
    "evaluation.self_scores_changed": _("Tự chấm điểm tiêu chí"),
    "evaluation.manager_scores_changed": _("Quản lý chấm điểm tiêu chí"),
    "evaluation.self_comment_changed": _("Sửa ý kiến tự đánh giá"),
    "evaluation.self_submitted": _("Gửi tự đánh giá"),
    "evaluation.manager_fields_changed": _("Quản lý sửa thông tin chấm"),
    "evaluation.manager_scored": _("Quản lý chấm xong"),
    "evaluation.returned": _("Trả lại"),
    "evaluation.level_adjusted": _("Người duyệt điều chỉnh mức"),
    "evaluation.approved": _("Phê duyệt"),
    "evaluation.published": _("Công khai kết quả"),
    "quota.exception_recorded": _("Ghi nhận ngoại lệ tỷ lệ"),
    "appeal.filed": _("Gửi kiến nghị"),
    "appeal.resolved": _("Giải quyết kiến nghị"),
    "product.registered": _("Ghi sản phẩm"),
    "product.outcome_reported": _("Báo cáo kết quả sản phẩm"),
    "product.outcome_confirmed": _("Quản lý xác nhận kết quả sản phẩm"),
    "product.removed": _("Xóa sản phẩm"),
    "period.opened": _("Mở kỳ"),
    "period.joiners_added": _("Bổ sung người mới vào kỳ"),
    "period.derived": _("Tổng hợp kỳ"),
    "period.closed": _("Khóa kỳ"),
}

PAGE_SIZE = 25


# --- search ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectFilters:
    """What the search form offers: every period label and agency (two small queries)."""

    periods: list[str]
    agencies: list[tuple[str, str]]
    statuses: list[tuple[str, str]]


def inspect_filters(*, scope: Scope) -> InspectFilters:
    labels = (
        Period.objects.order_by("-year", "-index", "kind")
        .values_list("label", "year", "index", "kind")
        .distinct()
    )
    seen: dict[str, None] = {}
    for label, *_rest in labels:
        seen.setdefault(label, None)
    agencies = list(scope.agencies().order_by("code").values_list("code", "name"))
    return InspectFilters(
        periods=list(seen), agencies=agencies, statuses=[(s.value, str(s.label)) for s in Status]
    )


def inspect_search(
    *,
    scope: Scope,
    q: str = "",
    period: str = "",
    agency: str = "",
    status: str = "",
) -> QuerySet[Evaluation]:
    """Evaluations the caller sees, matching every word of ``q`` in the person's folded name or
    code (diacritics ignored: "nguyen van son" finds "Nguyễn Văn Sơn"), newest period first."""
    qs = evaluations_in_scope(scope)
    for term in query_terms(q):
        qs = qs.filter(staff__search_text__contains=term)
    if period:
        qs = qs.filter(period__label=period)
    if agency:
        qs = qs.filter(agency__code=agency)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("period", "staff", "agency", "unit").order_by(
        "-period__ends_on", "period__kind", "agency__code", "staff__sort_key", "staff__code", "id"
    )


# --- one evaluation --------------------------------------------------------------------------


def inspect_evaluation(*, scope: Scope, pk: int) -> Evaluation | None:
    """One evaluation with everything the read-only page shows, or None if out of scope."""
    return (
        evaluations_in_scope(scope)
        .filter(pk=pk)
        .select_related(
            "period",
            "period__ruleset",
            "staff",
            "agency",
            "unit",
            "duty_group",
            "manager",
            "template",
            "approved_by__staff_member",
            "manager_scored_by",
        )
        .prefetch_related(
            Prefetch("criterion_scores", queryset=CriterionScore.objects.all()),
            Prefetch(
                "products",
                queryset=Product.objects.select_related("confirmed_by__staff_member").order_by(
                    "id"
                ),
            ),
            Prefetch(
                "appeals",
                queryset=Appeal.objects.select_related(
                    "filed_by__staff_member", "resolved_by__staff_member"
                ).order_by("filed_at", "id"),
            ),
        )
        .first()
    )


@dataclass(frozen=True)
class CriterionRow:
    code: str
    name: str
    max_points: Decimal
    self_points: Decimal | None
    manager_points: Decimal | None

    @property
    def differs(self) -> bool:
        return (
            self.self_points is not None
            and self.manager_points is not None
            and self.self_points != self.manager_points
        )


def criterion_rows(evaluation: Evaluation) -> list[CriterionRow]:
    """Every criterion of the evaluation's template with the person's and the manager's
    points side by side (one query; the scores were prefetched)."""
    scores = {s.criterion_id: s for s in evaluation.criterion_scores.all()}
    criteria = Criterion.objects.filter(template_id=evaluation.template_id).order_by(
        "group__order", "group__code", "order", "code"
    )
    rows = []
    for c in criteria:
        s = scores.get(c.pk)
        rows.append(
            CriterionRow(
                code=c.code,
                name=c.name,
                max_points=c.max_points,
                self_points=s.self_points if s else None,
                manager_points=s.manager_points if s else None,
            )
        )
    return rows


# --- the audit trail -------------------------------------------------------------------------


def _field_labels() -> dict[str, Any]:
    """Readable names of the fields an audit entry records (the models' own labels)."""
    labels: dict[str, Any] = {}
    for model in (Product, Evaluation):
        for f in model._meta.fields:
            labels[f.name] = f.verbose_name
    return labels


STATUS_LABELS = dict(Status.choices)


def _shown(value: Any, key: str = "") -> str:
    if key == "status" and value in STATUS_LABELS:
        return str(STATUS_LABELS[value])
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@dataclass
class AuditRow:
    entry: AuditEntry
    label: str
    actor_name: str
    # (field, its readable name, before, after)
    changes: list[tuple[str, str, str, str]] = field(default_factory=list)
    chain: str = ""  # "" (not a sign-off), "ok" or "broken"
    chain_problem: str = ""


def _actor_name(entry: AuditEntry) -> str:
    user = entry.actor
    if user is None:
        return str(_("Hệ thống"))
    staff = getattr(user, "staff_member", None)
    if staff is not None:
        return f"{staff.full_name} ({user.get_username()})"
    return user.get_full_name() or user.get_username()


def _changes(before: Any, after: Any, labels: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    before = before if isinstance(before, dict) else {"": before}
    after = after if isinstance(after, dict) else {"": after}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        (k, str(labels.get(k, k)), _shown(before.get(k), k), _shown(after.get(k), k)) for k in keys
    ]


def audit_trail(*, evaluation: Evaluation) -> list[AuditRow]:
    """The evaluation's audit entries in time order with who did it, what changed and why;
    sign-offs are checked against their own hash and the previous link of their agency's
    chain (two queries whatever the length of the trail)."""
    entries = list(
        AuditEntry.objects.filter(evaluation=evaluation)
        .select_related("actor", "actor__staff_member")
        .order_by("at", "id")
    )
    labels = _field_labels()
    rows = [
        AuditRow(
            entry=e,
            label=str(ACTION_LABELS.get(e.action, e.action)),
            actor_name=_actor_name(e),
            changes=_changes(e.before, e.after, labels),
        )
        for e in entries
    ]
    _check_chain(rows)
    return rows


def _check_chain(rows: list[AuditRow]) -> None:
    """Each sign-off must hash to its stored hash and point at the agency's previous sign-off.

    A cheap, local check (the full per-agency walk is ``manage.py verify_audit``)."""
    chained = [r for r in rows if r.entry.chained]
    if not chained:
        return
    wanted = Q(pk__in=[])
    for r in chained:
        if r.entry.sequence and r.entry.sequence > 1:
            wanted |= Q(agency_id=r.entry.agency_id, sequence=r.entry.sequence - 1)
    previous = {
        (agency_id, sequence): hash_
        for agency_id, sequence, hash_ in AuditEntry.objects.filter(chained=True)
        .filter(wanted)
        .values_list("agency_id", "sequence", "hash")
    }
    for r in chained:
        e = r.entry
        if e.hash != entry_hash(e):
            r.chain, r.chain_problem = "broken", str(_("Nội dung đã bị thay đổi sau khi ký."))
            continue
        first = (e.sequence or 0) <= 1
        expected = "" if first else previous.get((e.agency_id, e.sequence - 1))
        if expected is None:
            r.chain = "broken"
            r.chain_problem = str(_("Thiếu bản ghi ký trước đó trong chuỗi của cơ quan."))
        elif e.prev_hash != expected:
            r.chain = "broken"
            r.chain_problem = str(_("Không trỏ tới bản ghi ký trước đó."))
        else:
            r.chain = "ok"


def chain_summary(rows: list[AuditRow]) -> str:
    """ "none" (no sign-off yet), "ok" or "broken" for the whole trail."""
    states = {r.chain for r in rows if r.chain}
    if not states:
        return "none"
    return "broken" if "broken" in states else "ok"
