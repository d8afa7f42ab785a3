"""Admin smoke tests: every page opens, search folds diacritics, transfers are append-only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from staff.models import Transfer
from tests.factories import LeavePeriodFactory, UserFactory

pytestmark = pytest.mark.django_db

MODELS = [
    "agencytype",
    "province",
    "agency",
    "unit",
    "position",
    "dutygroup",
    "staffmember",
    "leaveperiod",
    "transfer",
    "roleassignment",
]


@pytest.fixture
def admin_client_(client, org):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    LeavePeriodFactory(staff=org.ann)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_add_pages_open(admin_client_, model):
    assert admin_client_.get(reverse(f"admin:staff_{model}_changelist")).status_code == 200
    assert admin_client_.get(reverse(f"admin:staff_{model}_add")).status_code == 200


def test_staff_change_page_opens(admin_client_, org):
    url = reverse("admin:staff_staffmember_change", args=[org.ann.pk])
    assert admin_client_.get(url).status_code == 200


def test_staff_search_ignores_diacritics(admin_client_, org):
    url = reverse("admin:staff_staffmember_changelist")
    response = admin_client_.get(url, {"q": "dang van duc"})
    assert org.dan.code in response.content.decode()
    assert org.ann.code not in response.content.decode()


def test_adding_a_transfer_runs_the_service(admin_client_, org):
    url = reverse("admin:staff_transfer_add")
    response = admin_client_.post(
        url,
        {
            "staff": org.ann.pk,
            "to_unit": org.office.pk,
            "effective_on": "2026-01-15",
            "reason": "QĐ 1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    org.ann.refresh_from_db()
    assert org.ann.unit == org.office
    record = Transfer.objects.get()
    assert record.from_unit == org.planning and record.recorded_by.username == "root"
    change = reverse("admin:staff_transfer_change", args=[record.pk])
    assert admin_client_.get(change).status_code == 200  # view only
    admin_client_.post(change, {"reason": "rewritten"})
    record.refresh_from_db()
    assert record.reason == "QĐ 1"
    delete = reverse("admin:staff_transfer_delete", args=[record.pk])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 403


def test_an_invalid_transfer_shows_an_error_instead_of_writing(admin_client_, org):
    response = admin_client_.post(
        reverse("admin:staff_transfer_add"),
        {
            "staff": org.ann.pk,
            "to_unit": org.planning.pk,
            "effective_on": dt.date.today().isoformat(),
        },
    )
    assert response.status_code == 200
    assert not Transfer.objects.exists()
