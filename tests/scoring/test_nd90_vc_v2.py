"""ND90-VC v2: Decree 90/48's annual, conditions-based rating of public employees, shipped as a
new version beside v1 (which stays exactly as it was), and the rules that hold it."""

from __future__ import annotations

import io
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from scoring import services
from scoring.models import CriteriaTemplate, LevelCondition, RuleSet, Status
from scoring.rules import Level, PeriodKind, TaskMode
from scoring.selectors import ruleset_get_published, ruleset_rules
from scoring.services import ruleset_validation_errors, template_validation_errors
from scoring.template_io import (
    SHEET_CONDITIONS,
    TemplateFileInvalid,
    template_export_xlsx,
    template_import,
)
from tests.scoring.conftest import STANDARD_FIXTURE


def _load(*args: str) -> str:
    out = StringIO()
    call_command("load_standard_rules", *args, stdout=out)
    return out.getvalue()


def _fixture_rows(code: str, version: int) -> list[dict]:
    data = json.loads(STANDARD_FIXTURE.read_text(encoding="utf-8"))
    return [
        o["fields"]
        for o in data
        if (o["fields"].get("code"), o["fields"].get("version")) == (code, version)
    ]


@pytest.fixture
def loaded(db) -> str:
    return _load()


def test_v2_loads_yearly_and_conditions_based_with_conditions_for_every_level(loaded):
    assert "  + ND90-VC-TPL v2: đã thêm 19 dòng / added, 19 rows" in loaded
    assert "  + ND90-VC v2: đã thêm 3 dòng / added, 3 rows" in loaded
    ruleset = ruleset_get_published(code="ND90-VC")
    assert ruleset.version == 2 and ruleset.cycle == "year"
    assert ruleset.gates_enabled and ruleset.quota_applies_year
    assert not (ruleset.quota_applies_month or ruleset.quota_applies_quarter)
    template = ruleset.template
    assert (template.code, template.version, template.task_mode) == ("ND90-VC-TPL", 2, "conditions")
    assert "chưa đối chiếu nguyên văn" in template.description
    assert template_validation_errors(template=template) == []
    assert ruleset_validation_errors(ruleset=ruleset) == []
    rules = ruleset_rules(ruleset=ruleset)
    assert rules.cycle is PeriodKind.YEAR and rules.template.task_mode is TaskMode.CONDITIONS
    by_level = {
        level: [c.code for c in rules.template.conditions if c.level is level] for level in Level
    }
    assert by_level[Level.HTXSNV] == [f"HTXSNV{i}" for i in range(1, 7)]
    assert by_level[Level.HTTNV] == [f"HTTNV{i}" for i in range(1, 7)]
    assert by_level[Level.HTNV] == [f"HTNV{i}" for i in range(1, 7)]
    assert by_level[Level.KHTNV] == []
    httnv2 = LevelCondition.objects.get(template=template, code="HTTNV2")
    assert httnv2.text.startswith("Điều 13 khoản 1 điểm b: Hoàn thành 100% nhiệm vụ")
    assert httnv2.applies_to == "non_leaders" and httnv2.text_en
    assert sorted(ruleset.caps.values_list("code", flat=True)) == [
        "year_6_to_9_months",
        "year_under_6_months",
    ]


def test_v1_stays_as_it_was(loaded):
    v1 = RuleSet.objects.get(code="ND90-VC", version=1)
    expected = next(f for f in _fixture_rows("ND90-VC", 1) if "cycle" in f)
    assert v1.cycle == expected["cycle"] == "month"
    assert v1.template.version == 1 and v1.template.task_mode == "products"
    assert list(v1.template.criteria.values_list("code", flat=True)) == [
        "V1",
        "V2",
        "V3",
        "V4",
        "V5",
    ]
    assert not LevelCondition.objects.filter(template=v1.template).exists()
    assert v1.legal_basis == expected["legal_basis"]
    # Loading again adds nothing and changes nothing.
    again = _load()
    assert "ND90-VC v2: đã có, giữ nguyên" in again and "thêm 0 phiên bản" in again


def test_conditions_of_a_published_template_are_immutable_and_copied_with_a_new_version(
    loaded, hoa
):
    template = CriteriaTemplate.objects.get(code="ND90-VC-TPL", version=2)
    condition = LevelCondition.objects.get(template=template, code="HTNV1")
    condition.text = "Đã sửa"
    with pytest.raises(ValidationError, match="published version cannot be changed"):
        condition.save()
    with pytest.raises(ValidationError):
        LevelCondition.objects.filter(template=template).update(text="x")
    with pytest.raises(ValidationError):
        LevelCondition.objects.create(
            template=template, level="HTNV", code="HTNV9", text="Thêm vào bản đã công bố"
        )
    draft = services.template_new_version(template=template, user=hoa)
    assert draft.status == Status.DRAFT and draft.version == 3
    assert list(
        LevelCondition.objects.filter(template=draft).order_by("order").values_list("code", "level")
    ) == list(
        LevelCondition.objects.filter(template=template)
        .order_by("order")
        .values_list("code", "level")
    )


def test_publication_needs_conditions_for_every_level_and_the_yearly_cycle(db, hoa):
    template = CriteriaTemplate.objects.create(
        code="VC-THU", version=1, name="Thử", task_mode="conditions"
    )
    LevelCondition.objects.create(template=template, level="HTXSNV", code="X1", text="x")
    errors = template_validation_errors(template=template)
    assert len(errors) == 1 and "HTTNV, HTNV" in errors[0]
    for level, code in (("HTTNV", "T1"), ("HTNV", "N1")):
        LevelCondition.objects.create(template=template, level=level, code=code, text=code)
    assert template_validation_errors(template=template) == []  # no criteria needed
    template = services.template_publish(template=template, user=hoa)
    monthly = RuleSet.objects.create(code="VC-THU", version=1, name="Thử", template=template)
    assert any("chu kỳ năm" in e for e in ruleset_validation_errors(ruleset=monthly))
    monthly.cycle = "year"
    monthly.save()
    assert ruleset_validation_errors(ruleset=monthly) == []


def test_the_admin_shows_the_conditions_of_a_conditions_template_only(loaded, client, hoa):
    client.force_login(hoa)
    v2 = CriteriaTemplate.objects.get(code="ND90-VC-TPL", version=2)
    v1 = CriteriaTemplate.objects.get(code="ND90-VC-TPL", version=1)
    page = client.get(reverse("admin:scoring_criteriatemplate_change", args=[v2.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "level_conditions-TOTAL_FORMS" in html and "HTXSNV1" in html
    page = client.get(reverse("admin:scoring_criteriatemplate_change", args=[v1.pk]))
    assert "level_conditions-TOTAL_FORMS" not in page.content.decode()


def _workbook_bytes(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_the_conditions_go_to_a_spreadsheet_and_back_as_a_new_draft(loaded, hoa):
    template = CriteriaTemplate.objects.get(code="ND90-VC-TPL", version=2)
    data = template_export_xlsx(template=template)
    wb = load_workbook(io.BytesIO(data))
    sheet = wb[SHEET_CONDITIONS]
    assert [c.value for c in sheet[1]][:2] == ["Mức", "Mã điều kiện"]
    assert sheet.max_row == 1 + 18
    draft = template_import(data=data, filename="vc.xlsx")
    assert (draft.version, draft.status, draft.task_mode) == (3, Status.DRAFT, "conditions")

    def rows(t):
        return list(
            LevelCondition.objects.filter(template=t)
            .order_by("order")
            .values_list("level", "code", "text", "text_en", "applies_to")
        )

    assert rows(draft) == rows(template)
    assert template_validation_errors(template=draft) == []

    sheet["A2"] = "XUẤT SẮC"
    with pytest.raises(TemplateFileInvalid) as caught:
        template_import(data=_workbook_bytes(wb), filename="vc.xlsx")
    error = caught.value.errors[0]
    assert (error.sheet, error.row, error.column) == (SHEET_CONDITIONS, 2, "Mức")


def test_conditions_under_a_points_template_are_refused_on_import(loaded):
    wb = load_workbook(
        io.BytesIO(
            template_export_xlsx(
                template=CriteriaTemplate.objects.get(code="ND90-VC-TPL", version=1)
            )
        )
    )
    assert SHEET_CONDITIONS not in wb.sheetnames  # a points template has none
    sheet = wb.create_sheet(SHEET_CONDITIONS)
    sheet.append(
        ["Mức", "Mã điều kiện", "Nội dung điều kiện", "Nội dung (tiếng Anh)", "Áp dụng cho"]
    )
    sheet.append(["HTNV", "N1", "Hoàn thành", "", "all"])
    with pytest.raises(TemplateFileInvalid) as caught:
        template_import(data=_workbook_bytes(wb), filename="vc1.xlsx")
    assert caught.value.errors[0].sheet == SHEET_CONDITIONS
