"""Notifications on the home page lead where the reader acts, and are marked read."""

from __future__ import annotations

import pytest
from django.test import Client

from evaluation.models import Notification
from evaluation.services.workflow import evaluation_return
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import ev, open_month, self_assess
from tests.factories import UserFactory

TAM = STAFF_NAMES[1]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def returned(month):
    """Tâm's evaluation returned by Bob: Tâm has a "returned" notification."""
    period = open_month(month)
    self_assess(month, TAM, period)
    evaluation_return(
        evaluation=ev(month, TAM, period), user=month.user("bob"), to="person", reason="Thiếu"
    )
    return Notification.objects.get(recipient=month.user(TAM), kind="returned")


def test_a_notification_opens_the_persons_own_evaluation_and_is_then_read(month, returned):
    tam = signed_in(month.user(TAM))
    home = tam.get("/").content.decode()
    assert f'href="/evaluation/notifications/{returned.pk}/"' in home
    response = tam.get(f"/evaluation/notifications/{returned.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/evaluation/my/{returned.evaluation_id}/"
    returned.refresh_from_db()
    assert returned.read_at is not None


def test_an_appeal_notification_leads_the_approver_to_the_inbox(month):
    notification = Notification.objects.create(
        recipient=month.user("alice"),
        kind="appealed",
        subject="Kiến nghị",
        body="",
        evaluation=ev(month, TAM, open_month(month)),
    )
    response = signed_in(month.user("alice")).get(f"/evaluation/notifications/{notification.pk}/")
    assert response["Location"] == "/evaluation/approval/appeals/"


def test_a_reminder_leads_the_manager_to_the_scoring_form(month):
    evaluation = ev(month, TAM, open_month(month))
    notification = Notification.objects.create(
        recipient=month.user("bob"), kind="reminder", subject="Nhắc", body="", evaluation=evaluation
    )
    response = signed_in(month.user("bob")).get(f"/evaluation/notifications/{notification.pk}/")
    assert response["Location"] == f"/evaluation/team/{evaluation.pk}/"


def test_someone_elses_notification_is_a_404_and_stays_unread(month, returned):
    for intruder in (month.user("bob"), month.user("charlie"), UserFactory(username="ai")):
        assert (
            signed_in(intruder).get(f"/evaluation/notifications/{returned.pk}/").status_code == 404
        )
    returned.refresh_from_db()
    assert returned.read_at is None


def test_mark_all_read_touches_only_the_callers_notifications(month, returned):
    other = Notification.objects.create(
        recipient=month.user("bob"), kind="reminder", subject="Nhắc", body=""
    )
    tam = signed_in(month.user(TAM))
    assert "Đánh dấu tất cả là đã đọc" in tam.get("/").content.decode()
    response = tam.post("/evaluation/notifications/read/", follow=True)
    assert "Đã đánh dấu tất cả thông báo là đã đọc." in response.content.decode()
    assert not Notification.objects.filter(recipient=month.user(TAM), read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None
    assert "Đánh dấu tất cả là đã đọc" not in tam.get("/").content.decode()
