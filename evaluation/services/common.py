"""Helpers shared by the workflow services: locking, versions, validation, recipients."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from evaluation.errors import WorkflowError, stale, wrong_state
from evaluation.models import Evaluation, Period, PeriodStatus
from staff.models import APPROVER_ROLES, Role, RoleAssignment

MAX_POINTS_PLACES = 2

# Set only by server-side scripts (the demo builder): no web sign-in, no second factor to check.
_second_factor_waived: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "second_factor_waived", default=False
)


@contextlib.contextmanager
def second_factor_waived() -> Iterator[None]:
    """For management commands run by an operator on the server, which act as approvers with
    no request at all. Never used by a view."""
    token = _second_factor_waived.set(True)
    try:
        yield
    finally:
        _second_factor_waived.reset(token)


def require_verified(user: Any) -> None:
    """Approving, publishing, lifting a quota and resolving an appeal need a sign-in that passed
    the second factor (django-otp, docs/security.md). django-otp's middleware gives the signed-in
    user ``is_verified()``; a user object from anywhere else (Basic auth, a shell) has none and
    is refused."""
    if _second_factor_waived.get():
        return
    is_verified = getattr(user, "is_verified", None)
    if callable(is_verified) and is_verified():
        return
    raise WorkflowError(
        "otp_required",
        "Thao tác này cần xác thực hai lớp: hãy nhập mã từ ứng dụng xác thực "
        "(/accounts/otp/verify/) rồi thử lại",
        "This action needs two-factor sign-in: enter the code from your authenticator app "
        "(/accounts/otp/verify/) and try again",
        status=403,
    )


# The rows an evaluation's page and API detail show with it: the lock reads them in the same
# statement, so the answer to a workflow step needs no second read of the evaluation.
DETAIL_RELATIONS = ("period", "staff", "agency", "unit", "duty_group", "manager", "template")


def lock_evaluation(evaluation: Evaluation | int) -> Evaluation:
    """Re-read the evaluation under a row lock (its own row only); transitions re-check its
    state after this."""
    pk = evaluation.pk if isinstance(evaluation, Evaluation) else evaluation
    return (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related(*DETAIL_RELATIONS)
        .get(pk=pk)
    )


def check_version(evaluation: Evaluation, version: int | None) -> None:
    """Optimistic concurrency: a save based on an old version is refused with 409."""
    if version is not None and version != evaluation.version:
        raise stale(evaluation.version)


def require_status(
    evaluation: Evaluation, allowed: tuple[str, ...], action_vi: str, action_en: str
) -> None:
    if evaluation.status not in allowed:
        raise wrong_state(evaluation.get_status_display(), action_vi, action_en)


def require_open_period(evaluation: Evaluation) -> None:
    if evaluation.period.status != PeriodStatus.OPEN:
        raise WorkflowError(
            "period_closed",
            f"Kỳ {evaluation.period.label} đã khóa: chỉ thay đổi được qua quyết định giải quyết "
            "kiến nghị",
            f"Period {evaluation.period.label} is closed: only an appeal decision changes it",
            path="period",
            status=409,
        )


def lock_for_step(
    evaluation: Evaluation | int,
    *,
    statuses: tuple[str, ...],
    action: tuple[str, str],
    version: int | None = None,
    open_period: bool = True,
) -> Evaluation:
    """The guard every step on one evaluation passes, inside the step's transaction: the row
    re-read under its lock, the version the caller saw (409 when stale), the period still open
    (DOMAIN.md §6: after close only an appeal decision changes anything), and a status the step
    may start from. ``action`` is the step's name in Vietnamese and English, for the refusal.
    Who may take the step is checked before, by the caller's scope, with the step's own message.
    """
    locked = lock_evaluation(evaluation)
    check_version(locked, version)
    if open_period:
        require_open_period(locked)
    require_status(locked, statuses, *action)
    return locked


def require_period_open(period: Period) -> None:
    """A closed period changes only through an appeal decision (DOMAIN.md §6)."""
    if period.status != PeriodStatus.OPEN:
        raise WorkflowError(
            "period_closed",
            f"Kỳ {period.label} đã khóa",
            f"Period {period.label} is closed",
            status=409,
        )


def require_reason(reason: str | None, path: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise WorkflowError(
            "reason_required",
            "Bắt buộc ghi rõ lý do",
            "A reason is required",
            path=path,
        )
    return text


def parse_points(value: Any, *, path: str, maximum: Decimal | None, places: int = 2) -> Decimal:
    """A number of points within [0, maximum] with at most ``places`` decimals."""
    if isinstance(value, bool) or value is None:
        raise WorkflowError("not_a_number", "Phải là một số", "Must be a number", path=path)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise WorkflowError(
            "not_a_number", "Phải là một số", "Must be a number", path=path
        ) from None
    if not number.is_finite() or number < 0:
        raise WorkflowError(
            "out_of_range",
            f"Phải từ 0 trở lên (đang là {value})",
            f"Must be 0 or more (got {value})",
            path=path,
        )
    if maximum is not None and number > maximum:
        raise WorkflowError(
            "over_maximum",
            f"Vượt mức tối đa {maximum} (đang là {value})",
            f"Exceeds the maximum {maximum} (got {value})",
            path=path,
        )
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise WorkflowError(
            "too_many_decimals",
            f"Chỉ được có tối đa {places} chữ số thập phân",
            f"At most {places} decimal places",
            path=path,
        )
    return number


def agency_role_users(agency_ids: Iterable[int], roles: Iterable[str]) -> dict[int, list[Any]]:
    """Active users currently holding one of ``roles`` in each agency, by agency id (one
    query for any number of agencies; a user holding two of the roles is listed once)."""
    users: dict[int, dict[int, Any]] = {}
    assignments = (
        RoleAssignment.objects.current()
        .filter(agency_id__in=list(agency_ids), role__in=list(roles), user__is_active=True)
        .select_related("user")
        .order_by("agency_id", "user_id")
    )
    for assignment in assignments:
        users.setdefault(assignment.agency_id, {})[assignment.user_id] = assignment.user
    return {agency_id: list(by_id.values()) for agency_id, by_id in users.items()}


def approver_users(agency_id: int) -> list[Any]:
    """Users who currently head the agency or act as the head's delegate."""
    return agency_role_users([agency_id], APPROVER_ROLES).get(agency_id, [])


def province_approver_users() -> list[Any]:
    """Users who currently rate and sign the heads of agencies (DOMAIN.md §1)."""
    assignments = (
        RoleAssignment.objects.current()
        .filter(role=Role.PROVINCE_APPROVER, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )
    return list({a.user_id: a.user for a in assignments}.values())
