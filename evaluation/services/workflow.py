"""Self-assessment, manager scoring and returns (DOMAIN.md §6).

Each service takes the acting user, checks with ``staff.access`` that this user may take the
step, locks the row, re-checks the state and the version, writes, records the audit entry and
queues notifications — all in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from evaluation.errors import WorkflowError, forbidden, unknown_criterion
from evaluation.models import CriterionScore, Evaluation, NotificationKind, Status
from evaluation.rating import MANAGER_INPUTS, is_tracked, rate_one, reasons_json
from evaluation.services.common import (
    lock_for_step,
    parse_points,
    require_reason,
)
from evaluation.services.notifications import notify
from scoring.models import Criterion, TaskModeChoice
from scoring.rules import ConditionScope, Discipline, Leadership, parse_component_steps
from scoring.selectors import template_conditions, template_criteria
from staff import audit
from staff.access import is_head_of_agency, scope_for

MANAGER_ONLY_FIELDS = (*MANAGER_INPUTS, "manager_comment")


def _criteria(evaluation: Evaluation) -> dict[str, Criterion]:
    return {c.code: c for c in template_criteria(evaluation.template)}


def _save_points(
    evaluation: Evaluation, scores: Mapping[str, Any], *, field: str, user: Any
) -> dict[str, tuple[Decimal | None, Decimal]]:
    """Validate and store per-criterion points in ``field``; return what changed."""
    criteria = _criteria(evaluation)
    parsed: dict[str, Decimal] = {}
    for code, value in scores.items():
        criterion = criteria.get(code)
        if criterion is None:
            raise unknown_criterion(code)
        parsed[code] = parse_points(value, path=f"scores.{code}", maximum=criterion.max_points)
    existing = {s.criterion_id: s for s in CriterionScore.objects.filter(evaluation=evaluation)}
    changes: dict[str, tuple[Decimal | None, Decimal]] = {}
    added: list[CriterionScore] = []
    updated: list[CriterionScore] = []
    for code, points in parsed.items():
        row = existing.get(criteria[code].pk)
        if row is None:
            row = CriterionScore(evaluation=evaluation, criterion=criteria[code])
        before = getattr(row, field)
        if before != points:
            setattr(row, field, points)
            (updated if row.pk else added).append(row)
            changes[code] = (before, points)
    # One statement each, not one per criterion: a month-end save changes them all.
    CriterionScore.objects.bulk_create(added)
    CriterionScore.objects.bulk_update(updated, [field])
    if changes:
        audit.record(
            f"evaluation.{'self' if field == 'self_points' else 'manager'}_scores_changed",
            actor=user,
            evaluation=evaluation,
            obj=evaluation,
            before={code: old for code, (old, _) in changes.items()},
            after={code: new for code, (_, new) in changes.items()},
        )
    return changes


def _missing_criteria(evaluation: Evaluation, field: str) -> list[str]:
    scored = set(
        CriterionScore.objects.filter(
            evaluation=evaluation, **{f"{field}__isnull": False}
        ).values_list("criterion__code", flat=True)
    )
    return [code for code in _criteria(evaluation) if code not in scored]


def uses_conditions(evaluation: Evaluation) -> bool:
    """Whether the evaluation's pinned template chooses levels by conditions (Decree 90/48)."""
    return evaluation.template.task_mode == TaskModeChoice.CONDITIONS


def conditions_validate(
    evaluation: Evaluation, raw: Any, *, path: str = "conditions_met"
) -> list[str] | None:
    """The level conditions ticked as met: a list of the pinned template's condition codes
    (kept in the template's order, each once); None clears them (not assessed). Refused, with
    the path of the item, for a code the template lacks, and for any template that does not
    choose levels by conditions."""
    if raw is None:
        return None
    template = evaluation.template
    if not uses_conditions(evaluation):
        raise WorkflowError(
            "not_in_template",
            f"Mẫu tiêu chí {template.code} v{template.version} chấm điểm, không xếp loại theo "
            "điều kiện",
            f"Template {template.code} v{template.version} scores points; it has no level "
            "conditions",
            path=path,
        )
    if isinstance(raw, str) or not isinstance(raw, Sequence | set | frozenset):
        raise WorkflowError(
            "not_a_list",
            'Phải là danh sách mã điều kiện, ví dụ ["HTNV1", "HTNV2"]',
            'Must be a list of condition codes, e.g. ["HTNV1", "HTNV2"]',
            path=path,
        )
    conditions = template_conditions(template)
    known = [c.code for c in conditions]
    leads = (evaluation.leadership or Leadership.NONE) != Leadership.NONE
    scopes = {c.code: c.applies_to for c in conditions}
    ticked: set[str] = set()
    for index, code in enumerate(raw):
        if not isinstance(code, str) or code not in known:
            raise WorkflowError(
                "unknown_condition",
                f"Điều kiện {code!r} không có trong mẫu {template.code} v{template.version}",
                f"Condition {code!r} is not in template {template.code} v{template.version}",
                path=f"{path}.{index}",
                extra={"known": known},
            )
        # Decree 90 lists the managers' conditions and the others' apart in each level's
        # article: a condition that is not the person's is a mistake, not a tick to ignore.
        if scopes[code] == ConditionScope.LEADERS and not leads:
            raise WorkflowError(
                "condition_not_applicable",
                f"Điều kiện {code} chỉ dành cho người giữ chức vụ quản lý",
                f"Condition {code} applies to managers only",
                path=f"{path}.{index}",
            )
        if scopes[code] == ConditionScope.NON_LEADERS and leads:
            raise WorkflowError(
                "condition_not_applicable",
                f"Điều kiện {code} dành cho người không giữ chức vụ quản lý",
                f"Condition {code} applies to staff who manage nobody",
                path=f"{path}.{index}",
            )
        ticked.add(code)
    return [code for code in known if code in ticked]


def _set_conditions(evaluation: Evaluation, field: str, value: list[str] | None, user: Any) -> None:
    before = getattr(evaluation, field)
    if before == value:
        return
    audit.record(
        f"evaluation.{field}_changed",
        actor=user,
        evaluation=evaluation,
        before={field: before},
        after={field: value},
    )
    setattr(evaluation, field, value)


def evaluation_self_assess(
    *,
    evaluation: Evaluation,
    user: Any,
    scores: Mapping[str, Any] | None = None,
    comment: str | None = None,
    conditions: Sequence[str] | None = None,
    version: int | None = None,
    submit: bool = False,
) -> Evaluation:
    """The person scores the general criteria — or, under a conditions-based template, ticks
    the level conditions met (``conditions``: codes) — and comments; ``submit`` hands it to
    the manager. Only the person, only in ``draft``, only while the period is open."""
    if not scope_for(user).can_self_assess(evaluation):
        raise forbidden(
            "Chỉ người được đánh giá mới tự đánh giá phiếu của mình",
            "Only the person evaluated fills in their self-assessment",
        )
    with transaction.atomic():
        evaluation = lock_for_step(
            evaluation,
            statuses=(Status.DRAFT,),
            action=("tự đánh giá", "self-assess"),
            version=version,
        )
        if scores:
            _save_points(evaluation, scores, field="self_points", user=user)
        if conditions is not None:
            value = conditions_validate(evaluation, conditions)
            _set_conditions(evaluation, "self_conditions", value, user)
        if comment is not None and comment != evaluation.self_comment:
            audit.record(
                "evaluation.self_comment_changed",
                actor=user,
                evaluation=evaluation,
                before={"self_comment": evaluation.self_comment},
                after={"self_comment": comment},
            )
            evaluation.self_comment = comment
        if submit:
            missing = _missing_criteria(evaluation, "self_points")
            if missing:
                raise WorkflowError(
                    "criteria_missing",
                    f"Chưa chấm các tiêu chí: {', '.join(missing)}",
                    f"Criteria not scored yet: {', '.join(missing)}",
                    path=f"scores.{missing[0]}",
                )
            unreported = list(
                evaluation.products.filter(completed__isnull=True).values_list("title", flat=True)
            )
            if unreported:
                raise WorkflowError(
                    "outcome_missing",
                    f"Chưa báo cáo kết quả sản phẩm: {', '.join(unreported)}",
                    f"Product outcomes not reported: {', '.join(unreported)}",
                    path="products",
                )
            if uses_conditions(evaluation) and evaluation.self_conditions is None:
                # Submitting is assessing: no condition ticked is "none met", not "not yet".
                evaluation.self_conditions = []
            evaluation.status = Status.SELF_ASSESSED
            evaluation.self_submitted_at = timezone.now()
            evaluation.return_reason = ""
            audit.record(
                "evaluation.self_submitted",
                actor=user,
                evaluation=evaluation,
                before={"status": Status.DRAFT},
                after={"status": Status.SELF_ASSESSED},
            )
        evaluation.version += 1
        evaluation.save()
    return evaluation


def manager_fields_validate(evaluation: Evaluation, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the manager's scalar fields against the pinned template. The live preview of
    the proposed level (``selectors.previews``) calls it too, so it refuses exactly what a save
    would refuse."""
    template = evaluation.template
    values: dict[str, Any] = {}
    if "task_points" in data:
        raw = data["task_points"]
        values["task_points"] = (
            None
            if raw is None
            else parse_points(raw, path="task_points", maximum=template.task_max)
        )
    if "bonus" in data:
        values["bonus"] = parse_points(data["bonus"], path="bonus", maximum=template.bonus_max)
    if "deductions" in data:
        values["deductions"] = parse_points(
            data["deductions"], path="deductions", maximum=template.deduction_max
        )
    if "discipline" in data:
        if data["discipline"] not in {d.value for d in Discipline}:
            raise WorkflowError(
                "bad_choice",
                "Hình thức kỷ luật không hợp lệ",
                "Invalid disciplinary measure",
                path="discipline",
            )
        values["discipline"] = data["discipline"]
    for flag in ("degradation", "unit_corruption"):
        if flag in data:
            if not isinstance(data[flag], bool):
                raise WorkflowError(
                    "not_a_boolean", "Phải là đúng/sai", "Must be true or false", path=flag
                )
            values[flag] = data[flag]
    for name in LEADER_COMPONENTS:
        if name in data:
            values[name] = _leader_component(evaluation, name, data[name])
    if "conditions_met" in data:
        values["manager_conditions"] = conditions_validate(evaluation, data["conditions_met"])
    if "manager_comment" in data:
        values["manager_comment"] = str(data["manager_comment"] or "")
    return values


# Decree 335's components the evaluator enters for a leader (DOMAIN.md §3): field → names.
LEADER_COMPONENTS = {
    "organising_percent": (
        "năng lực tổ chức triển khai thực hiện nhiệm vụ",
        "organising capacity",
    ),
    "unity_percent": ("năng lực tập hợp, đoàn kết", "capacity to unite"),
}


def uses_leader_components(evaluation: Evaluation) -> bool:
    """Whether ``evaluation`` is a leader's under a template that counts the organising and
    unity components (the fields are shown, accepted and required only then)."""
    return evaluation.template.leader_components and evaluation.leadership not in ("", "none")


def _leader_component(evaluation: Evaluation, name: str, raw: Any) -> Decimal | None:
    """A leader's organising or unity percent: blank clears it; otherwise 0–100 with at most
    2 decimals, on the template's scale when it has one, and only for a leader under a
    template that counts it."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    vi, en = LEADER_COMPONENTS[name]
    if evaluation.leadership in ("", "none"):
        raise WorkflowError(
            "not_a_leader",
            f"Chỉ chấm {vi} cho cấp trưởng, cấp phó",
            f"The {en} is scored for heads and deputies only",
            path=name,
        )
    template = evaluation.template
    if not template.leader_components:
        raise WorkflowError(
            "not_in_template",
            f"Mẫu tiêu chí {template.code} v{template.version} không tính {vi}",
            f"Template {template.code} v{template.version} does not count the {en}",
            path=name,
        )
    value = parse_points(raw, path=name, maximum=Decimal(100))
    steps = parse_component_steps(template.leader_component_steps)
    if steps and value not in steps:
        allowed = ", ".join(format(step.normalize(), "f") for step in steps)
        raise WorkflowError(
            "not_on_scale",
            f"{vi.capitalize()} chỉ nhận các mức {allowed} (đang là {raw})",
            f"The {en} takes only {allowed} (got {raw})",
            path=name,
        )
    return value


def _require_leader_components(evaluation: Evaluation) -> None:
    """A leader under a template that counts organising and unity is not submitted without
    them: the error names the first one missing."""
    if not uses_leader_components(evaluation) or not is_tracked(evaluation.period):
        return
    for name, (vi, en) in LEADER_COMPONENTS.items():
        if getattr(evaluation, name) is None:
            raise WorkflowError(
                "leader_component_missing",
                f"Chưa chấm {vi} (%) của lãnh đạo",
                f"The leader's {en} (%) is not scored yet",
                path=name,
            )


def evaluation_manager_score(
    *,
    evaluation: Evaluation,
    user: Any,
    scores: Mapping[str, Any] | None = None,
    fields: Mapping[str, Any] | None = None,
    version: int | None = None,
    submit: bool = False,
) -> Evaluation:
    """The direct manager scores each criterion, sets the manager's fields and, with
    ``submit``, proposes the level the engine gives (with its reasons). After the
    self-assessment deadline the manager may score a draft: it is marked "no self-assessment"."""
    if not scope_for(user).can_score_as_manager(evaluation):
        if is_head_of_agency(evaluation):
            raise forbidden(
                "Người đứng đầu cơ quan do Chủ tịch UBND tỉnh hoặc Phó Chủ tịch được phân công "
                "đánh giá, không phải cấp phó hay người được ủy quyền",
                "The head of an agency is rated by the provincial People's Committee's chair or "
                "the designated vice-chair, not by a deputy or delegate",
            )
        raise forbidden(
            "Chỉ người quản lý trực tiếp mới chấm điểm phiếu này",
            "Only the direct manager scores this evaluation",
        )
    with transaction.atomic():
        evaluation = lock_for_step(
            evaluation,
            statuses=(Status.SELF_ASSESSED, Status.DRAFT),
            action=("chấm điểm", "score"),
            version=version,
        )
        late = timezone.localdate() > evaluation.period.self_assessment_due
        if evaluation.status == Status.DRAFT and not late:
            raise WorkflowError(
                "self_assessment_pending",
                "Người được đánh giá chưa gửi tự đánh giá; chỉ chấm thay sau hạn "
                f"{evaluation.period.self_assessment_due:%d/%m/%Y}",
                "The person has not submitted their self-assessment; the manager may score "
                f"without it only after {evaluation.period.self_assessment_due:%Y-%m-%d}",
                path="status",
                status=409,
            )
        if scores:
            _save_points(evaluation, scores, field="manager_points", user=user)
        values = manager_fields_validate(evaluation, fields or {})
        changed = {k: v for k, v in values.items() if getattr(evaluation, k) != v}
        if changed:
            audit.record(
                "evaluation.manager_fields_changed",
                actor=user,
                evaluation=evaluation,
                before={k: getattr(evaluation, k) for k in changed},
                after=changed,
            )
            for key, value in changed.items():
                setattr(evaluation, key, value)
        if submit:
            _submit_manager_score(evaluation, user)
        evaluation.version += 1
        evaluation.save()
    return evaluation


def _submit_manager_score(evaluation: Evaluation, user: Any) -> None:
    unreported = list(
        evaluation.products.filter(completed__isnull=True).values_list("title", flat=True)
    )
    if unreported:
        raise WorkflowError(
            "outcome_missing",
            f"Chưa xác nhận kết quả sản phẩm: {', '.join(unreported)}",
            f"Product outcomes not confirmed: {', '.join(unreported)}",
            path="products",
        )
    missing = [
        code
        for code in _missing_criteria(evaluation, "manager_points")
        if code in _missing_criteria(evaluation, "self_points")
    ]
    if missing:
        raise WorkflowError(
            "criteria_missing",
            f"Chưa chấm các tiêu chí: {', '.join(missing)}",
            f"Criteria not scored yet: {', '.join(missing)}",
            path=f"scores.{missing[0]}",
        )
    _require_leader_components(evaluation)
    if uses_conditions(evaluation) and evaluation.manager_conditions is None:
        if evaluation.self_conditions is None:
            raise WorkflowError(
                "conditions_missing",
                "Chưa đánh giá các điều kiện xếp loại (conditions_met)",
                "The level conditions are not assessed yet (conditions_met)",
                path="conditions_met",
            )
        # The manager accepted the person's ticks as they are (as criteria left empty).
        evaluation.manager_conditions = list(evaluation.self_conditions)
    now = timezone.now()
    evaluation.products.filter(confirmed_by__isnull=True).update(
        confirmed_by=user, confirmed_at=now
    )
    before = evaluation.status
    if before == Status.DRAFT:
        evaluation.no_self_assessment = True
    result = rate_one(evaluation)
    evaluation.score = result.score
    evaluation.band = result.band.name if result.band else ""
    evaluation.proposed_level = result.level.name if result.level else ""
    evaluation.reasons = reasons_json(result)
    evaluation.status = Status.MANAGER_SCORED
    evaluation.manager_scored_at = now
    evaluation.manager_scored_by = user
    evaluation.return_reason = ""
    audit.record(
        "evaluation.manager_scored",
        actor=user,
        evaluation=evaluation,
        before={"status": before},
        after={
            "status": Status.MANAGER_SCORED,
            "score": evaluation.score,
            "proposed_level": evaluation.proposed_level,
            "no_self_assessment": evaluation.no_self_assessment,
            # A level chosen by conditions (Decree 90/48): the ticks it was chosen from.
            **(
                {"manager_conditions": evaluation.manager_conditions}
                if uses_conditions(evaluation)
                else {}
            ),
        },
    )


def evaluation_return(
    *, evaluation: Evaluation, user: Any, to: str, reason: str, version: int | None = None
) -> Evaluation:
    """Return an evaluation with a mandatory reason: the manager returns it to the person
    (back to draft); the approver returns it to the manager (back to awaiting the manager)."""
    reason = require_reason(reason)
    scope = scope_for(user)
    if to == "person":
        allowed_by = scope.can_score_as_manager(evaluation)
        from_states, target = (Status.SELF_ASSESSED, Status.MANAGER_SCORED), Status.DRAFT
    elif to == "manager":
        # The approver of this evaluation: the province approver for a head (DOMAIN.md §1).
        allowed_by = scope.can_sign(evaluation)
        from_states, target = (Status.MANAGER_SCORED,), Status.SELF_ASSESSED
    else:
        raise WorkflowError(
            "bad_choice",
            "Chỉ trả lại cho người được đánh giá (person) hoặc người quản lý (manager)",
            "Return to 'person' or 'manager' only",
            path="to",
        )
    if not allowed_by:
        raise forbidden(
            "Bạn không có quyền trả lại phiếu này", "You may not return this evaluation"
        )
    with transaction.atomic():
        evaluation = lock_for_step(
            evaluation, statuses=from_states, action=("trả lại", "return"), version=version
        )
        before = evaluation.status
        evaluation.status = target
        evaluation.return_reason = reason
        evaluation.proposed_level = ""
        evaluation.version += 1
        evaluation.save()
        audit.record(
            "evaluation.returned",
            actor=user,
            evaluation=evaluation,
            before={"status": before},
            after={"status": target, "to": to},
            reason=reason,
        )
        if to == "person":
            recipients = [evaluation.staff.user]
        else:
            manager = evaluation.manager
            recipients = [manager.user] if manager is not None else []
        notify(
            users=recipients,
            kind=NotificationKind.RETURNED,
            subject=f"Phiếu đánh giá {evaluation.period.label} bị trả lại / Evaluation returned",
            body=f"Phiếu đánh giá của {evaluation.staff.full_name} kỳ {evaluation.period.label} "
            f"được trả lại. Lý do: {reason}",
            evaluation=evaluation,
        )
    return evaluation
