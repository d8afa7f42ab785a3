"""Notifications: stored first, e-mailed after the transaction commits.

Storing the row inside the workflow's transaction means a notification exists exactly when the
change it announces does; the e-mail goes out only after commit (``transaction.on_commit``), via
Celery (eager in the embedded default). A broker or mail-server outage leaves the row unsent,
and ``send_pending_emails`` (run by the daily job) retries it: nothing is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from evaluation.models import Evaluation, Notification

logger = logging.getLogger(__name__)
MAX_EMAIL_ATTEMPTS = 5


@dataclass(frozen=True)
class Message:
    """One notification to send to several users."""

    users: Iterable[Any]
    kind: str
    subject: str
    body: str
    evaluation: Evaluation | None = None
    dedup_key: str = ""


def notify(
    *,
    users: Iterable[Any],
    kind: str,
    subject: str,
    body: str,
    evaluation: Evaluation | None = None,
    dedup_key: str = "",
) -> list[Notification]:
    """Store one notification per user (skipping users without an account) and queue e-mail."""
    return notify_many([Message(users, kind, subject, body, evaluation, dedup_key)])


def notify_many(messages: Iterable[Message]) -> list[Notification]:
    """``notify`` for many messages at once: one query for the duplicates, one insert and one
    e-mail job — a province's close raises about a thousand early warnings at a time."""
    rows = [
        Notification(
            recipient_id=user.pk,
            kind=message.kind,
            subject=message.subject,
            body=message.body,
            evaluation=message.evaluation,
            dedup_key=message.dedup_key,
        )
        for message in messages
        for user in {u.pk: u for u in message.users if u is not None and u.pk}.values()
    ]
    keys = {r.dedup_key for r in rows if r.dedup_key}
    if keys:
        already = set(
            Notification.objects.filter(dedup_key__in=keys).values_list("dedup_key", "recipient_id")
        )
        unique = []
        for row in rows:  # nor twice within this call
            key = (row.dedup_key, row.recipient_id)
            if row.dedup_key and key in already:
                continue
            already.add(key)
            unique.append(row)
        rows = unique
    created = Notification.objects.bulk_create(rows, batch_size=1000)
    ids = [n.pk for n in created if n.pk]
    if ids:
        transaction.on_commit(lambda: _queue_emails(ids))
    return created


def _queue_emails(ids: list[int]) -> None:
    try:
        send_notification_emails.delay(ids)
    except Exception:  # a broker outage must not break the request; retried later
        logger.warning("could not queue %d notification e-mails; the daily job retries", len(ids))


def send_emails(ids: Iterable[int]) -> int:
    """Send the e-mails of these notifications; failures are counted and retried later."""
    sent = 0
    pending = Notification.objects.filter(
        pk__in=list(ids), emailed_at__isnull=True, email_attempts__lt=MAX_EMAIL_ATTEMPTS
    ).select_related("recipient")
    for notification in pending:
        address = notification.recipient.email
        if not address:
            continue
        try:
            send_mail(
                notification.subject,
                notification.body,
                settings.DEFAULT_FROM_EMAIL,
                [address],
            )
        except Exception:  # the mail server refusing must not affect the workflow
            Notification.objects.filter(pk=notification.pk).update(
                email_attempts=notification.email_attempts + 1
            )
            logger.warning("e-mail for notification %s failed; will retry", notification.pk)
            continue
        Notification.objects.filter(pk=notification.pk).update(
            emailed_at=timezone.now(), email_attempts=notification.email_attempts + 1
        )
        sent += 1
    return sent


def send_pending_emails() -> int:
    """Retry every notification whose e-mail has not gone out yet (daily job)."""
    ids = Notification.objects.filter(
        emailed_at__isnull=True, email_attempts__lt=MAX_EMAIL_ATTEMPTS, recipient__email__gt=""
    ).values_list("pk", flat=True)
    return send_emails(list(ids))


# Task names are what a broker's queued messages carry: they stay "evaluation.tasks.…" (the
# module that gathers the tasks for Celery's autodiscovery) whatever module declares them.
@shared_task(name="evaluation.tasks.send_notification_emails")
def send_notification_emails(ids: list[int]) -> int:
    """Send these notifications' e-mails (queued after the commit that stored them)."""
    return send_emails(ids)
