"""Every access is accountable: who opened whose evaluation, failed sign-ins
and refused accesses are logged with time and source address, append-only, and only the
inspector and the province admin read the log."""

from __future__ import annotations

import pytest
from django.test import Client

from evaluation.models import Evaluation
from evaluation.services.periods import period_open
from staff.models import AccessKind, AccessLog
from tests.evaluation.conftest import STAFF_NAMES

TAM = STAFF_NAMES[1]


@pytest.fixture
def opened(month):
    period, _ = period_open(ruleset_code="ND335-2025", label="2026-10", user=month.user("sam"))
    return {
        "tam": Evaluation.objects.get(period=period, staff=month.staff[TAM]),
        "bea": Evaluation.objects.get(period=period, staff=month.staff["bea"]),
    }


def client_for(user, ip: str = "10.0.0.7") -> Client:
    client = Client(REMOTE_ADDR=ip)
    client.force_login(user)
    return client


def test_a_manager_opening_someone_s_evaluation_is_logged_with_time_and_ip(month, opened):
    ev = opened["tam"]
    response = client_for(month.user("bob")).get(f"/api/v1/evaluations/{ev.pk}/")
    assert response.status_code == 200
    row = AccessLog.objects.get()
    assert row.kind == AccessKind.READ
    assert row.user == month.user("bob")
    assert row.ip == "10.0.0.7"
    assert row.evaluation_id == ev.pk
    assert row.staff_id == month.staff[TAM].pk
    assert row.at is not None


def test_the_proposal_products_and_audit_trail_of_an_evaluation_are_logged_too(month, opened):
    ev = opened["tam"]
    assert (
        client_for(month.user("alice")).get(f"/api/v1/evaluations/{ev.pk}/proposal/").status_code
        == 200
    )
    assert (
        client_for(month.user("bob")).get(f"/api/v1/evaluations/{ev.pk}/products/").status_code
        == 200
    )
    assert (
        client_for(month.user("ivy")).get(f"/api/v1/evaluations/{ev.pk}/audit/").status_code == 200
    )
    rows = AccessLog.objects.filter(kind=AccessKind.READ, evaluation_id=ev.pk)
    assert {r.user.username for r in rows} == {"alice", "bob", "ivy"}
    assert {r.path for r in rows} == {
        f"/api/v1/evaluations/{ev.pk}/proposal/",
        f"/api/v1/evaluations/{ev.pk}/products/",
        f"/api/v1/evaluations/{ev.pk}/audit/",
    }


def test_reading_one_s_own_evaluation_is_not_logged(month, opened):
    ev = opened["tam"]
    client = client_for(month.user(TAM))
    assert client.get(f"/api/v1/evaluations/{ev.pk}/").status_code == 200
    assert client.get(f"/api/v1/evaluations/{ev.pk}/proposal/").status_code == 200
    assert not AccessLog.objects.exists()


def test_an_evaluation_out_of_scope_is_a_logged_refusal(month, opened):
    ev = opened["tam"]
    response = client_for(month.user("charlie"), ip="192.0.2.9").get(
        f"/api/v1/evaluations/{ev.pk}/"
    )
    assert response.status_code == 404
    row = AccessLog.objects.get()
    assert (row.kind, row.user, row.ip, row.status) == (
        AccessKind.REFUSED,
        month.user("charlie"),
        "192.0.2.9",
        404,
    )
    assert row.path == f"/api/v1/evaluations/{ev.pk}/"


def test_a_forbidden_action_is_a_logged_refusal(month, opened):
    response = client_for(month.user("bob")).get("/api/v1/audit/")
    assert response.status_code == 403
    row = AccessLog.objects.get()
    assert (row.kind, row.status, row.path) == (AccessKind.REFUSED, 403, "/api/v1/audit/")


def test_anonymous_callers_are_refused_without_a_row(month, opened):
    assert Client().get(f"/api/v1/evaluations/{opened['tam'].pk}/").status_code in (401, 403)
    assert not AccessLog.objects.exists()


def test_a_failed_sign_in_is_logged_with_the_username_tried_and_the_ip(month):
    response = Client(REMOTE_ADDR="203.0.113.5").post(
        "/accounts/login/", {"username": "alice", "password": "wrong-password"}
    )
    assert response.status_code == 200
    row = AccessLog.objects.get(kind=AccessKind.LOGIN_FAILED)
    assert (row.username, row.ip, row.user_id) == ("alice", "203.0.113.5", None)


def test_the_inspector_and_the_province_admin_read_the_log_with_filters(month, opened):
    tam, bea = opened["tam"], opened["bea"]
    client_for(month.user("bob")).get(f"/api/v1/evaluations/{tam.pk}/")
    client_for(month.user("charlie")).get(f"/api/v1/evaluations/{bea.pk}/")
    client_for(month.user("charlie")).get(f"/api/v1/evaluations/{tam.pk}/")
    for reader in ("ivy", "sam"):
        client = client_for(month.user(reader))
        everything = client.get("/api/v1/access-log/").json()
        assert everything["count"] == 3
        reads = client.get("/api/v1/access-log/?kind=read").json()["results"]
        assert {(r["user"], r["evaluation"]) for r in reads} == {
            ("bob", tam.pk),
            ("charlie", bea.pk),
        }
        of_tam = client.get(f"/api/v1/access-log/?evaluation={tam.pk}").json()["results"]
        assert [r["user"] for r in of_tam] == ["bob"]
        by_charlie = client.get("/api/v1/access-log/?user=charlie").json()["results"]
        assert sorted(r["kind"] for r in by_charlie) == ["read", "refused"]
        assert by_charlie[0]["staff"] in ("", month.staff["bea"].code)


@pytest.mark.parametrize("name", ["alice", "dave", "bob", "huong", "charlie", TAM])
def test_everyone_else_is_refused_the_log(month, name):
    assert client_for(month.user(name)).get("/api/v1/access-log/").status_code == 403


def test_the_log_refuses_updates_and_deletes(month, opened):
    client_for(month.user("bob")).get(f"/api/v1/evaluations/{opened['tam'].pk}/")
    row = AccessLog.objects.get()
    row.path = "/elsewhere/"
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        AccessLog.objects.update(path="/x/")
    with pytest.raises(TypeError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.get().path == f"/api/v1/evaluations/{opened['tam'].pk}/"


def test_the_admin_shows_the_log_read_only_to_the_inspector_only(month, opened, admin_client):
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    model_admin = django_admin.site._registry[AccessLog]
    request = RequestFactory().get("/admin/")
    request.user = month.user("ivy")
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    request.user = month.user("bob")
    assert not model_admin.has_view_permission(request)
