"""Celery tasks of the evaluation app (eager in the embedded default)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def send_notification_emails(ids: list[int]) -> int:
    from evaluation.services.notifications import send_emails

    return send_emails(ids)
