"""A notification is stored with the change it announces; a mail-server or broker outage only
delays its e-mail, and the daily job sends it later. Nothing is lost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from evaluation.models import Notification
from evaluation.services.daily import run_daily_jobs
from evaluation.services.workflow import evaluation_return
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import ev, open_month, self_assess

QUIET_DAY = dt.date(2026, 11, 20)  # no deadline near: the job only retries e-mails


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")


@pytest.fixture
def returned(month, django_capture_on_commit_callbacks):
    """Bob returns Sơn's self-assessment: Sơn is notified (and e-mailed after commit)."""

    def go():
        period = open_month(month)
        self_assess(month, STAFF_NAMES[0], period)
        with django_capture_on_commit_callbacks(execute=True):
            evaluation_return(
                evaluation=ev(month, STAFF_NAMES[0], period),
                user=month.user("bob"),
                to="person",
                reason="Thiếu minh chứng",
            )
        return Notification.objects.get(kind="returned")

    return go


def test_a_refusing_mail_server_leaves_it_stored_and_the_daily_job_sends_it(settings, returned):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    notification = returned()
    assert (notification.emailed_at, notification.email_attempts) == (None, 1)

    # Still down at the next run: counted, kept for later.
    assert run_daily_jobs(today=QUIET_DAY).emails_sent == 0
    notification.refresh_from_db()
    assert (notification.emailed_at, notification.email_attempts) == (None, 2)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run_daily_jobs(today=QUIET_DAY).emails_sent == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert [m.to for m in mail.outbox] == [["cv1@example.org"]]
    assert run_daily_jobs(today=QUIET_DAY).emails_sent == 0  # sent once, never again


def test_a_broker_outage_never_loses_a_notification(monkeypatch, returned):
    from evaluation import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis://broker:6379 refused the connection")

    monkeypatch.setattr(tasks.send_notification_emails, "delay", broker_down)
    notification = returned()  # the workflow step itself succeeded
    assert notification.emailed_at is None and notification.email_attempts == 0
    assert mail.outbox == []

    report = run_daily_jobs(today=QUIET_DAY)
    assert report.emails_sent == 1 and report.errors == []
    assert [m.subject for m in mail.outbox] == [notification.subject]


def test_the_e_mail_goes_out_at_once_when_all_is_well(returned):
    notification = returned()
    assert notification.emailed_at is not None
    assert len(mail.outbox) == 1
    assert run_daily_jobs(today=QUIET_DAY).emails_sent == 0
