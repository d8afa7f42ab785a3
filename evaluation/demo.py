"""The demo months: real evaluations in the demo province, made by the real services.

``build_demo_months(seed=, today=)`` runs after ``staff.demo.build_demo_province`` (``seed_demo``
calls both) and:

1. loads the standard rule sets (``load_standard_rules``: new versions only) and maps who is
   rated under which, by agency type and staff category (``DEMO_COVERAGE``): công chức and
   cán bộ under ND335-2025, viên chức under ND90-VC, người lao động under NLD-MAU — so a
   department with viên chức or workers holds evaluations under two or three rule sets at
   once, each rule set with its own periods; ND90-VC's latest version (v2, Decree 90/48) rates
   by year, by conditions, so viên chức have the year instead of months;
2. gives every demo staff member an account (unusable password: only the demo logins of
   ``staff.demo.LOGINS`` have one) and the roles the workflow needs — the manager role for
   whoever has direct reports, the head and the head's delegate of each agency (the heads
   themselves are rated and signed by the demo's province approver, ``pct``: DOMAIN.md §1);
3. takes the previous month (relative to ``today``) of every rule set through the whole
   cycle — products, self-assessment, manager scoring, approval unit by unit (leaders after
   their units), publication, one appeal, close — and opens the current month with about half
   the staff self-assessed and some of those already scored by their manager; a yearly rule
   set's year is opened and taken as far (about half have ticked the conditions they meet, a
   quarter are confirmed by their manager, who proposes the level from the ticks).

Every step goes through ``evaluation.services`` as the person whose step it is, so the demo
shows exactly what the application produces: audit trail, hash chains, notifications.

Deterministic: each person's month is drawn from ``random.Random(f"{seed}:{month}:{code}")``,
independent of the database and of everyone else. Idempotent: each evaluation only moves
forward from the state it is in, so a second run finds nothing left to do and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from evaluation.errors import WorkflowError
from evaluation.models import Appeal, Evaluation, Period, PeriodStatus, Status
from evaluation.services.appeals import appeal_file, appeal_resolve
from evaluation.services.approval import agency_publish, head_approve, unit_approve
from evaluation.services.common import second_factor_waived
from evaluation.services.period_close import period_close
from evaluation.services.periods import period_open
from evaluation.services.products import product_register, product_set_outcome
from evaluation.services.workflow import (
    evaluation_manager_score,
    evaluation_self_assess,
    uses_conditions,
)
from scoring.models import Criterion, RuleSet, RuleSetCoverage
from scoring.models import Status as RuleSetStatus
from scoring.selectors import template_conditions
from staff.access import head_of_agency_records, is_head_of_agency
from staff.demo import PROVINCE_CODE, VALID_FROM
from staff.models import (
    APPROVER_ROLES,
    Agency,
    Leadership,
    Restructuring,
    Role,
    RoleAssignment,
    StaffCategory,
    StaffMember,
    Unit,
)
from staff.restructuring import NewAgency, Plan, Step, plan_apply

DEMO_RULESET = "ND335-2025"
# Which rule set rates whom (DOMAIN.md §5), by staff category, for every demo agency type.
# ND335-2025 is rated under its latest published version (v2 of the standard rules).
DEMO_COVERAGE: dict[str, str] = {
    StaffCategory.CC: DEMO_RULESET,  # Decree 335 covers công chức
    StaffCategory.VC: "ND90-VC",  # viên chức stay under Decrees 90/48
    StaffCategory.NLD: "NLD-MAU",  # the agency's own regulation: the province's template
    # Elected cán bộ follow the Party's rules (366-QĐ/TW: quarterly, 100 points), which ship no
    # rule set here; the commune chairs are tracked meanwhile on Decree 335's 100-point form,
    # the nearest the standard rules have, so that their months are not left unrated.
    StaffCategory.CB: DEMO_RULESET,
}
DEMO_RULESETS = list(dict.fromkeys(DEMO_COVERAGE.values()))
# A leader's organising and unity percentages (Decree 335, DOMAIN.md §3) as the evaluator
# enters them, by tier; ignored under a template without leader components.
LEADER_COMPONENTS = {"excellent": 100, "good": 90, "completed": 70, "weak": 50}
ADMIN_LOGIN = "sonoivu"  # the province admin (Sở Nội vụ) opens and closes the demo months
# Under a conditions-based template (ND90-VC v2, Decree 90/48: levels by conditions, no points)
# the levels whose conditions a person of each tier meets; "weak" meets HTNV's but its last.
CONDITION_LEVELS = {
    "excellent": ("HTXSNV", "HTTNV", "HTNV"),
    "good": ("HTTNV", "HTNV"),
    "completed": ("HTNV",),
    "weak": ("HTNV",),
}

# tier, weight, self points per criterion, products (completed, major errors, delays)
TIERS: list[tuple[str, int]] = [("excellent", 22), ("good", 58), ("completed", 17), ("weak", 3)]
PRODUCT_TITLES = [
    "Báo cáo kết quả công tác tháng",
    "Tham mưu dự thảo văn bản chỉ đạo",
    "Thẩm định hồ sơ thủ tục hành chính",
    "Tổng hợp số liệu phục vụ giao ban",
    "Giải quyết hồ sơ của tổ chức, công dân",
    "Rà soát, cập nhật cơ sở dữ liệu chuyên ngành",
    "Chuẩn bị nội dung hội nghị chuyên đề",
    "Kiểm tra, hướng dẫn nghiệp vụ cơ sở",
    "Trả lời kiến nghị của cử tri",
    "Xây dựng kế hoạch triển khai nhiệm vụ quý",
]
SELF_COMMENTS = {
    "excellent": "Hoàn thành vượt tiến độ toàn bộ nhiệm vụ được giao.",
    "good": "Hoàn thành các nhiệm vụ được giao, có một việc còn chậm.",
    "completed": "Hoàn thành phần lớn nhiệm vụ; còn tồn tại cần khắc phục.",
    "weak": "Chưa hoàn thành một số nhiệm vụ do khối lượng lớn.",
}
MANAGER_COMMENTS = {
    "excellent": "Chủ động, sáng tạo, chất lượng cao.",
    "good": "Hoàn thành tốt nhiệm vụ.",
    "completed": "Cần nâng cao chất lượng và tiến độ.",
    "weak": "Chưa đáp ứng yêu cầu; cần chấn chỉnh.",
}


@dataclass(frozen=True)
class PersonMonth:
    """One person's month, drawn before anything is written."""

    tier: str
    products: tuple[tuple[str, bool, int, int], ...]
    self_scores: dict[str, int]
    manager_scores: dict[str, int]
    self_assesses: bool  # False: the manager scores without it (only after the deadline)
    progress: float  # current month: < 0.5 self-assessed, < 0.25 also manager-scored


def plan_person(*, seed: int, label: str, code: str, criteria: list[str]) -> PersonMonth:
    rng = random.Random(f"{seed}:{label}:{code}")
    tier = rng.choices([t for t, _ in TIERS], weights=[w for _, w in TIERS])[0]
    titles = rng.sample(PRODUCT_TITLES, 2)
    # One or two products each: enough to show the task score, and cheap to seed.
    if tier == "excellent":
        outcomes = [(True, 0, 0)] * rng.choice([1, 1, 2])
        points = dict.fromkeys(criteria, 5)
    elif tier == "good":
        flaw = rng.choice([(True, 1, 0), (True, 0, 1), (True, 1, 1)])
        outcomes = [flaw] + [(True, 0, 0)] * rng.choice([0, 0, 1])
        # Mostly below 90 by itself: ND335-2025 v2 caps excellence on the year only, so no
        # monthly quota moves a good month down.
        points = {c: rng.choice([3, 4, 5]) for c in criteria}
    elif tier == "completed":
        outcomes = [(False, 1, 1), (True, 0, 1)]
        points = {c: rng.choice([3, 4]) for c in criteria}
    else:
        outcomes = [(False, 2, 2)]
        points = {c: rng.choice([2, 3]) for c in criteria}
    # Managers mostly agree, sometimes a point lower (the "manager − self" gap of DOMAIN §7).
    manager = {c: max(0, p - (1 if rng.random() < 0.15 else 0)) for c, p in points.items()}
    return PersonMonth(
        tier=tier,
        products=tuple((t, *o) for t, o in zip(titles, outcomes, strict=False)),
        self_scores=points,
        manager_scores=manager,
        self_assesses=rng.random() >= 0.04,
        progress=rng.random(),
    )


def _month_label(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def _previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


# --- accounts and roles -------------------------------------------------------------------


def ensure_rules() -> None:
    """The standard rule sets: versions the database lacks are added, present ones kept."""
    call_command("load_standard_rules", verbosity=0)


def ensure_coverage(agencies: list[Agency]) -> int:
    """Each demo agency type maps every staff category to its rule set (``DEMO_COVERAGE``),
    unless a row for that type and category exists (a choice the province admin made in the
    admin is left alone, and so are rows naming one agency). Returns the rows created."""
    types = sorted({a.agency_type_id for a in agencies if a.agency_type_id})
    have = set(
        RuleSetCoverage.objects.filter(agency_type_id__in=types).values_list(
            "agency_type_id", "category"
        )
    )
    rows = [
        RuleSetCoverage(agency_type_id=type_id, category=category, ruleset_code=code)
        for type_id in types
        for category, code in DEMO_COVERAGE.items()
        if (type_id, category) not in have
    ]
    RuleSetCoverage.objects.bulk_create(rows)
    return len(rows)


def ensure_accounts(staff: list[StaffMember]) -> int:
    """An account for every demo staff member without one: username = staff code (lower case),
    no usable password — the services act as them; people log in with the demo logins."""
    user_model = get_user_model()
    missing = [m for m in staff if m.user_id is None]
    if not missing:
        return 0
    wanted = {m.code.lower(): m for m in missing}
    linked = set(StaffMember.objects.filter(user__isnull=False).values_list("user_id", flat=True))
    existing = {
        u.username: u for u in user_model.objects.filter(username__in=wanted) if u.pk not in linked
    }
    unusable = make_password(None)
    new = [
        user_model(username=name, password=unusable, is_active=True)
        for name in wanted
        if name not in existing
    ]
    user_model.objects.bulk_create(new, batch_size=500)
    users = {u.username: u for u in user_model.objects.filter(username__in=wanted)}
    for name, member in wanted.items():
        member.user = users[name]
    StaffMember.objects.bulk_update(missing, ["user"], batch_size=500)
    return len(new)


def ensure_roles(staff: list[StaffMember]) -> int:
    """The roles the workflow needs: the manager role for whoever has direct reports; the head
    of each agency (no manager, in the leadership unit); a delegate — the first deputy, or else
    the first person reporting to the head — who signs with the head, but never the head's own
    rating (the province approver's, DOMAIN.md §1)."""
    by_pk = {m.pk: m for m in staff}
    reports: dict[int, list[StaffMember]] = defaultdict(list)
    for member in staff:
        if member.manager_id in by_pk:
            reports[member.manager_id].append(member)
    have = set(
        RoleAssignment.objects.current()
        .filter(user_id__in=[m.user_id for m in staff if m.user_id])
        .values_list("user_id", "role", "agency_id")
    )
    have_any = {(user_id, role) for user_id, role, _ in have}
    delegates = {agency for _, role, agency in have if role == Role.HEAD_DELEGATE}
    rows: list[RoleAssignment] = []

    def grant(member: StaffMember, role: str, **scope: Any) -> None:
        if member.user_id is None:
            return
        if role == Role.MANAGER and (member.user_id, role) in have_any:
            return
        if (member.user_id, role, member.agency_id) in have:
            return
        rows.append(
            RoleAssignment(user_id=member.user_id, role=role, valid_from=VALID_FROM, **scope)
        )
        have.add((member.user_id, role, member.agency_id))
        have_any.add((member.user_id, role))

    for member in staff:
        if reports.get(member.pk):
            grant(member, Role.MANAGER, agency_id=member.agency_id, unit_id=member.unit_id)
    for head in _heads(staff):
        grant(head, Role.AGENCY_HEAD, agency_id=head.agency_id)
        if head.agency_id in delegates:
            continue
        under = sorted(reports.get(head.pk, []), key=lambda m: (m.unit_id != head.unit_id, m.code))
        if under:
            grant(under[0], Role.HEAD_DELEGATE, agency_id=head.agency_id)
            delegates.add(head.agency_id)
    RoleAssignment.objects.bulk_create(rows)
    return len(rows)


def _heads(staff: list[StaffMember]) -> list[StaffMember]:
    leadership_units = set(Unit.objects.filter(code__endswith="-LD").values_list("pk", flat=True))
    heads: dict[int, StaffMember] = {}
    for member in sorted(staff, key=lambda m: m.code):
        if member.manager_id is None and member.unit_id in leadership_units:
            heads.setdefault(member.agency_id, member)
    return list(heads.values())


# --- the months ---------------------------------------------------------------------------


class _Actors:
    """Who takes each step: the person, their manager (for the head of an agency, the province
    approver; for anyone else without a manager, the delegate or the head), and the agency's
    head and delegate."""

    def __init__(self, staff: list[StaffMember]) -> None:
        user_model = get_user_model()
        self.user_of_staff = {m.pk: m.user_id for m in staff}
        self.users = {
            u.pk: u
            for u in user_model.objects.filter(pk__in=[m.user_id for m in staff if m.user_id])
        }
        self.head: dict[int, Any] = {}
        self.delegate: dict[int, Any] = {}
        for ra in RoleAssignment.objects.current().filter(role__in=APPROVER_ROLES):
            user = self.users.get(ra.user_id) or user_model.objects.get(pk=ra.user_id)
            target = self.head if ra.role == Role.AGENCY_HEAD else self.delegate
            target.setdefault(ra.agency_id, user)
        # Who rates and signs the heads of agencies (DOMAIN.md §1).
        approver = (
            RoleAssignment.objects.current()
            .filter(role=Role.PROVINCE_APPROVER, user__is_active=True)
            .select_related("user")
            .order_by("user_id")
            .first()
        )
        self.province_approver: Any = approver.user if approver else None

    def person(self, evaluation: Evaluation) -> Any:
        return self.users.get(self.user_of_staff.get(evaluation.staff_id))

    def manager(self, evaluation: Evaluation) -> Any:
        if is_head_of_agency(evaluation):
            return self.province_approver
        if evaluation.manager_id is not None:
            return self.users.get(self.user_of_staff.get(evaluation.manager_id))
        delegate = self.delegate.get(evaluation.agency_id)
        head = self.head.get(evaluation.agency_id)
        person = self.person(evaluation)
        for user in (delegate, head):
            if user is not None and user != person:
                return user
        return None


def _ticked(evaluation: Evaluation, tier: str) -> list[str]:
    """The condition codes a person of ``tier`` meets under the evaluation's template: those
    of their levels that apply to them (Decree 90 lists the managers' and the others' apart)."""
    leads = evaluation.leadership not in ("", "none")
    codes = [
        c.code
        for c in template_conditions(evaluation.template)
        if c.level in CONDITION_LEVELS[tier]
        and (c.applies_to == "all" or (c.applies_to == "leaders") == leads)
    ]
    return codes[:-1] if tier == "weak" else codes


def _self_assess(evaluation: Evaluation, user: Any, plan: PersonMonth) -> None:
    if uses_conditions(evaluation):
        # Decree 90's year: the person ticks the conditions met, no points and no products.
        evaluation_self_assess(
            evaluation=evaluation,
            user=user,
            conditions=_ticked(evaluation, plan.tier),
            comment=SELF_COMMENTS[plan.tier],
            submit=True,
        )
        return
    products = list(evaluation.products.order_by("pk"))
    if not products:
        for title, *_outcome in plan.products:
            products.append(
                product_register(evaluation=evaluation, user=user, title=title, weight=1)
            )
    for product, (_title, completed, errors, delays) in zip(products, plan.products, strict=False):
        if product.completed is None:
            product_set_outcome(
                product=product,
                user=user,
                completed=completed,
                major_errors=errors,
                delays=delays,
            )
    evaluation_self_assess(
        evaluation=evaluation,
        user=user,
        scores=plan.self_scores,
        comment=SELF_COMMENTS[plan.tier],
        submit=True,
    )


def _manager_score(evaluation: Evaluation, user: Any, plan: PersonMonth) -> None:
    if uses_conditions(evaluation):
        # The manager ticks the conditions again, and the manager's count.
        evaluation_manager_score(
            evaluation=evaluation,
            user=user,
            fields={
                "manager_comment": MANAGER_COMMENTS[plan.tier],
                "conditions_met": _ticked(evaluation, plan.tier),
            },
            submit=True,
        )
        return
    if evaluation.status == Status.DRAFT and not evaluation.products.exists():
        # No self-assessment: the manager records the month's work and scores it.
        title, completed, errors, delays = plan.products[0]
        product = product_register(evaluation=evaluation, user=user, title=title)
        product_set_outcome(
            product=product, user=user, completed=completed, major_errors=errors, delays=delays
        )
    fields: dict[str, Any] = {"manager_comment": MANAGER_COMMENTS[plan.tier]}
    leader = evaluation.leadership in (Leadership.HEAD, Leadership.DEPUTY)
    if leader and evaluation.template.leader_components:
        fields["organising_percent"] = LEADER_COMPONENTS[plan.tier]
        fields["unity_percent"] = LEADER_COMPONENTS[plan.tier]
    evaluation_manager_score(
        evaluation=evaluation,
        user=user,
        scores=plan.manager_scores,
        fields=fields,
        submit=True,
    )


def _evaluations(period: Period) -> list[Evaluation]:
    return list(
        Evaluation.objects.filter(period=period)
        .select_related("staff", "period", "template")
        .order_by("staff__code")
    )


def _plans(period: Period, evaluations: list[Evaluation], seed: int) -> dict[int, PersonMonth]:
    maxima = dict(
        Criterion.objects.filter(template_id=period.ruleset.template_id)
        .order_by("order", "code")
        .values_list("code", "max_points")
    )
    criteria = list(maxima)
    plans = {
        e.pk: plan_person(seed=seed, label=period.label, code=e.staff.code, criteria=criteria)
        for e in evaluations
    }
    if all(m == 5 for m in maxima.values()):
        return plans

    # People are drawn on a 5-point scale per criterion; a template whose criteria weigh more
    # (ND90-VC: 6, NLD-MAU: 10) gets the same marks scaled to its own maxima.
    def scaled(points: dict[str, int]) -> dict[str, int]:
        return {c: int((p * maxima[c] / 5).to_integral_value()) for c, p in points.items()}

    return {
        pk: replace(
            plan, self_scores=scaled(plan.self_scores), manager_scores=scaled(plan.manager_scores)
        )
        for pk, plan in plans.items()
    }


def _leaders_last(evaluations: list[Evaluation]) -> list[Evaluation]:
    """People before the leaders who score them: reports first, by depth of management."""
    managers = {e.manager_id for e in evaluations if e.manager_id}
    return sorted(evaluations, key=lambda e: (e.staff_id in managers, e.staff.code))


def run_previous_month(*, period: Period, actors: _Actors, seed: int, admin: Any) -> dict[str, int]:
    """The whole cycle of a past month, from wherever it stands to closed."""
    counts = dict.fromkeys(
        ["self_assessed", "manager_scored", "approved", "published", "appeals"], 0
    )
    if period.status == PeriodStatus.CLOSED:
        return counts
    evaluations = _evaluations(period)
    plans = _plans(period, evaluations, seed)
    late = timezone.localdate() > period.self_assessment_due
    for evaluation in evaluations:
        plan, user = plans[evaluation.pk], actors.person(evaluation)
        if evaluation.status == Status.DRAFT and user and (plan.self_assesses or not late):
            _self_assess(evaluation, user, plan)
            counts["self_assessed"] += 1
    for evaluation in _leaders_last(_evaluations(period)):
        manager = actors.manager(evaluation)
        waiting = evaluation.status == Status.SELF_ASSESSED or (
            evaluation.status == Status.DRAFT and late
        )
        if waiting and manager is not None:
            _manager_score(evaluation, manager, plans[evaluation.pk])
            counts["manager_scored"] += 1
    counts["approved"] = _approve(period, actors)
    for agency_id in sorted({e.agency_id for e in evaluations}):
        head = actors.head.get(agency_id)
        ready = Evaluation.objects.filter(period=period, agency_id=agency_id)
        waiting = ready.filter(
            status__in=[Status.DRAFT, Status.SELF_ASSESSED, Status.MANAGER_SCORED]
        )
        if head is None or waiting.exists():
            continue
        if ready.filter(status=Status.APPROVED).exists():
            counts["published"] += agency_publish(
                period=period, agency=Agency.objects.get(pk=agency_id), user=head
            )
    counts["appeals"] = _one_appeal(period, actors)
    period_close(period=period, user=admin)
    return counts


def _approve(period: Period, actors: _Actors) -> int:
    """Unit by unit: the units first (deepest first), the leadership unit last; then each head
    of agency, signed by the province approver (DOMAIN.md §1)."""
    approved = 0
    pending = (
        Evaluation.objects.filter(period=period, status=Status.MANAGER_SCORED)
        .values_list("unit_id", flat=True)
        .distinct()
    )
    units = sorted(
        Unit.objects.filter(pk__in=pending).select_related("agency"),
        key=lambda u: (u.agency.code, u.code.endswith("-LD"), -u.path.count("/"), u.code),
    )
    for unit in units:
        for approver in (actors.head.get(unit.agency_id), actors.delegate.get(unit.agency_id)):
            left = Evaluation.objects.filter(period=period, unit=unit, status=Status.MANAGER_SCORED)
            if approver is None or not left.exists():
                continue
            if not left.exclude(staff__user=approver).exclude(head_of_agency_records()).exists():
                continue  # only the approver's own rating or the head's is left
            try:
                approved += len(unit_approve(period=period, unit=unit, user=approver))
            except WorkflowError:
                # A small demo province may lack someone's manager: that unit waits, as a
                # real one would; the rest of the month goes on.
                continue
    heads = Evaluation.objects.filter(
        head_of_agency_records(), period=period, status=Status.MANAGER_SCORED
    ).order_by("agency__code", "pk")
    for evaluation in heads if actors.province_approver is not None else []:
        try:
            head_approve(evaluation=evaluation, user=actors.province_approver)
        except WorkflowError:
            continue  # the head's reports are not all scored: the head waits, as in life
        approved += 1
    return approved


def _one_appeal(period: Period, actors: _Actors) -> int:
    """One person of the first agency asks for a second look; the head upholds the result.
    One appeal in the demo: in the công chức month."""
    if period.ruleset.code != DEMO_RULESET:
        return 0
    if Appeal.objects.filter(evaluation__period=period).exists():
        return 0
    candidate = (
        Evaluation.objects.filter(period=period, status=Status.PUBLISHED, final_level="HTTNV")
        .exclude(staff__user__username__in=["canbo", "truongphong", "giamdoc", "uyquyen"])
        .order_by("agency__code", "staff__code")
        .select_related("staff")
        .first()
    )
    if candidate is None:
        return 0
    head = actors.head.get(candidate.agency_id)
    person = actors.person(candidate)
    if head is None or person is None or head == person:
        return 0
    appeal = appeal_file(
        evaluation=candidate,
        user=person,
        reason="Đề nghị xem xét lại: tôi đã hoàn thành thêm nhiệm vụ đột xuất trong tháng.",
    )
    appeal_resolve(
        appeal=appeal,
        user=head,
        decision="uphold",
        reason="Nhiệm vụ đột xuất đã được tính trong kết quả; giữ nguyên mức xếp loại.",
    )
    return 1


def run_current_month(*, period: Period, actors: _Actors, seed: int) -> dict[str, int]:
    """A month in progress: about half self-assessed, a quarter already scored by the manager.
    The demo logins' own evaluations stay as drafts, for whoever tries the app."""
    counts = {"self_assessed": 0, "manager_scored": 0}
    evaluations = _evaluations(period)
    plans = _plans(period, evaluations, seed)
    keep_for_demo = set(
        get_user_model().objects.filter(username="canbo").values_list("pk", flat=True)
    )
    for evaluation in evaluations:
        plan, user = plans[evaluation.pk], actors.person(evaluation)
        if (
            evaluation.status == Status.DRAFT
            and plan.progress < 0.5
            and user is not None
            and user.pk not in keep_for_demo
        ):
            _self_assess(evaluation, user, plan)
            counts["self_assessed"] += 1
    for evaluation in _leaders_last(_evaluations(period)):
        manager = actors.manager(evaluation)
        if (
            evaluation.status == Status.SELF_ASSESSED
            and plans[evaluation.pk].progress < 0.25
            and manager is not None
        ):
            _manager_score(evaluation, manager, plans[evaluation.pk])
            counts["manager_scored"] += 1
    return counts


# The merger the demo records between its two months (the decision is the demo's, not a real one).
MERGED_CENTRES = ["TTXTDT", "TTXTDL"]
MERGED_INTO = NewAgency(
    code="TTXTDTTMDL",
    name="Trung tâm Xúc tiến Đầu tư, Thương mại và Du lịch thành phố",
    name_en="City Investment, Trade and Tourism Promotion Centre",
    agency_type="dvsn",
)
MERGER_REFERENCE = "Quyết định số 01/QĐ-UBND (demo) của UBND thành phố Đà Nẵng"


def ensure_demo_merger(*, admin: Any, first_day: dt.date) -> int:
    """Merge the two promotion centres into one from the first day of the current month, as a
    province records such a decision (staff.restructuring): the month just closed stays theirs,
    the month under way follows their people, and the new centre's dashboard shows its lineage.
    Once only: 0 when it is already recorded."""
    if Restructuring.objects.filter(reference=MERGER_REFERENCE).exists():
        return 0
    if Agency.objects.filter(code__in=MERGED_CENTRES, is_active=True).count() != 2:
        return 0  # a smaller demo without the centres
    step = Step(
        kind="merge",
        effective_on=first_day,
        reference=MERGER_REFERENCE,
        agencies=list(MERGED_CENTRES),
        target=MERGED_INTO.code,
        new=[MERGED_INTO],
    )
    return len(plan_apply(plan=Plan([step]), user=admin))


def _demo_staff(agencies: list[Agency]) -> list[StaffMember]:
    return list(
        StaffMember.objects.filter(agency__in=agencies)
        .only("pk", "code", "user_id", "manager_id", "agency_id", "unit_id")
        .order_by("code")
    )


def _open(label: str, admin: Any, code: str = DEMO_RULESET) -> tuple[Period, int]:
    existing = Period.objects.filter(ruleset__code=code, label=label).first()
    if existing is not None and existing.status == PeriodStatus.CLOSED:
        return existing, 0
    return period_open(ruleset_code=code, label=label, user=admin)


def _yearly(code: str) -> bool:
    """Whether the rule set's latest published version rates by year only (ND90-VC v2: Decree
    90's annual rating by conditions) — it has no months: the demo opens its year."""
    cycle = (
        RuleSet.objects.filter(code=code, status=RuleSetStatus.PUBLISHED)
        .order_by("-version")
        .values_list("cycle", flat=True)
        .first()
    )
    return cycle == "year"


def _add_counts(total: dict[str, Any], counts: dict[str, Any]) -> dict[str, Any]:
    for key, value in counts.items():
        if isinstance(value, int):
            total[key] = total.get(key, 0) + value
    return total


def build_demo_months(*, seed: int = 2026, today: dt.date | None = None) -> dict[str, Any]:
    """Fill the demo province with the previous month (done) and the current one (under way).
    Returns what it did; a second run returns zeros everywhere."""
    today = today or timezone.localdate()
    ensure_rules()
    # A command run on the server acts for the demo's heads: no web sign-in, no second factor.
    with transaction.atomic(), second_factor_waived():
        agencies = list(Agency.objects.filter(province__code=PROVINCE_CODE).order_by("code"))
        staff = _demo_staff(agencies)
        result: dict[str, Any] = {
            "coverage": ensure_coverage(agencies),
            "accounts": ensure_accounts(staff),
            "roles": ensure_roles(staff),
        }
        admin = get_user_model().objects.filter(username=ADMIN_LOGIN).first()
        actors = _Actors(staff)
        # One period per rule set and month; each goes through its own cycle (its own
        # approval, quota and publication), the previous month's before the merger.
        yearly = {code for code in DEMO_RULESETS if _yearly(code)}
        label = _month_label(_previous_month(today))
        result["previous"] = {"label": label, "rulesets": {}}
        for code in DEMO_RULESETS:
            if code in yearly:
                continue  # no months: its year is under way below
            previous, opened = _open(label, admin, code)
            counts = {"opened": opened}
            counts |= run_previous_month(period=previous, actors=actors, seed=seed, admin=admin)
            result["previous"]["rulesets"][code] = counts
            _add_counts(result["previous"], counts)
        result["merger"] = ensure_demo_merger(admin=admin, first_day=today.replace(day=1))
        if result["merger"]:
            # The new centre needs its head and delegate before its month opens.
            agencies = list(Agency.objects.filter(province__code=PROVINCE_CODE).order_by("code"))
            staff = _demo_staff(agencies)
            result["roles"] += ensure_roles(staff)
            actors = _Actors(staff)
        label = _month_label(today)
        result["current"] = {"label": label, "rulesets": {}}
        for code in DEMO_RULESETS:
            # A yearly rule set's year is under way (the daily job opens it on 1 November):
            # about half ticked by the person, a quarter by the manager too.
            current, opened = _open(f"{today:%Y}" if code in yearly else label, admin, code)
            counts = {"opened": opened}
            counts |= run_current_month(period=current, actors=actors, seed=seed)
            result["current"]["rulesets"][code] = counts
            _add_counts(result["current"], counts)
    return result
