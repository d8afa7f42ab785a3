"""DOMAIN.md §7: people who keep failing are raised to the head and HR without waiting."""

from __future__ import annotations

from evaluation.models import EarlyWarning, Notification
from evaluation.services.approval import unit_approve
from evaluation.services.common import agency_role_users, approver_users
from evaluation.services.period_close import period_close
from evaluation.services.warnings import warnings_for_period
from staff.models import APPROVER_ROLES, Role
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import manager_score, open_month, self_assess


def run_month(month, label, failing=()):
    period = open_month(month, label)
    for name in STAFF_NAMES:
        self_assess(month, name, period)
        extra = {"discipline": "reprimand"} if name in failing else {}
        manager_score(month, "bob", name, period, **extra)
    self_assess(month, "bob", period)
    manager_score(month, "dave", "bob", period)
    unit_approve(period=period, unit=month.planning, user=month.user("alice"))
    period_close(period=period, user=month.user("sam"))
    return period


def test_khtnv_two_months_running_warns_the_head_and_hr(month):
    run_month(month, "2026-08", failing=("Sơn", "Tâm"))
    assert not EarlyWarning.objects.exists()  # one month is not yet a pattern
    september = run_month(month, "2026-09", failing=("Sơn",))
    (warning,) = EarlyWarning.objects.all()
    assert (warning.staff, warning.kind, warning.period) == (
        month.staff["Sơn"],
        "two_consecutive",
        september,
    )
    assert warning.months == ["2026-08", "2026-09"]
    recipients = set(
        Notification.objects.filter(kind="warning").values_list("recipient__username", flat=True)
    )
    assert recipients == {"alice", "dave", "huong"}  # head, delegate, HR — nobody else


def test_three_in_six_months_warns_too(month):
    run_month(month, "2026-05", failing=("Tâm",))
    run_month(month, "2026-07", failing=("Tâm",))
    assert not EarlyWarning.objects.exists()
    run_month(month, "2026-09", failing=("Tâm",))
    assert list(EarlyWarning.objects.values_list("kind", flat=True)) == ["three_in_six"]


def test_warnings_are_raised_once_whoever_runs_them_again(month):
    run_month(month, "2026-08", failing=("Sơn", "Tâm"))
    september = run_month(month, "2026-09", failing=("Sơn", "Tâm"))
    notifications = Notification.objects.filter(kind="warning")
    assert EarlyWarning.objects.count() == 2 and notifications.count() == 6
    named = {body.split(" (")[0] for body in notifications.values_list("body", flat=True)}
    assert named == {"Nguyễn Văn Sơn", "Nguyễn Văn Tâm"}

    assert warnings_for_period(period=september) == []
    assert EarlyWarning.objects.count() == 2 and notifications.count() == 6


def test_each_agency_s_recipients_are_read_in_one_query(month, django_assert_num_queries):
    """A province's close warns people of many agencies: their heads, delegates and HR
    officers come in one query, each user once however many of the roles they hold."""
    agencies = (month.agency_a.pk, month.agency_b.pk)
    with django_assert_num_queries(1):
        users = agency_role_users(agencies, (*APPROVER_ROLES, Role.HR_OFFICER))
    names = {agency: sorted(u.username for u in found) for agency, found in users.items()}
    assert names == {month.agency_a.pk: ["alice", "dave", "huong"], month.agency_b.pk: ["charlie"]}
    assert approver_users(month.agency_a.pk) == [month.user("alice"), month.user("dave")]
