"""`manage.py rate` with Decree 335's leader components: example 3 end to end, and the inputs
it refuses with their JSON path (exit status 2)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from scoring import services
from scoring.models import CriteriaTemplate, RuleSet
from scoring.template_io import template_export_xlsx, template_import
from tests.scoring.leader_rules import publish_leader_components
from tests.scoring.test_simulator_command import run_rate

FULL = {f"G{i}": 5 for i in range(1, 7)}


def example_3(at_45: bool = True) -> dict[str, Any]:
    """EXAMPLES.md 3: a deputy (general 28; products: quantity 100 %, quality 87.5 %,
    progress 100 %) over a head of unit and seven staff, one of whom scored 45; organising and
    unity 100 %."""
    staff = [
        {
            "code": f"CV{i}",
            "agency": "SNV",
            "duty_group": "CV",
            "general": 25,
            "task_points": 20 if (at_45 and i == 6) else 50,
        }
        for i in range(7)
    ]
    head = {
        "code": "TP",
        "agency": "SNV",
        "duty_group": "LD",
        "leader": "head",
        "subordinates": [s["code"] for s in staff],
        "general": FULL,
        "products": [{"weight": 1}],
        "organising": 100,
        "unity": 100,
    }
    deputy = {
        "code": "PGD",
        "agency": "SNV",
        "duty_group": "LD",
        "leader": "deputy",
        "subordinates": ["TP"],
        "general": {"G1": 5, "G2": 5, "G3": 5, "G4": 5, "G5": 4, "G6": 4},
        "products": [{"weight": 1, "major_errors": 1}, {"weight": 1}],
        "organising": 100,
        "unity": 100,
    }
    return {"ruleset": "ND335-2025", "period": "2026-10", "people": [deputy, head, *staff]}


@pytest.fixture
def leader_rules(standard_rules) -> RuleSet:
    return publish_leader_components()


def test_example_3_through_manage_py_rate(leader_rules):
    status, out, err = run_rate(example_3())
    assert status == 0, err
    deputy = json.loads(out)["people"][0]
    assert deputy["score"] == 90.71
    assert deputy["band"] == "HTXSNV" and deputy["level"] == "HTXSNV"
    assert deputy["components"]["tasks"] == 62.71
    assert deputy["components"]["leader"] == {
        "quantity": 100,
        "quality": 87.5,
        "progress": 100,
        "unit": 50,
        "organising": 100,
        "unity": 100,
    }
    codes = [r["code"] for r in deputy["reasons"]]
    assert "tasks.leader_unit" in codes and "tasks.leader_components" in codes
    assert not [c for c in codes if c.startswith("gate.")]


def test_example_3_with_everyone_at_or_above_fifty(leader_rules):
    status, out, _ = run_rate(example_3(at_45=False))
    assert status == 0
    deputy = json.loads(out)["people"][0]
    assert deputy["components"]["tasks"] == 68.54
    assert deputy["score"] == 96.54 and deputy["components"]["leader"]["unit"] == 100


def test_staff_output_has_no_leader_components(leader_rules):
    _, out, _ = run_rate(example_3())
    assert "leader" not in json.loads(out)["people"][2]["components"]


def _with(change) -> dict[str, Any]:
    data = copy.deepcopy(example_3())
    change(data["people"])
    return data


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda p: p[0].update(organising=101), "people[0].organising", "100"),
        (lambda p: p[0].update(unity=-5), "people[0].unity", "less than 0"),
        (lambda p: p[0].update(unity="100"), "people[0].unity", "must be a number"),
        (lambda p: p[0].update(organising=99.999), "people[0].organising", "decimal"),
        (lambda p: p[2].update(organising=100), "people[2].organising", "leaders only"),
        (lambda p: p[0].pop("organising"), "people[0].organising", "missing"),
        (lambda p: p[1].pop("unity"), "people[1].unity", "missing"),
    ],
)
def test_refusals_name_the_json_path_and_exit_2(leader_rules, change, path, words):
    status, out, err = run_rate(_with(change))
    assert status == 2 and out == ""
    assert f"{path}:" in err and words in err
    assert "Traceback" not in err


def test_a_value_off_the_templates_scale_is_refused(standard_rules):
    publish_leader_components(leader_component_steps="100,75,50,25,0")
    status, _, err = run_rate(_with(lambda p: p[0].update(unity=80)))
    assert status == 2
    assert "people[0].unity:" in err and "100, 75, 50, 25, 0" in err
    assert run_rate(_with(lambda p: p[0].update(unity=75)))[0] == 0


def test_components_are_refused_where_the_template_does_not_use_them(standard_rules):
    # Version 1 of ND335-2025 keeps the older formula (history is never rewritten).
    status, _, err = run_rate(example_3(), "--ruleset-version", "1")
    assert status == 2 and "people[0].organising:" in err and "does not count" in err


def test_a_quarter_aggregates_months_and_needs_no_components(leader_rules):
    data = {
        "ruleset": "ND335-2025",
        "period": "2026-Q4",
        "people": [
            {
                "code": "PGD",
                "agency": "SNV",
                "leader": "deputy",
                "months": [{"period": "2026-10", "score": 90.71}],
            }
        ],
    }
    status, out, err = run_rate(data)
    assert status == 0, err
    assert json.loads(out)["people"][0]["score"] == 90.71


# --- the template's new fields: publication, new versions, export/import --------------------


def _draft(**fields: Any) -> CriteriaTemplate:
    current = CriteriaTemplate.objects.filter(code="ND335-2025-TPL").latest("version")
    draft = services.template_new_version(template=current, user=None)
    CriteriaTemplate.objects.filter(pk=draft.pk).update(leader_components=True, **fields)
    draft.refresh_from_db()
    return draft


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"weight_unit": -1}, "must not be negative"),
        (
            {
                "weight_quantity": 0,
                "weight_quality": 0,
                "weight_progress": 0,
                "weight_unit": 0,
                "weight_organising": 0,
                "weight_unity": 0,
            },
            "must not all be zero",
        ),
        ({"leader_component_steps": "100,tốt,50"}, "“tốt” is not a number from 0 to 100"),
        ({"leader_component_steps": "100,120"}, "“120” is not a number from 0 to 100"),
        ({"leader_unit_share": "0.5"}, "cannot both be on"),
    ],
)
def test_publication_refuses_bad_leader_component_settings(standard_rules, fields, words):
    draft = _draft(**fields)
    with pytest.raises(ValidationError) as refused:
        services.template_publish(template=draft, user=None)
    messages = " ".join(refused.value.messages)
    assert words in messages
    assert " / " in messages  # Vietnamese, then English


def test_a_new_version_carries_the_leader_component_fields(standard_rules):
    draft = _draft(
        weight_unit=2,
        weight_organising="1.5",
        weight_unity="0.5",
        leader_component_steps="100,50,0",
        organising_guidance="Tổ chức",
        unity_guidance="Đoàn kết",
    )
    services.template_publish(template=draft, user=None)
    copy_ = services.template_new_version(template=draft, user=None)
    fields = (
        "leader_components",
        "weight_unit",
        "weight_organising",
        "weight_unity",
        "leader_component_steps",
        "organising_guidance",
        "unity_guidance",
    )
    assert {f: getattr(copy_, f) for f in fields} == {f: getattr(draft, f) for f in fields}


def test_template_export_and_import_carry_the_leader_component_fields(standard_rules):
    draft = _draft(
        weight_unit=2,
        leader_component_steps="100,75,50",
        organising_guidance="Tổ chức: căn cứ kế hoạch",
        unity_guidance="Đoàn kết: không có đơn thư",
    )
    services.template_publish(template=draft, user=None)
    imported = template_import(data=template_export_xlsx(template=draft), filename="mau.xlsx")
    assert imported.version == draft.version + 1
    assert imported.leader_components is True
    assert imported.weight_unit == 2
    assert imported.leader_component_steps == "100,75,50"
    assert imported.organising_guidance == "Tổ chức: căn cứ kế hoạch"
    assert imported.unity_guidance == "Đoàn kết: không có đơn thư"
