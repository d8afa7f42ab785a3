"""`manage.py rate` under a conditions-based rule set (ND90-VC v2, Decree 90/48): a person
gives ``conditions_met``; unknown codes, and conditions under a points template, are refused
with their JSON path."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from tests.scoring.test_simulator_command import run_rate


@pytest.fixture
def all_rules(db):
    call_command("load_standard_rules", verbosity=0)


def vc(code: str, met: list[str] | None, **fields) -> dict:
    person = {"code": code, "agency": "TRUONG", "duty_group": "GV", "category": "VC", **fields}
    if met is not None:
        person["conditions_met"] = met
    return person


def test_levels_from_the_conditions_met_with_no_score_and_the_quota_on_the_year(all_rules):
    batch = {
        "ruleset": "ND90-VC",
        "period": "2026",
        "people": [
            vc("E1", ["HTXSNV1", "HTXSNV2"]),
            vc("E2", ["HTXSNV1", "HTXSNV2"]),
            *[vc(f"G{i}", ["HTTNV1", "HTTNV2"]) for i in range(4)],
            vc("N", ["HTNV1", "HTNV2", "HTTNV1"]),
            vc("K", []),
            vc("U", None),
            vc("M", ["HTXSNV1", "HTXSNV2"], months_worked=7),
        ],
    }
    status, out, err = run_rate(batch)
    assert status == 0, err
    result = json.loads(out)
    assert (result["ruleset"], result["ruleset_version"], result["period"]) == (
        "ND90-VC",
        2,
        "2026",
    )
    people = {p["code"]: p for p in result["people"]}
    assert all(p["score"] is None for p in people.values())
    # 2 candidates + 4 HTTNV (M capped at HTNV, N HTNV, K KHTNV) → ⌊6/6⌋ = 1 keeps HTXSNV.
    assert people["E1"]["level"] == "HTXSNV" and people["E2"]["level"] == "HTTNV"
    assert people["G0"]["level"] == "HTTNV"
    assert people["N"]["level"] == "HTNV"
    assert people["K"]["level"] == "KHTNV"
    assert people["U"]["level"] is None
    assert [r["code"] for r in people["U"]["reasons"]] == ["conditions.not_assessed"]
    assert people["M"]["band"] == "HTXSNV" and people["M"]["level"] == "HTNV"
    missing = people["N"]["reasons"][1]
    assert missing["code"] == "conditions.missing_HTTNV" and "HTTNV2" in missing["message"]
    assert result["quota"][0]["allowed"] == 1


def test_an_unknown_condition_is_refused_with_its_path(all_rules):
    batch = {
        "ruleset": "ND90-VC",
        "period": "2026",
        "people": [vc("A", ["HTNV1"]), vc("B", ["HTNV1", "HTNV7"])],
    }
    status, _out, err = run_rate(batch)
    assert status != 0
    assert "people[1].conditions_met[1]" in err and "HTNV7" in err


def test_conditions_under_a_points_template_are_refused_with_their_path(all_rules):
    batch = {
        "ruleset": "ND335-2025",
        "period": "2026-10",
        "people": [{"code": "A", "agency": "SNV", "general": 25, "conditions_met": ["HTNV1"]}],
    }
    status, _out, err = run_rate(batch)
    assert status != 0
    assert "people[0].conditions_met" in err and "không xếp loại theo điều kiện" in err


def test_months_worked_beyond_the_period_is_refused(all_rules):
    batch = {"ruleset": "ND90-VC", "period": "2026", "people": [vc("A", [], months_worked=13)]}
    status, _out, err = run_rate(batch)
    assert status != 0 and "people[0].months_worked" in err


def test_a_condition_that_is_not_the_person_s_is_refused_with_its_path(all_rules):
    """HTTNV3 is art. 13's condition for managers: a teacher who manages nobody cannot claim it
    (the workflow refuses the same tick), and a head cannot claim the others' HTTNV1."""
    for person, path in (
        (vc("G0", ["HTTNV1", "HTTNV3"]), "people[0].conditions_met[1]"),
        (vc("H", ["HTTNV1"], leader="head"), "people[0].conditions_met[0]"),
    ):
        status, out, err = run_rate({"ruleset": "ND90-VC", "period": "2026", "people": [person]})
        assert status == 2 and out == ""
        assert f"{path}:" in err and "does not apply" in err
