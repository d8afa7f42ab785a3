"""Input the API refuses, precisely: stale versions, fields outside the step, paths per field."""

from __future__ import annotations

import pytest
from django.test import Client

from evaluation.models import Evaluation
from evaluation.services.periods import period_open
from tests.evaluation.conftest import STAFF_NAMES

TAM = STAFF_NAMES[1]


@pytest.fixture
def opened(month):
    period, _ = period_open(ruleset_code="ND335-2025", label="2026-10", user=month.user("sam"))
    return period


def client_for(month, name: str) -> Client:
    client = Client()
    client.force_login(month.user(name))
    return client


def own_evaluation(month, period, name: str = TAM) -> Evaluation:
    return Evaluation.objects.get(period=period, staff=month.staff[name])


def post(client: Client, url: str, body: dict, **headers):
    return client.post(url, body, content_type="application/json", headers=headers)


def test_the_second_save_with_the_same_version_gets_409_with_the_current_version(month, opened):
    ev = own_evaluation(month, opened)
    client = client_for(month, TAM)
    url = f"/api/v1/evaluations/{ev.pk}/self-assessment/"
    first = post(client, url, {"scores": {"G1": 5}, "version": ev.version})
    assert first.status_code == 200
    assert first.headers["ETag"] == f'"{ev.version + 1}"'
    second = post(client, url, {"scores": {"G1": 3}, "version": ev.version})
    assert second.status_code == 409
    (error,) = second.json()["errors"]
    assert (error["code"], error["path"], error["current_version"]) == (
        "stale_version",
        "version",
        ev.version + 1,
    )
    assert error["message"].startswith("Phiếu đã được người khác sửa")


def test_the_version_may_come_from_if_match(month, opened):
    ev = own_evaluation(month, opened)
    client = client_for(month, TAM)
    url = f"/api/v1/evaluations/{ev.pk}/self-assessment/"
    etag = client.get(f"/api/v1/evaluations/{ev.pk}/").headers["ETag"]
    assert post(client, url, {"comment": "a"}, **{"If-Match": etag}).status_code == 200
    stale = post(client, url, {"comment": "b"}, **{"If-Match": etag})
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["current_version"] == ev.version + 1


@pytest.mark.parametrize(
    "field, value",
    [
        ("manager_points", {"G1": 5}),
        ("status", "approved"),
        ("final_level", "HTXSNV"),
        ("approved_by", 1),
        ("task_points", 70),
        ("bonus", 10),
    ],
)
def test_a_staff_member_sending_manager_fields_is_refused_with_the_field_named(
    month, opened, field, value
):
    ev = own_evaluation(month, opened)
    response = post(
        client_for(month, TAM),
        f"/api/v1/evaluations/{ev.pk}/self-assessment/",
        {"scores": {"G1": 5}, field: value},
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["code"], error["path"]) == ("unknown_field", field)
    assert error["message"] and error["message_en"] == "This field is not accepted here"
    ev.refresh_from_db()
    assert (ev.status, ev.final_level, ev.version) == ("draft", "", 1)  # nothing was saved


def test_the_manager_form_refuses_unknown_fields_too(month, opened):
    ev = own_evaluation(month, opened)
    response = post(
        client_for(month, "bob"),
        f"/api/v1/evaluations/{ev.pk}/manager-score/",
        {"scores": {"G1": 4}, "final_level": "HTXSNV"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "final_level"


def test_errors_name_the_path_of_each_field(month, opened):
    ev = own_evaluation(month, opened)
    client = client_for(month, TAM)
    url = f"/api/v1/evaluations/{ev.pk}/self-assessment/"
    bad_type = post(client, url, {"scores": {"G1": "năm"}})
    assert bad_type.status_code == 400
    assert bad_type.json()["errors"][0]["path"] == "scores.G1"
    over = post(client, url, {"scores": {"G2": 9}})
    assert over.status_code == 400
    (error,) = over.json()["errors"]
    assert (error["code"], error["path"]) == ("over_maximum", "scores.G2")
    assert "Vượt mức tối đa" in error["message"]
    unknown = post(client, url, {"scores": {"G99": 1}})
    assert unknown.json()["errors"][0]["path"] == "scores.G99"


def test_adjustment_errors_name_their_index(month, opened):
    response = post(
        client_for(month, "alice"),
        "/api/v1/approvals/",
        {
            "period": opened.pk,
            "unit": "A-KH",
            "adjustments": [{"evaluation": 1, "level": "HTNV", "reason": "x"}, {"level": "BAD"}],
        },
    )
    assert response.status_code == 400
    paths = {e["path"] for e in response.json()["errors"]}
    assert {"adjustments[1].evaluation", "adjustments[1].level", "adjustments[1].reason"} <= paths


def test_a_product_with_evidence_file_is_registered_by_multipart(month, opened, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    ev = own_evaluation(month, opened)
    client = client_for(month, TAM)
    upload = SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(
        f"/api/v1/evaluations/{ev.pk}/products/", {"title": "Báo cáo", "evidence_file": upload}
    )
    assert response.status_code == 201, response.content
    assert response.json()["evidence_file"].endswith(".pdf")
    bad = client.post(
        f"/api/v1/evaluations/{ev.pk}/products/",
        {"title": "Tệp lạ", "evidence_file": SimpleUploadedFile("virus.exe", b"MZ")},
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["path"] == "evidence_file"


def test_unauthenticated_requests_get_the_same_error_shape(month, opened):
    response = Client().get("/api/v1/evaluations/")
    assert response.status_code in (401, 403)
    (error,) = response.json()["errors"]
    assert (error["code"], error["message"], error["message_en"]) == (
        "not_authenticated",
        "Bạn cần đăng nhập",
        "Authentication required",
    )


def test_the_schema_and_docs_have_short_aliases(client, db):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
