"""The restructuring API: the province admin previews and records a plan; every problem comes
back with its path; nobody else records one, and only the province sees the list."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from staff.models import Agency, Restructuring

URL = "/api/v1/restructurings/"
MERGE = {
    "kind": "merge",
    "effective_on": "2026-10-01",
    "reference": "Nghị quyết 45/NQ-HĐND ngày 20/9/2026",
    "agencies": ["SOA"],
    "target": "SOB",
}


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_province_admin_previews_then_records_a_merger(month):
    sam = _client(month.user("sam"))
    preview = sam.post(URL, {"dry_run": True, "steps": [MERGE]}, format="json")
    assert preview.status_code == 200
    [step] = preview.json()["steps"]
    assert (step["ended"], step["units_moved"], step["people_moved"]) == (["SOA"], 2, 11)
    assert Agency.objects.get(code="SOA").is_active  # a preview writes nothing

    recorded = sam.post(URL, {"steps": [MERGE]}, format="json")
    assert recorded.status_code == 201
    [record] = recorded.json()
    assert record["reference"] == MERGE["reference"]
    assert record["predecessors"] == [{"predecessor": "SOA", "successor": "SOB"}]
    assert not Agency.objects.get(code="SOA").is_active

    again = sam.post(URL, {"steps": [MERGE]}, format="json")
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == "agency_ended"
    assert Restructuring.objects.count() == 1


def test_every_problem_of_a_plan_names_its_step_and_field(month):
    bad = {**MERGE, "agencies": ["XYZ"], "target": "SOA"}
    response = _client(month.user("sam")).post(URL, {"steps": [MERGE, bad]}, format="json")
    assert response.status_code == 400
    paths = {(e["path"], e["code"]) for e in response.json()["errors"]}
    # An unknown code, and a merger into Sở Alpha, which step 0 merges away.
    assert paths == {("steps[1].agencies", "not_found"), ("steps[1].target", "target_ended")}
    assert all(e["message"] and e["message_en"] for e in response.json()["errors"])
    assert not Restructuring.objects.exists()


def test_a_malformed_step_is_a_400_naming_the_field(month):
    response = _client(month.user("sam")).post(
        URL, {"steps": [{**MERGE, "effective_on": "1/10/2026", "kind": "annex"}]}, format="json"
    )
    assert response.status_code == 400
    assert {e["path"] for e in response.json()["errors"]} == {
        "steps[0].effective_on",
        "steps[0].kind",
    }


@pytest.mark.parametrize("who", ["alice", "huong", "ivy", "bob"])
def test_nobody_but_the_province_admin_records_one(month, who):
    response = _client(month.user(who)).post(URL, {"steps": [MERGE]}, format="json")
    assert response.status_code == 403
    assert Agency.objects.get(code="SOA").is_active


def test_the_province_sees_the_list_and_an_agency_head_does_not(month, django_assert_num_queries):
    sam = _client(month.user("sam"))
    sam.post(URL, {"steps": [MERGE]}, format="json")
    listing = _client(month.user("ivy")).get(URL)
    assert listing.status_code == 200
    assert [r["kind"] for r in listing.json()["results"]] == ["merge"]
    assert _client(month.user("alice")).get(URL).status_code == 403
