"""Decree 335's leader components through the workflow (DOMAIN.md §3, EXAMPLES.md 3).

Sở Alpha's month under a new version of ND335-2025 whose template counts, for heads and
deputies, the unit %, the organising % and the unity %. Dave (deputy) has eight people under
him: Bob, head of planning, and Bob's seven; Ân scores 45. Dave's own products give quantity
100 %, quality 87.5 %, progress 100 %; his general criteria 28; Alice enters organising and
unity 100 % → 90.71, HTXSNV — the same number ``manage.py rate`` gives for the same input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from evaluation.models import Evaluation, Status
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import FULL, GOOD, ev, manager_score, open_month, self_assess
from tests.scoring.leader_rules import (
    ORGANISING_GUIDANCE,
    UNITY_GUIDANCE,
    publish_leader_components,
)
from tests.scoring.test_simulator_command import run_rate

DAVE_GENERAL = {"G1": 5, "G2": 5, "G3": 5, "G4": 5, "G5": 4, "G6": 4}  # 28
DAVE_PRODUCTS = ((1, True, 1, 0), (1, True, 0, 0))  # quantity 100 %, quality 87.5 %
# Ân: general 24 + 70 × 3/10 (weight 3 done, weight 7 not) = 45.
AN_PRODUCTS = ((3, True, 0, 0), (7, False, 0, 0))


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def manager_score_api(month, manager: str, name: str, period, body: dict, expect: int = 200):
    evaluation = ev(month, name, period)
    client = client_for(month.user(manager))
    response = client.post(
        f"/api/v1/evaluations/{evaluation.pk}/manager-score/",
        {"version": evaluation.version, **body},
        content_type="application/json",
    )
    assert response.status_code == expect, response.content.decode()
    return response.json()


def score_planning(month, period, *, bob_fields: dict | None = None):
    """Bob's seven (Ân at 45) scored by Bob; Bob self-assessed and scored by Dave over the API
    with organising and unity 100 %; Dave self-assessed."""
    for name in STAFF_NAMES[:-1]:
        self_assess(month, name, period)
        manager_score(month, "bob", name, period)
    self_assess(month, "Ân", period, scores=GOOD, products=AN_PRODUCTS)
    manager_score(month, "bob", "Ân", period, GOOD)
    self_assess(month, "bob", period)
    fields = {"organising_percent": 100, "unity_percent": 100} if bob_fields is None else bob_fields
    manager_score_api(month, "dave", "bob", period, {"scores": FULL, "submit": True, **fields})
    self_assess(month, "dave", period, scores=DAVE_GENERAL, products=DAVE_PRODUCTS)


@pytest.fixture
def leader_month(month):
    ruleset = publish_leader_components()
    period = open_month(month)
    assert period.ruleset_id == ruleset.pk
    return month, period, ruleset


def approve(month, period, unit: str, expect: int = 200):
    response = client_for(month.user("alice")).post(
        "/api/v1/approvals/",
        {"period": period.pk, "unit": unit},
        content_type="application/json",
    )
    assert response.status_code == expect, response.content.decode()
    return response.json()


def batch_json(ruleset) -> dict[str, Any]:
    """The same month as a simulator batch: the same criteria points, products, leaders and
    components as the workflow stored."""

    def products(items):
        return [
            {"weight": w, "completed": c, "major_errors": e, "delays": d} for w, c, e, d in items
        ]

    staff = [
        {
            "code": f"A1{i}",
            "agency": "SOA",
            "duty_group": "CV",
            "general": FULL,
            "products": products(((1, True, 0, 0),)),
        }
        for i in range(1, 7)
    ]
    staff.append(
        {
            "code": "A17",
            "agency": "SOA",
            "duty_group": "CV",
            "general": GOOD,
            "products": products(AN_PRODUCTS),
        }
    )
    bob = {
        "code": "A03",
        "agency": "SOA",
        "duty_group": "LD",
        "leader": "head",
        "subordinates": [s["code"] for s in staff],
        "general": FULL,
        "products": products(((1, True, 0, 0),)),
        "organising": 100,
        "unity": 100,
    }
    dave = {
        "code": "A02",
        "agency": "SOA",
        "duty_group": "LD",
        "leader": "deputy",
        "subordinates": ["A03"],
        "general": DAVE_GENERAL,
        "products": products(DAVE_PRODUCTS),
        "organising": 100,
        "unity": 100,
    }
    return {"ruleset": ruleset.code, "period": "2026-10", "people": [dave, bob, *staff]}


def test_a_deputy_over_eight_with_one_at_45_scored_over_the_api_and_approved(leader_month):
    month, period, ruleset = leader_month
    score_planning(month, period)
    scored = manager_score_api(
        month,
        "alice",
        "dave",
        period,
        {"scores": DAVE_GENERAL, "organising_percent": 100, "unity_percent": 100, "submit": True},
    )
    assert scored["status"] == "manager_scored"
    assert scored["organising_percent"] == "100.00" and scored["unity_percent"] == "100.00"
    # The manager's proposal already reads the unit from the scores under Dave.
    assert str(ev(month, "dave", period).score) == "90.71"
    assert ev(month, "Ân", period).score == 45

    approve(month, period, "A-KH")
    approve(month, period, "A-LD")
    dave = ev(month, "dave", period)
    assert dave.status == Status.APPROVED
    assert str(dave.score) == "90.71" and dave.final_level == "HTXSNV"
    codes = [r["code"] for r in dave.reasons]
    assert "tasks.leader_components" in codes and not [c for c in codes if c.startswith("gate.")]
    unit = next(r for r in dave.reasons if r["code"] == "tasks.leader_unit")
    assert unit["message_en"].startswith("Unit result 50%: 1 of the 8 people")

    # manage.py rate on the same input gives the same numbers, person by person.
    status, out, err = run_rate(batch_json(ruleset), "--ruleset-version", str(ruleset.version))
    assert status == 0, err
    simulated = {p["code"]: p for p in json.loads(out)["people"]}
    assert simulated["A02"]["score"] == 90.71 and simulated["A02"]["level"] == "HTXSNV"
    signed = Evaluation.objects.filter(period=period, status=Status.APPROVED).select_related(
        "staff"
    )
    assert len(signed) == 9
    for evaluation in signed:
        person = simulated[evaluation.staff.code]
        assert (float(evaluation.score), evaluation.final_level) == (
            person["score"],
            person["level"],
        ), evaluation.staff.code


def test_the_leader_is_not_approved_before_everyone_under_them_is_scored(leader_month):
    month, period, _ = leader_month
    # Bob (Dave's only direct report) is scored, but one of Bob's seven is not yet.
    for name in STAFF_NAMES[:-1]:
        self_assess(month, name, period)
        manager_score(month, "bob", name, period)
    self_assess(month, "bob", period)
    manager_score_api(
        month,
        "dave",
        "bob",
        period,
        {"scores": FULL, "organising_percent": 100, "unity_percent": 100, "submit": True},
    )
    self_assess(month, "dave", period, scores=DAVE_GENERAL, products=DAVE_PRODUCTS)
    manager_score_api(
        month,
        "alice",
        "dave",
        period,
        {"scores": DAVE_GENERAL, "organising_percent": 100, "unity_percent": 100, "submit": True},
    )
    refused = approve(month, period, "A-LD", expect=409)
    assert refused["errors"][0]["code"] == "leaders_first_units"


def test_a_leader_missing_a_component_is_refused_at_submission_naming_the_field(leader_month):
    month, period, _ = leader_month
    self_assess(month, "bob", period)
    refused = manager_score_api(
        month, "dave", "bob", period, {"scores": FULL, "unity_percent": 100, "submit": True}, 400
    )
    error = refused["errors"][0]
    assert error["code"] == "leader_component_missing" and error["path"] == "organising_percent"
    assert "năng lực tổ chức" in error["message"] and "organising" in error["message_en"]
    assert ev(month, "bob", period).status == Status.SELF_ASSESSED


def test_a_leader_without_components_cannot_be_approved(leader_month):
    month, period, _ = leader_month
    score_planning(month, period)
    # The value disappears after the submission (e.g. a correction by hand): approval refuses.
    Evaluation.objects.filter(pk=ev(month, "bob", period).pk).update(unity_percent=None)
    refused = approve(month, period, "A-KH", expect=409)
    error = refused["errors"][0]
    assert error["code"] == "cannot_rate"
    assert "(unity)" in error["message"] and "(unity)" in error["message_en"]


@pytest.mark.parametrize(
    ("manager", "name", "body", "path", "code"),
    [
        ("dave", "bob", {"organising_percent": 150}, "organising_percent", "over_maximum"),
        ("dave", "bob", {"unity_percent": -1}, "unity_percent", None),
        ("dave", "bob", {"unity_percent": "nhiều"}, "unity_percent", None),
        ("bob", "Sơn", {"organising_percent": 100}, "organising_percent", "not_a_leader"),
    ],
)
def test_refusals_through_the_api_name_the_field(leader_month, manager, name, body, path, code):
    month, period, _ = leader_month
    self_assess(month, name, period)
    refused = manager_score_api(month, manager, name, period, {"scores": FULL, **body}, 400)
    error = refused["errors"][0]
    assert error["path"] == path
    if code:
        assert error["code"] == code
    assert error["message"] and error["message_en"]


def test_a_value_off_the_templates_scale_is_refused(month):
    publish_leader_components(leader_component_steps="100,75,50,25,0")
    period = open_month(month)
    self_assess(month, "bob", period)
    refused = manager_score_api(month, "dave", "bob", period, {"unity_percent": 80}, 400)
    error = refused["errors"][0]
    assert (error["path"], error["code"]) == ("unity_percent", "not_on_scale")
    assert "100, 75, 50, 25, 0" in error["message_en"]
    manager_score_api(month, "dave", "bob", period, {"unity_percent": 75})
    assert ev(month, "bob", period).unity_percent == 75


def test_the_schema_documents_the_components(leader_month):
    response = client_for(leader_month[0].user("sam")).get("/api/v1/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "organising_percent" in text and "unity_percent" in text
    assert "leader_component_steps" in text


# --- the manager's scoring page ---------------------------------------------------------------


def test_the_page_shows_the_fields_and_guidance_for_a_leader_only(leader_month):
    month, period, _ = leader_month
    self_assess(month, "bob", period)
    self_assess(month, "Sơn", period)
    bob = ev(month, "bob", period)
    page = client_for(month.user("dave")).get(reverse("evaluation:team-score", args=[bob.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="organising_percent"' in html and 'name="unity_percent"' in html
    assert ORGANISING_GUIDANCE in html and UNITY_GUIDANCE in html

    son = ev(month, "Sơn", period)
    page = client_for(month.user("bob")).get(reverse("evaluation:team-score", args=[son.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "organising_percent" not in html and ORGANISING_GUIDANCE not in html


def test_the_page_refuses_a_submission_without_them_and_shows_the_live_components(leader_month):
    month, period, _ = leader_month
    self_assess(month, "bob", period)
    bob = ev(month, "bob", period)
    client = client_for(month.user("dave"))
    url = reverse("evaluation:team-score", args=[bob.pk])
    form = {f"scores.G{i}": "5" for i in range(1, 7)}
    form |= {"version": bob.version, "discipline": "none", "organising_percent": "100"}
    response = client.post(url, {**form, "action": "submit"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Chưa chấm năng lực tập hợp, đoàn kết (%) của lãnh đạo" in html
    assert ev(month, "bob", period).status == Status.SELF_ASSESSED

    preview = client.post(
        reverse("evaluation:team-preview", args=[bob.pk]), {**form, "unity_percent": "75"}
    )
    html = preview.content.decode()
    assert 'data-test="leader-preview"' in html
    assert "100%" in html and "75%" in html  # organising and unity as typed
