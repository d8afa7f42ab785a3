"""The evaluation admin: every list renders for a superuser; the audit trail cannot be touched;
evaluations are read-only; the province admin assigns agencies to rule sets (recorded)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from evaluation.models import (
    AgencyRating,
    Appeal,
    EarlyWarning,
    Evaluation,
    Notification,
    Period,
    Product,
    QuotaException,
)
from evaluation.services.agency_rating import agency_rating_record
from evaluation.services.approval import unit_approve
from evaluation.services.common import second_factor_waived
from scoring.models import RuleSetCoverage
from staff.models import AgencySuccession, AuditEntry, Restructuring
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import open_month, score_unit
from tests.factories import AgencyFactory, UserFactory

MODELS = [
    AgencyRating,
    Period,
    Evaluation,
    Product,
    Appeal,
    QuotaException,
    RuleSetCoverage,
    Notification,
    EarlyWarning,
    AuditEntry,
    Restructuring,
    AgencySuccession,
]


@pytest.fixture
def signed(month):
    period = open_month(month)
    score_unit(month, period, STAFF_NAMES)
    unit_approve(period=period, unit=month.planning, user=month.user("alice"))
    return period


@pytest.fixture
def root(client, db):
    user = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_changelists_render_for_a_superuser(client, root, signed, model):
    response = client.get(_url(model, "changelist"))
    assert response.status_code == 200


def test_evaluations_are_listed_with_their_level_and_found_by_name_or_code(client, root, signed):
    son = Evaluation.objects.get(period=signed, staff__code="A11")
    response = client.get(_url(Evaluation, "changelist"), {"q": "nguyen van son"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [son]
    response = client.get(_url(Evaluation, "changelist"), {"q": "A11"})
    assert list(response.context["cl"].result_list) == [son]
    assert "HTXSNV" in client.get(_url(Evaluation, "changelist")).text


def test_an_evaluation_can_be_viewed_but_not_deleted_or_changed(client, root, signed):
    evaluation = Evaluation.objects.filter(period=signed).first()
    assert client.get(_url(Evaluation, "change", evaluation.pk)).status_code == 200
    assert client.get(_url(Evaluation, "delete", evaluation.pk)).status_code == 403
    before = evaluation.status
    client.post(_url(Evaluation, "change", evaluation.pk), {"status": "draft"})
    evaluation.refresh_from_db()
    assert evaluation.status == before


def test_the_audit_trail_has_no_add_change_or_delete_permission(client, root, signed):
    model_admin = admin.site._registry[AuditEntry]
    request = RequestFactory().get("/")
    request.user = root
    entry = AuditEntry.objects.filter(chained=True).first()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert model_admin.get_actions(request) == {}
    assert client.get(_url(AuditEntry, "add")).status_code == 403
    assert client.get(_url(AuditEntry, "delete", entry.pk)).status_code == 403
    page = client.get(_url(AuditEntry, "change", entry.pk))  # viewing is allowed
    assert page.status_code == 200 and entry.hash in page.text
    listing = client.get(_url(AuditEntry, "changelist")).text
    assert "evaluation.approved" in listing and entry.hash[:12] in listing


def test_agency_ratings_are_listed_for_audit_but_changed_only_through_the_service(
    client, root, month
):
    sam = month.user("sam")
    with second_factor_waived():
        rating = agency_rating_record(
            agency=month.agency_a,
            year=2026,
            score="82.5",
            reference="Quyết định số 12/QĐ-SNV",
            user=sam,
        )
    model_admin = admin.site._registry[AgencyRating]
    request = RequestFactory().get("/")
    request.user = root
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, rating)
    assert not model_admin.has_delete_permission(request, rating)
    listing = client.get(_url(AgencyRating, "changelist"))
    assert listing.status_code == 200 and "Quyết định số 12/QĐ-SNV" in listing.text
    assert client.get(_url(AgencyRating, "change", rating.pk)).status_code == 200
    assert client.get(_url(AgencyRating, "add")).status_code == 403
    assert client.get(_url(AgencyRating, "delete", rating.pk)).status_code == 403
    client.post(_url(AgencyRating, "change", rating.pk), {"score": "99", "level": "HTXSNV"})
    rating.refresh_from_db()
    assert (rating.score, rating.level) == (Decimal("82.50"), "HTTNV")
    # The one write is the service's, audited.
    assert AuditEntry.objects.filter(action="agency.rated").count() == 1


def test_the_province_admin_assigns_an_agency_to_a_rule_set(client, root, month):
    agency = AgencyFactory(code="SOC", name="Sở Gamma")
    response = client.post(
        _url(RuleSetCoverage, "add"),
        {"agency": agency.pk, "ruleset_code": "HN-3814", "valid_from": "2026-01-01"},
    )
    assert response.status_code == 302
    assert RuleSetCoverage.objects.get(agency=agency).ruleset_code == "HN-3814"
    entry = AuditEntry.objects.get(action="coverage.added")
    assert (entry.actor, entry.agency, entry.after["ruleset_code"]) == (root, agency, "HN-3814")
    assert entry.after | {"agency": "SOC"} == {
        "agency": "SOC",
        "agency_type": "",
        "category": "",
        "ruleset_code": "HN-3814",
        "valid_from": "2026-01-01",
    }
    # A code that does not exist is refused, not saved.
    other = AgencyFactory(code="SOD")
    response = client.post(
        _url(RuleSetCoverage, "add"),
        {"agency": other.pk, "ruleset_code": "NO-SUCH", "valid_from": "2026-01-01"},
    )
    assert response.status_code == 200
    assert not RuleSetCoverage.objects.filter(agency=other).exists()


def test_the_province_admin_maps_a_category_of_an_agency_type_from_a_date(client, root, month):
    kind = month.agency_a.agency_type
    response = client.post(
        _url(RuleSetCoverage, "add"),
        {
            "agency_type": kind.pk,
            "category": "VC",
            "ruleset_code": "HN-3814",
            "valid_from": "2026-07-01",
        },
    )
    assert response.status_code == 302
    row = RuleSetCoverage.objects.get(agency_type=kind)
    assert (row.category, str(row.valid_from)) == ("VC", "2026-07-01")
    entry = AuditEntry.objects.get(action="coverage.added")
    assert (entry.after["agency_type"], entry.after["category"]) == (kind.code, "VC")
    listing = client.get(_url(RuleSetCoverage, "changelist")).text
    assert str(row.get_category_display()) in listing and "HN-3814" in listing
    # Both an agency and a type, or neither, is refused with the reason.
    for data in ({"agency": month.agency_b.pk, "agency_type": kind.pk}, {}):
        response = client.post(
            _url(RuleSetCoverage, "add"),
            {**data, "category": "CC", "ruleset_code": "HN-3814", "valid_from": "2026-07-01"},
        )
        assert response.status_code == 200
        assert "Chọn một cơ quan hoặc một loại cơ quan" in response.text
    assert RuleSetCoverage.objects.filter(category="CC").count() == 0
    # A change is audited with what it was before.
    response = client.post(
        _url(RuleSetCoverage, "change", row.pk),
        {"agency_type": kind.pk, "category": "VC", "ruleset_code": "ND335-2025",
         "valid_from": "2026-07-01"},
    )  # fmt: skip
    assert response.status_code == 302
    changed = AuditEntry.objects.get(action="coverage.changed")
    assert (changed.before["ruleset_code"], changed.after["ruleset_code"]) == (
        "HN-3814",
        "ND335-2025",
    )


def test_unsent_e_mails_can_be_retried_from_the_list(client, root, signed, mailoutbox):
    notification = Notification.objects.filter(emailed_at__isnull=True).first()
    assert notification is not None  # on_commit never ran inside the test transaction
    response = client.post(
        _url(Notification, "changelist"),
        {"action": "retry_emails", "_selected_action": [notification.pk]},
    )
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.emailed_at is not None and len(mailoutbox) == 1
