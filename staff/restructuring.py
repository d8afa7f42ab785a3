"""Restructuring (sắp xếp tổ chức bộ máy, DOMAIN.md §1) as an operation with history kept.

A plan is a list of steps — merge agencies, split one, rename one, move a unit to another
agency, dissolve a unit — each effective from a date. ``plan_check`` names every problem of the
whole plan (with its step and field, or its spreadsheet row); ``plan_apply`` carries it out all
or nothing, records a ``Restructuring`` per step with its legal decision and an audit entry, and
tells the floors above through ``staff.signals.restructured``.

The rules this module applies where the law leaves it open:

- **A unit keeps its identity.** Merging or splitting moves whole units (with their sub-units,
  their people and their managers' roles) into the successor agency; a unit's code and name do
  not change. People change unit only when theirs is dissolved: then a ``Transfer`` records it.
- **The past does not move.** Every evaluation already opened recorded the agency and unit it
  was opened under, so closed periods and their dashboard snapshots keep the agency as it was.
  An effective date inside (or before the end of) a closed period is refused. Unsigned
  evaluations of a period still open follow their people to the successor (the workflow's
  receiver); signed ones stay with the agency whose head signed them.
- **The date is the decision's**: on or before today (like a transfer: ``staff.unit`` is "now",
  nothing would flip a future date later), after the agency or unit began.
- A merged or split agency ends the day before the effective date, and so do the roles scoped to
  it (head, delegate, HR); the successor's own roles are granted as usual.
- **Lineage**: each merged agency → its successor, a split agency → each new part
  (``AgencySuccession``), read by the dashboards' trends, the ranking's change and the PAR feed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from staff import audit
from staff.access import scope_for
from staff.lib.text import bilingual
from staff.models import (
    Agency,
    AgencySuccession,
    AgencyType,
    Province,
    Restructuring,
    RestructuringKind,
    RoleAssignment,
    StaffMember,
    Transfer,
    Unit,
)
from staff.signals import restructured, restructuring_checked

# --- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewAgency:
    """An agency the plan creates (the merged one, or a part of a split)."""

    code: str
    name: str
    agency_type: str
    name_en: str = ""


@dataclass
class Step:
    """One restructuring decision. Which fields matter depends on ``kind``:

    merge          ``agencies`` (the merged ones) → ``target`` (existing code, or ``new``)
    split          ``agencies`` = [the one split]; ``units``: top-level unit code → target code;
                   ``new``: the parts that do not exist yet
    rename         ``agencies`` = [the one renamed]; ``name`` (and ``name_en``)
    move_unit      ``unit`` → ``target``
    dissolve_unit  ``unit``; its people go to ``to_unit``
    """

    kind: str
    effective_on: dt.date
    reference: str
    agencies: list[str] = field(default_factory=list)
    target: str = ""
    new: list[NewAgency] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    unit: str = ""
    to_unit: str = ""
    name: str = ""
    name_en: str = ""
    note: str = ""
    row: int | None = None  # the spreadsheet row it came from, for the errors


@dataclass(frozen=True)
class Problem:
    """Why a plan cannot be carried out; ``path`` names the step and field (``steps[0].target``)
    or the spreadsheet row and column."""

    code: str
    message: str
    message_en: str
    path: str

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "path": self.path,
            "message": self.message,
            "message_en": self.message_en,
        }

    def __str__(self) -> str:
        return f"{self.path}: {bilingual(self.message, self.message_en)}"


class RestructuringRefused(Exception):
    """The plan has problems; nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = list(problems)


@dataclass
class Plan:
    """The steps, and what checking them resolved (agencies, units, the people concerned)."""

    steps: list[Step]
    agencies: dict[str, Agency] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # The new agencies' codes, as the check reaches the step that creates each one: a step may
    # only use an agency created by itself or an earlier step.
    created: set[str] = field(default_factory=set)

    def refuse(self, step_index: int, step: Step, field_name: str, code: str, vi: str, en: str):
        where = (
            f"row {step.row}.{field_name}"
            if step.row is not None
            else f"steps[{step_index}].{field_name}"
        )
        self.problems.append(Problem(code, vi, en, where))


# --- checking ---------------------------------------------------------------------------------


def plan_check(*, plan: Plan, user: Any) -> Plan:
    """Resolve the codes and name every problem of the plan (``plan.problems``); writes nothing.

    Checked: the caller is the province admin; each code exists (or is created by this plan);
    the date is neither in the future nor before what it changes; a split assigns every unit; no
    agency is both ended and a target, nor ended twice, nor merged into itself (a circle); a
    dissolved unit has no sub-unit left and its people a unit to go to; and whatever the floors
    above refuse (``restructuring_checked``: a date inside a closed period)."""
    if not scope_for(user).is_province_admin():
        plan.problems.append(
            Problem(
                "forbidden",
                _("Chỉ quản trị cấp tỉnh (Sở Nội vụ) được ghi nhận sắp xếp tổ chức"),
                "Only the province admin (Department of Home Affairs) records a restructuring",
                "",
            )
        )
        return plan
    _resolve(plan)
    ended: dict[str, int] = {}
    targets: dict[str, int] = {}
    today = timezone.localdate()
    plan.created = set()
    for i, step in enumerate(plan.steps):
        _check_common(plan, i, step, today)
        plan.created.update(n.code for n in step.new)
        checker = _CHECKS.get(step.kind)
        if checker is None:
            plan.refuse(
                i, step, "kind", "bad_choice", _("Loại sắp xếp không hợp lệ"), "Unknown kind"
            )
            continue
        checker(plan, i, step)
        for code in _ended_agencies(step):
            if code in ended:
                plan.refuse(
                    i,
                    step,
                    "agencies",
                    "overlap",
                    _("Cơ quan %(code)s đã được sắp xếp ở bước %(n)d của kế hoạch")
                    % {"code": code, "n": ended[code] + 1},
                    f"Agency {code} is already restructured by step {ended[code] + 1}",
                )
            ended.setdefault(code, i)
        for code in _target_agencies(step):
            targets.setdefault(code, i)
    for code, i in targets.items():
        if code in ended:
            step = plan.steps[i]
            plan.refuse(
                i,
                step,
                "target",
                "target_ended",
                _("Không thể sáp nhập vào cơ quan %(code)s vì chính cơ quan này bị sắp xếp")
                % {"code": code},
                f"Cannot merge into {code}: that agency is itself being restructured",
            )
    for receiver_problems in restructuring_checked.send(sender=Plan, plan=plan):
        plan.problems.extend(receiver_problems[1] or [])
    return plan


def _resolve(plan: Plan) -> None:
    codes = {c for s in plan.steps for c in (*s.agencies, s.target, *s.units.values()) if c}
    plan.agencies = {a.code: a for a in Agency.objects.filter(code__in=sorted(codes))}
    unit_codes = {c for s in plan.steps for c in (*s.units, s.unit, s.to_unit) if c}
    plan.units = {
        u.code: u for u in Unit.objects.filter(code__in=sorted(unit_codes)).select_related("agency")
    }


def _known_agency(plan: Plan, code: str) -> bool:
    """An agency that exists, or that this step or an earlier one creates."""
    return code in plan.agencies or code in plan.created


def _check_common(plan: Plan, i: int, step: Step, today: dt.date) -> None:
    if not step.reference.strip():
        plan.refuse(
            i,
            step,
            "reference",
            "required",
            _("Bắt buộc ghi số, ngày của quyết định sắp xếp"),
            "The decision's number and date are required",
        )
    if step.effective_on > today:
        plan.refuse(
            i,
            step,
            "effective_on",
            "future_date",
            _("Chỉ ghi nhận khi quyết định đã có hiệu lực (ngày %(d)s còn ở phía trước)")
            % {"d": f"{step.effective_on:%d/%m/%Y}"},
            f"Record it once the decision is in force ({step.effective_on:%Y-%m-%d} is ahead)",
        )
    for code in step.agencies:
        agency = plan.agencies.get(code)
        if agency is None:
            plan.refuse(
                i,
                step,
                "agencies",
                "not_found",
                _("Không có cơ quan mã %(code)s") % {"code": code},
                f"No agency with code {code}",
            )
        elif not agency.is_active or agency.valid_to is not None:
            plan.refuse(
                i,
                step,
                "agencies",
                "agency_ended",
                _("Cơ quan %(code)s đã thôi hoạt động") % {"code": code},
                f"Agency {code} no longer exists",
            )
        elif step.effective_on <= agency.valid_from:
            plan.refuse(
                i,
                step,
                "effective_on",
                "before_start",
                _("Ngày hiệu lực phải sau ngày cơ quan %(code)s bắt đầu hoạt động")
                % {"code": code},
                f"The effective date must come after agency {code} began",
            )
    for new in step.new:
        if new.code in plan.created:
            plan.refuse(
                i,
                step,
                "new",
                "duplicate",
                _("Cơ quan mới mã %(code)s đã được tạo ở một bước trước") % {"code": new.code},
                f"New agency {new.code} is already created by an earlier step",
            )
        if new.code in plan.agencies:
            plan.refuse(
                i,
                step,
                "new",
                "duplicate",
                _("Mã cơ quan %(code)s đã tồn tại") % {"code": new.code},
                f"Agency code {new.code} already exists",
            )
        if not AgencyType.objects.filter(code=new.agency_type).exists():
            plan.refuse(
                i,
                step,
                "new",
                "not_found",
                _("Không có loại cơ quan mã %(code)s") % {"code": new.agency_type},
                f"No agency type with code {new.agency_type}",
            )
        if not new.name.strip():
            plan.refuse(
                i, step, "new", "required", _("Bắt buộc nhập tên cơ quan mới"), "Name required"
            )


def _refuse_unknown_target(plan: Plan, i: int, step: Step, field_name: str, code: str) -> None:
    """The receiving agency neither exists nor is created by this or an earlier step."""
    plan.refuse(
        i,
        step,
        field_name,
        "not_found",
        _("Không có cơ quan tiếp nhận mã %(code)s") % {"code": code or "—"},
        f"No receiving agency with code {code or '—'}",
    )


def _check_merge(plan: Plan, i: int, step: Step) -> None:
    if len(step.agencies) < 1:
        plan.refuse(
            i,
            step,
            "agencies",
            "required",
            _("Cần ít nhất một cơ quan được sáp nhập"),
            "At least one agency to merge",
        )
    if not step.target or not _known_agency(plan, step.target):
        _refuse_unknown_target(plan, i, step, "target", step.target)
    if step.target in step.agencies:
        plan.refuse(
            i,
            step,
            "target",
            "circular",
            _("Cơ quan %(code)s không thể sáp nhập vào chính nó") % {"code": step.target},
            f"Agency {step.target} cannot be merged into itself",
        )


def _check_split(plan: Plan, i: int, step: Step) -> None:
    if len(step.agencies) != 1:
        plan.refuse(
            i, step, "agencies", "required", _("Chia tách một cơ quan mỗi lần"), "Split one agency"
        )
        return
    source = plan.agencies.get(step.agencies[0])
    if source is None:
        return
    top = Unit.objects.filter(agency=source, parent__isnull=True, valid_to__isnull=True)
    missing = sorted(u.code for u in top if u.code not in step.units)
    if missing:
        plan.refuse(
            i,
            step,
            "units",
            "unit_unassigned",
            _("Các đơn vị chưa được giao cho cơ quan nào: %(codes)s")
            % {"codes": ", ".join(missing)},
            f"Units not assigned to any agency: {', '.join(missing)}",
        )
    for unit_code, target in step.units.items():
        unit = plan.units.get(unit_code)
        if unit is None or unit.agency_id != source.pk:
            plan.refuse(
                i,
                step,
                f"units.{unit_code}",
                "not_found",
                _("Đơn vị %(code)s không thuộc cơ quan %(agency)s")
                % {"code": unit_code, "agency": source.code},
                f"Unit {unit_code} is not in agency {source.code}",
            )
        if not _known_agency(plan, target) or target == source.code:
            _refuse_unknown_target(plan, i, step, f"units.{unit_code}", target)


def _check_rename(plan: Plan, i: int, step: Step) -> None:
    if len(step.agencies) != 1:
        plan.refuse(
            i, step, "agencies", "required", _("Đổi tên một cơ quan mỗi lần"), "Rename one agency"
        )
    if not step.name.strip():
        plan.refuse(
            i, step, "name", "required", _("Bắt buộc nhập tên mới"), "A new name is required"
        )
        return
    agency = plan.agencies.get(step.agencies[0]) if step.agencies else None
    if (
        agency is not None
        and agency.name == step.name.strip()
        and (not step.name_en.strip() or agency.name_en == step.name_en.strip())
    ):
        # A decision posted twice must not be recorded twice.
        plan.refuse(
            i,
            step,
            "name",
            "unchanged",
            _("Cơ quan %(code)s đã mang tên này") % {"code": agency.code},
            f"Agency {agency.code} already has this name",
        )


def _check_unit(plan: Plan, i: int, step: Step) -> Unit | None:
    unit = plan.units.get(step.unit)
    if unit is None or unit.valid_to is not None:
        plan.refuse(
            i,
            step,
            "unit",
            "not_found",
            _("Không có đơn vị đang hoạt động mã %(code)s") % {"code": step.unit or "—"},
            f"No unit in service with code {step.unit or '—'}",
        )
        return None
    if step.effective_on <= unit.valid_from:
        plan.refuse(
            i,
            step,
            "effective_on",
            "before_start",
            _("Ngày hiệu lực phải sau ngày đơn vị %(code)s bắt đầu hoạt động")
            % {"code": unit.code},
            f"The effective date must come after unit {unit.code} began",
        )
    return unit


def _check_move_unit(plan: Plan, i: int, step: Step) -> None:
    unit = _check_unit(plan, i, step)
    if not _known_agency(plan, step.target):
        _refuse_unknown_target(plan, i, step, "target", step.target)
    elif unit is not None and unit.agency.code == step.target:
        plan.refuse(
            i,
            step,
            "target",
            "same_agency",
            _("Đơn vị đã thuộc cơ quan %(code)s") % {"code": step.target},
            f"The unit already belongs to {step.target}",
        )


def _check_dissolve_unit(plan: Plan, i: int, step: Step) -> None:
    unit = _check_unit(plan, i, step)
    if unit is None:
        return
    children = list(
        Unit.objects.filter(parent=unit, valid_to__isnull=True).values_list("code", flat=True)
    )
    dissolved_too = {s.unit for s in plan.steps if s.kind == RestructuringKind.DISSOLVE_UNIT}
    moved_too = {s.unit for s in plan.steps if s.kind == RestructuringKind.MOVE_UNIT}
    left = sorted(set(children) - dissolved_too - moved_too)
    if left:
        plan.refuse(
            i,
            step,
            "unit",
            "unit_left_without_parent",
            _("Đơn vị %(code)s còn đơn vị trực thuộc: %(codes)s (chuyển hoặc giải thể trước)")
            % {"code": unit.code, "codes": ", ".join(left)},
            f"Unit {unit.code} still has sub-units: {', '.join(left)} (move or dissolve them)",
        )
    has_people = StaffMember.objects.active(step.effective_on).filter(unit=unit).exists()
    target = plan.units.get(step.to_unit)
    if has_people and (target is None or target.valid_to is not None or target.pk == unit.pk):
        plan.refuse(
            i,
            step,
            "to_unit",
            "person_left_without_unit",
            _("Cần chọn đơn vị tiếp nhận cán bộ của đơn vị %(code)s") % {"code": unit.code},
            f"Choose the unit that takes the staff of unit {unit.code}",
        )


_CHECKS = {
    RestructuringKind.MERGE: _check_merge,
    RestructuringKind.SPLIT: _check_split,
    RestructuringKind.RENAME: _check_rename,
    RestructuringKind.MOVE_UNIT: _check_move_unit,
    RestructuringKind.DISSOLVE_UNIT: _check_dissolve_unit,
}


def _ended_agencies(step: Step) -> list[str]:
    if step.kind in (RestructuringKind.MERGE, RestructuringKind.SPLIT):
        return list(step.agencies)
    return []


def _target_agencies(step: Step) -> list[str]:
    if step.kind in (RestructuringKind.MERGE, RestructuringKind.MOVE_UNIT):
        return [step.target] if step.target else []
    if step.kind == RestructuringKind.SPLIT:
        return sorted(set(step.units.values()))
    return []


# --- carrying it out --------------------------------------------------------------------------


@dataclass
class Moves:
    """What one step changed, for the receivers and the record."""

    agency_of_unit: dict[int, int] = field(default_factory=dict)  # unit id → new agency id
    staff_agency: dict[int, int] = field(default_factory=dict)  # staff id → new agency id
    staff_unit: dict[int, int] = field(default_factory=dict)  # staff id → new unit id
    successions: list[tuple[int, int]] = field(default_factory=list)


def plan_preview(*, plan: Plan, user: Any) -> dict[str, Any]:
    """The preview a page or the API shows before confirming: the problems, or per step what
    would change (units, people, agencies ended and created). Writes nothing."""
    plan_check(plan=plan, user=user)
    return {
        "ok": not plan.problems,
        "problems": [p.as_dict() for p in plan.problems],
        "steps": [] if plan.problems else [_step_preview(plan, s) for s in plan.steps],
    }


def _step_preview(plan: Plan, step: Step) -> dict[str, Any]:
    units = _units_moved(plan, step)
    people = StaffMember.objects.active(step.effective_on).filter(unit__in=[u.pk for u in units])
    if step.kind == RestructuringKind.DISSOLVE_UNIT:
        people = StaffMember.objects.active(step.effective_on).filter(unit__code=step.unit)
    return {
        "kind": step.kind,
        "effective_on": step.effective_on.isoformat(),
        "reference": step.reference,
        "ended": _ended_agencies(step),
        "created": [n.code for n in step.new],
        "units_moved": len(units),
        "people_moved": people.count(),
    }


def _units_moved(plan: Plan, step: Step) -> list[Unit]:
    """The units (with their sub-units) the step gives another agency."""
    if step.kind == RestructuringKind.MERGE:
        codes = [a for a in step.agencies if a in plan.agencies]
        return list(Unit.objects.filter(agency__code__in=codes, valid_to__isnull=True))
    if step.kind == RestructuringKind.SPLIT:
        paths = [plan.units[c].path for c in step.units if c in plan.units]
        return _subtrees(paths)
    if step.kind == RestructuringKind.MOVE_UNIT and step.unit in plan.units:
        return _subtrees([plan.units[step.unit].path])
    return []


def _subtrees(paths: Iterable[str]) -> list[Unit]:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return list(Unit.objects.filter(q, valid_to__isnull=True))


def plan_apply(*, plan: Plan, user: Any) -> list[Restructuring]:
    """Carry out every step, all or nothing; raise ``RestructuringRefused`` (nothing written)
    when the plan has problems. Returns the records, one per step."""
    with transaction.atomic():
        # Checked inside the transaction, on rows locked against a concurrent change (every
        # named agency's row: ``exists()`` would lock one at most).
        codes = sorted({c for s in plan.steps for c in (*s.agencies, s.target) if c})
        list(Agency.objects.select_for_update().filter(code__in=codes).values_list("pk"))
        plan_check(plan=plan, user=user)
        if plan.problems:
            raise RestructuringRefused(plan.problems)
        records = []
        for step in plan.steps:
            records.append(_apply_step(plan, step, user))
    return records


def _apply_step(plan: Plan, step: Step, user: Any) -> Restructuring:
    _create_new_agencies(plan, step)
    moves = Moves()
    summary: dict[str, Any]
    if step.kind == RestructuringKind.RENAME:
        agency = plan.agencies[step.agencies[0]]
        summary = {"before": {"name": agency.name, "name_en": agency.name_en}}
        agency.name, agency.name_en = step.name.strip(), step.name_en.strip() or agency.name_en
        agency.save(update_fields=["name", "name_en"])
        summary["after"] = {"name": agency.name, "name_en": agency.name_en}
    elif step.kind == RestructuringKind.DISSOLVE_UNIT:
        summary = _dissolve_unit(plan, step, user, moves)
    else:
        summary = _move_units(plan, step, moves)
    record = Restructuring.objects.create(
        kind=step.kind,
        effective_on=step.effective_on,
        reference=step.reference.strip(),
        note=step.note,
        summary=summary,
        recorded_by=user if getattr(user, "pk", None) else None,
    )
    for predecessor_id, successor_id in moves.successions:
        AgencySuccession.objects.create(
            predecessor_id=predecessor_id,
            successor_id=successor_id,
            effective_on=step.effective_on,
            restructuring=record,
        )
    for agency_id in _audited_agencies(plan, step):
        audit.record(
            f"org.{step.kind}",
            actor=user,
            agency=agency_id,
            obj=record,
            after={"effective_on": step.effective_on, **summary},
            reason=record.reference,
        )
    restructured.send(sender=Restructuring, plan=plan, step=step, moves=moves, actor=user)
    return record


def _create_new_agencies(plan: Plan, step: Step) -> None:
    if not step.new:
        return
    province = _province(plan)
    types = {
        t.code: t for t in AgencyType.objects.filter(code__in=[n.agency_type for n in step.new])
    }
    for new in step.new:
        plan.agencies[new.code] = Agency.objects.create(
            province=province,
            code=new.code,
            name=new.name.strip(),
            name_en=new.name_en,
            agency_type=types[new.agency_type],
            valid_from=step.effective_on,
        )


def _province(plan: Plan) -> Province:
    """The province of what the plan touches (a new agency belongs to it): of an agency it
    names, else of a unit it moves, else the installation's one province."""
    for agency in plan.agencies.values():
        if agency.pk is not None:
            return agency.province
    for unit in plan.units.values():
        return unit.agency.province
    return Province.objects.order_by("pk").first()


def _move_units(plan: Plan, step: Step, moves: Moves) -> dict[str, Any]:
    """Merge, split and moving a unit: whole units change agency, with their people."""
    if step.kind == RestructuringKind.SPLIT:
        for code, target in step.units.items():
            for unit in _subtrees([plan.units[code].path]):
                moves.agency_of_unit[unit.pk] = plan.agencies[target].pk
    else:
        target_id = plan.agencies[step.target].pk
        for unit in _units_moved(plan, step):
            moves.agency_of_unit[unit.pk] = target_id
    by_agency: dict[int, list[int]] = {}
    for unit_id, agency_id in moves.agency_of_unit.items():
        by_agency.setdefault(agency_id, []).append(unit_id)
    for agency_id, unit_ids in by_agency.items():
        Unit.objects.filter(pk__in=unit_ids).update(agency_id=agency_id)
        # Unit-scoped roles (managers) follow their unit.
        RoleAssignment.objects.filter(unit_id__in=unit_ids).update(agency_id=agency_id)
        for staff_id in StaffMember.objects.filter(unit_id__in=unit_ids).values_list(
            "pk", flat=True
        ):
            moves.staff_agency[staff_id] = agency_id
        StaffMember.objects.filter(unit_id__in=unit_ids).update(agency_id=agency_id)
    ended = [plan.agencies[c] for c in _ended_agencies(step)]
    for agency in ended:
        _end_agency(agency, step.effective_on)
        for successor in sorted({plan.agencies[t].pk for t in _target_agencies(step)}):
            moves.successions.append((agency.pk, successor))
    units = {u.pk: u.code for u in Unit.objects.filter(pk__in=list(moves.agency_of_unit))}
    codes = {a.pk: a.code for a in plan.agencies.values()}
    return {
        "ended": [a.code for a in ended],
        "created": [n.code for n in step.new],
        "units": {units[u]: codes[a] for u, a in sorted(moves.agency_of_unit.items())},
        "people": len(moves.staff_agency),
    }


def _end_agency(agency: Agency, effective_on: dt.date) -> None:
    """The day before the decision is the agency's last; so is that of the roles scoped to it."""
    last_day = effective_on - dt.timedelta(days=1)
    agency.valid_to, agency.is_active = last_day, False
    agency.save(update_fields=["valid_to", "is_active"])
    RoleAssignment.objects.filter(
        agency=agency, unit__isnull=True, valid_from__lte=last_day
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=last_day)).update(valid_to=last_day)


def _dissolve_unit(plan: Plan, step: Step, user: Any, moves: Moves) -> dict[str, Any]:
    unit = plan.units[step.unit]
    target = plan.units.get(step.to_unit)
    people = list(StaffMember.objects.active(step.effective_on).filter(unit=unit))
    if people:
        assert target is not None  # plan_check refused a unit's people without a target
        Transfer.objects.bulk_create(
            Transfer(
                staff=person,
                from_unit=unit,
                to_unit=target,
                effective_on=step.effective_on,
                reason=step.reference,
                recorded_by=user if getattr(user, "pk", None) else None,
            )
            for person in people
        )
        StaffMember.objects.filter(pk__in=[p.pk for p in people]).update(
            unit=target, agency_id=target.agency_id
        )
        for person in people:
            moves.staff_unit[person.pk] = target.pk
            moves.staff_agency[person.pk] = target.agency_id
    last_day = step.effective_on - dt.timedelta(days=1)
    Unit.objects.filter(pk=unit.pk).update(valid_to=last_day)
    RoleAssignment.objects.filter(unit=unit, valid_from__lte=last_day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=last_day)
    ).update(valid_to=last_day)
    return {
        "unit": unit.code,
        "to_unit": target.code if target else "",
        "people": len(people),
    }


def _audited_agencies(plan: Plan, step: Step) -> list[int]:
    """Each agency concerned gets the entry in its own chain (the sources and the targets)."""
    codes = [*step.agencies, *_target_agencies(step)]
    if step.unit and step.unit in plan.units:
        codes.append(plan.units[step.unit].agency.code)
    return sorted({plan.agencies[c].pk for c in codes if c in plan.agencies})


# --- reading ----------------------------------------------------------------------------------


def agency_predecessors(agency: Agency | int) -> list[AgencySuccession]:
    """Every agency that became (part of) this one, directly or through earlier mergers,
    nearest first; each with the date it did."""
    found: list[AgencySuccession] = []
    frontier = [agency.pk if isinstance(agency, Agency) else agency]
    seen: set[int] = set(frontier)
    while frontier:
        rows = list(
            AgencySuccession.objects.filter(successor_id__in=frontier)
            .select_related("predecessor")
            .order_by("-effective_on", "predecessor__code")
        )
        frontier = [r.predecessor_id for r in rows if r.predecessor_id not in seen]
        seen.update(frontier)
        found += rows
    return found


def restructuring_list() -> list[Restructuring]:
    """Every recorded restructuring, newest first (the inspector and the province admin)."""
    return list(
        Restructuring.objects.select_related("recorded_by").order_by("-effective_on", "-id")
    )
