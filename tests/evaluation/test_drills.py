"""Failure drills: what an outage in the middle of the month leaves behind.

1. The database drops in the middle of an approval: the batch is signed in one transaction, so
   either every evaluation of the unit is approved or none is, and no approval is in the audit.
2. The broker is down: the notification is stored with the change it announces and sent by the
   daily job later — tests/evaluation/test_notifications_retry.py::
   test_a_broker_outage_never_loses_a_notification; here, the same for a publication.
3. The mail server refuses: the publication succeeds, each person's notification is stored
   unsent, and a later run of the daily job sends every one, once.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import OperationalError

from evaluation.models import Evaluation, Notification, Status
from evaluation.services.approval import agency_publish, head_approve, unit_approve
from evaluation.services.daily import run_daily_jobs
from staff import audit
from staff.models import AuditEntry
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import (
    ev,
    manager_score,
    open_month,
    province_approver,
    score_unit,
    self_assess,
)

QUIET_DAY = dt.date(2026, 11, 20)  # no deadline near: the daily job only retries e-mails


class RefusingBackend:
    """A mail server that refuses every connection."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")


def _planning_scored(month):
    period = open_month(month)
    score_unit(month, period, STAFF_NAMES)
    self_assess(month, "bob", period)
    manager_score(month, "dave", "bob", period)
    return period


def _alpha_approved(month):
    """Every evaluation of Sở Alpha signed, as in the month's story: units, then leaders."""
    period = _planning_scored(month)
    province_approver(month)  # who rates and signs Alice, the head (DOMAIN.md §1)
    for name, manager in (("dave", "alice"), ("huong", "alice"), ("alice", "pct")):
        self_assess(month, name, period)
        manager_score(month, manager, name, period)
    # The month's approvers signed in with their second factor (tests/evaluation/conftest.py).
    unit_approve(period=period, unit=month.planning, user=month.user("alice"))
    unit_approve(period=period, unit=month.leadership_unit, user=month.user("alice"))
    head_approve(evaluation=ev(month, "alice", period), user=month.user("pct"))
    run_daily_jobs(today=QUIET_DAY)  # the month's earlier e-mails are out of the way
    mail.outbox.clear()
    return period


def test_the_database_dropping_mid_approval_leaves_no_half_approved_batch(month, monkeypatch):
    period = _planning_scored(month)
    unit = Evaluation.objects.filter(period=period, unit=month.planning)
    assert unit.count() == 8
    assert set(unit.values_list("status", flat=True)) == {Status.MANAGER_SCORED}

    real_record, calls = audit.record, []

    def connection_lost(action, *args, **kwargs):
        # The first evaluations of the batch are saved and audited; the third write fails.
        calls.append(action)
        if len(calls) == 3:
            raise OperationalError("server closed the connection unexpectedly")
        return real_record(action, *args, **kwargs)

    monkeypatch.setattr(audit, "record", connection_lost)
    with pytest.raises(OperationalError):
        unit_approve(period=period, unit=month.planning, user=month.user("alice"))

    assert calls[:2] == ["evaluation.approved", "evaluation.approved"]  # it did get that far
    assert set(unit.values_list("status", flat=True)) == {Status.MANAGER_SCORED}
    assert not unit.exclude(final_level="").exists()
    assert not unit.filter(approved_by__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="evaluation.approved").exists()
    assert not Notification.objects.filter(kind="approved").exists()

    # The connection is back: the same approval goes through whole.
    monkeypatch.setattr(audit, "record", real_record)
    signed = unit_approve(period=period, unit=month.planning, user=month.user("alice"))
    assert len(signed) == 8
    assert set(unit.values_list("status", flat=True)) == {Status.APPROVED}
    assert AuditEntry.objects.filter(action="evaluation.approved").count() == 8


def test_a_broker_outage_during_publication_loses_no_notification(
    month, monkeypatch, django_capture_on_commit_callbacks
):
    from evaluation import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis://broker:6379 refused the connection")

    period = _alpha_approved(month)
    monkeypatch.setattr(tasks.send_notification_emails, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        published = agency_publish(period=period, agency=month.agency_a, user=month.user("alice"))
    assert published == 11
    stored = Notification.objects.filter(kind="published")
    assert stored.count() == 11 and not stored.filter(emailed_at__isnull=False).exists()

    assert run_daily_jobs(today=QUIET_DAY).emails_sent == 11
    assert len(mail.outbox) == 11


def test_a_refusing_mail_server_leaves_the_publication_done_and_a_later_run_sends(
    month, settings, django_capture_on_commit_callbacks
):
    period = _alpha_approved(month)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        published = agency_publish(period=period, agency=month.agency_a, user=month.user("alice"))

    # The workflow is unaffected: published, audited, every person notified in the app.
    assert published == 11
    alpha = Evaluation.objects.filter(period=period, agency=month.agency_a)
    assert set(alpha.values_list("status", flat=True)) == {Status.PUBLISHED}
    assert AuditEntry.objects.filter(action="evaluation.published").count() == 11
    stored = Notification.objects.filter(kind="published")
    assert stored.count() == 11
    assert not stored.filter(emailed_at__isnull=False).exists()
    assert mail.outbox == []

    # Still refusing at the next run: kept for later, nothing lost.
    assert run_daily_jobs(today=QUIET_DAY).emails_sent == 0
    assert not stored.filter(emailed_at__isnull=False).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run_daily_jobs(today=QUIET_DAY).emails_sent == 11
    assert not stored.filter(emailed_at__isnull=True).exists()
    assert len(mail.outbox) == 11
    assert run_daily_jobs(today=QUIET_DAY).emails_sent == 0  # once, never twice
