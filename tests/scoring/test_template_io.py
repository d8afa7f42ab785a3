"""Criteria templates to and from .xlsx: Hoa (province admin) exports the standard template,
edits it in a spreadsheet and imports it back as a new draft; a published version never moves.
"""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from scoring import services
from scoring.models import AdjustmentItem, CriteriaTemplate, Criterion, Status
from scoring.template_io import (
    SHEET_ADJUSTMENTS,
    SHEET_CRITERIA,
    SHEET_SETTINGS,
    TemplateFileInvalid,
    template_export_xlsx,
    template_import,
)
from staff.models import AuditEntry, Role
from tests.factories import RoleAssignmentFactory, UserFactory

CODE = "ND335-2025-TPL"


@pytest.fixture
def standard(db):
    """The standard template plus two bonus/deduction items, published as version 2."""
    call_command("load_standard_rules", "--published-by", "2026-01-01", verbosity=0)
    draft = services.template_new_version(
        template=CriteriaTemplate.objects.get(code=CODE, version=1), user=None
    )
    AdjustmentItem.objects.create(
        template=draft, kind="bonus", code="T1", name="Sáng kiến được công nhận", points=2
    )
    AdjustmentItem.objects.create(
        template=draft,
        kind="deduction",
        code="D1",
        name="Tự đánh giá chậm",
        name_en="Late self-assessment",
        points=1,
        max_per_period=3,
    )
    return services.template_publish(template=draft, user=None)


def snapshot(template):
    criteria = [
        (c.group.code, c.group.name, c.code, c.name, c.name_en, c.max_points, c.guidance)
        for c in Criterion.objects.filter(template=template).select_related("group")
    ]
    items = [
        (i.kind, i.code, i.name, i.name_en, i.points, i.max_per_period)
        for i in AdjustmentItem.objects.filter(template=template)
    ]
    header = {
        f: getattr(template, f)
        for f in ("name", "name_en", "task_mode", "task_max", "weight_quality", "total_cap",
                  "deduction_max", "leader_unit_share", "error_deduction")
    }  # fmt: skip
    return sorted(criteria), sorted(items), header


def edit(data: bytes, sheet: str, changes: dict[str, object]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    for ref, value in changes.items():
        wb[sheet][ref] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def errors_of(data: bytes) -> list[str]:
    with pytest.raises(TemplateFileInvalid) as caught:
        template_import(data=data, filename="mau.xlsx")
    return [str(e) for e in caught.value.errors]


def test_a_round_trip_reproduces_the_template_as_a_new_draft(standard):
    data = template_export_xlsx(template=standard)
    copy = template_import(data=data, filename="mau.xlsx")
    assert (copy.code, copy.version, copy.status) == (CODE, 3, Status.DRAFT)
    assert snapshot(copy) == snapshot(standard)
    assert len(snapshot(copy)[0]) > 0 and len(snapshot(copy)[1]) > 0
    assert AuditEntry.objects.filter(action="scoring.template_imported").count() == 1


def test_the_workbook_has_the_three_sheets_with_vietnamese_headers(standard):
    wb = load_workbook(io.BytesIO(template_export_xlsx(template=standard)))
    assert wb.sheetnames == [SHEET_CRITERIA, SHEET_SETTINGS, SHEET_ADJUSTMENTS]
    assert [c.value for c in wb[SHEET_CRITERIA][1]][:4] == [
        "Mã nhóm",
        "Tên nhóm",
        "Tên nhóm (tiếng Anh)",
        "Mã tiêu chí",
    ]
    settings = {r[0]: r[1] for r in wb[SHEET_SETTINGS].iter_rows(min_row=2, values_only=True)}
    assert settings["Mã mẫu"] == CODE and settings["Tổng điểm tiêu chí chung"] == 30


def test_an_edit_becomes_a_draft_and_the_published_version_is_untouched(standard):
    before = snapshot(standard)
    data = edit(template_export_xlsx(template=standard), SHEET_CRITERIA, {"E2": "Tên mới"})
    data = edit(data, SHEET_SETTINGS, {"B19": None})  # no declared total: G-points may change
    copy = template_import(data=data, filename="mau.xlsx")
    standard.refresh_from_db()
    assert standard.status == Status.PUBLISHED and snapshot(standard) == before
    assert Criterion.objects.filter(template=copy, name="Tên mới").count() == 1


def test_a_duplicate_criterion_code_is_named_by_row_and_column(standard):
    data = template_export_xlsx(template=standard)
    first = load_workbook(io.BytesIO(data))[SHEET_CRITERIA]["D2"].value
    errors = errors_of(edit(data, SHEET_CRITERIA, {"D3": first}))
    assert any(
        e.startswith("Trang “Tiêu chí”, dòng 3, cột “Mã tiêu chí”")
        and f"“{first}” trùng với dòng 2" in e
        for e in errors
    )
    assert CriteriaTemplate.objects.filter(code=CODE).count() == 2


def test_negative_and_non_numeric_points_are_refused(standard):
    data = edit(template_export_xlsx(template=standard), SHEET_CRITERIA, {"G2": -5, "G3": "năm"})
    errors = errors_of(data)
    assert any(
        e.startswith("Trang “Tiêu chí”, dòng 2, cột “Điểm tối đa”") and "không được âm" in e
        for e in errors
    )
    assert any(
        e.startswith("Trang “Tiêu chí”, dòng 3, cột “Điểm tối đa”")
        and "“năm” không phải là số" in e
        for e in errors
    )


def test_criteria_must_add_up_to_the_declared_general_total(standard):
    data = edit(template_export_xlsx(template=standard), SHEET_CRITERIA, {"G2": 9})
    errors = errors_of(data)
    assert len(errors) == 1
    assert errors[0].startswith("Trang “Thiết lập”, dòng 19, cột “Giá trị”")
    assert "34, không bằng 30" in errors[0]


def test_a_missing_required_value_is_named(standard):
    data = edit(template_export_xlsx(template=standard), SHEET_CRITERIA, {"E4": None})
    data = edit(data, SHEET_ADJUSTMENTS, {"B2": None, "E3": -1})
    errors = errors_of(data)
    assert "Trang “Tiêu chí”, dòng 4, cột “Tên tiêu chí”: Thiếu giá trị bắt buộc" in errors[0]
    assert any(e.startswith("Trang “Cộng trừ điểm”, dòng 2, cột “Mã”: Thiếu") for e in errors)
    assert any(e.startswith("Trang “Cộng trừ điểm”, dòng 3, cột “Số điểm mỗi lần”") for e in errors)


def test_settings_out_of_range_are_named_by_their_row(standard):
    data = edit(template_export_xlsx(template=standard), SHEET_SETTINGS, {"B12": 2})
    errors = errors_of(data)
    assert errors[0].startswith("Trang “Thiết lập”, dòng 12, cột “Giá trị”")


def test_a_formula_looking_name_survives_the_round_trip_as_text(standard):
    data = edit(template_export_xlsx(template=standard), SHEET_CRITERIA, {"E2": None})
    crit = Criterion.objects.filter(template=standard).order_by("group__order", "order").first()
    draft = template_import(data=edit(data, SHEET_CRITERIA, {"E2": crit.name}), filename="m.xlsx")
    target = Criterion.objects.get(template=draft, code=crit.code)
    target_template = target.template
    target.name = "=HYPERLINK(1)"
    target.save()
    wb = load_workbook(io.BytesIO(template_export_xlsx(template=target_template)))
    cell = next(c for c in wb[SHEET_CRITERIA]["E"] if "HYPERLINK" in str(c.value))
    assert cell.data_type == "s" and cell.value == "'=HYPERLINK(1)"
    again = template_import(data=template_export_xlsx(template=target_template), filename="m.xlsx")
    assert Criterion.objects.get(template=again, code=crit.code).name == "=HYPERLINK(1)"


def test_only_the_province_admin_may_import(standard, db):
    bob = UserFactory(username="bob")
    with pytest.raises(PermissionDenied):
        template_import(data=template_export_xlsx(template=standard), filename="m.xlsx", user=bob)
    sam = UserFactory(username="sam")
    RoleAssignmentFactory(user=sam, role=Role.PROVINCE_ADMIN)
    draft = template_import(
        data=template_export_xlsx(template=standard), filename="m.xlsx", user=sam
    )
    assert draft.created_by == sam


def test_the_command_round_trip(standard, tmp_path, capsys):
    out = tmp_path / "mau.xlsx"
    call_command("template_io", "export", CODE, "--version", "2", "-o", str(out))
    call_command("template_io", "import", str(out))
    assert "v3" in capsys.readouterr().out
    draft = CriteriaTemplate.objects.get(code=CODE, version=3)
    assert draft.status == Status.DRAFT and snapshot(draft) == snapshot(standard)


def test_the_command_prints_every_error_and_exits_1(standard, tmp_path, capsys):
    path = tmp_path / "mau.xlsx"
    path.write_bytes(edit(template_export_xlsx(template=standard), SHEET_CRITERIA, {"G2": -1}))
    with pytest.raises(CommandError) as caught:
        call_command("template_io", "import", str(path))
    assert caught.value.returncode == 1
    assert "dòng 2, cột “Điểm tối đa”" in capsys.readouterr().out


def test_a_non_workbook_is_refused_without_a_traceback(standard):
    errors = errors_of(b"not a zip")
    assert "xlsx" in errors[0]


def test_the_admin_exports_one_version_and_imports_it_as_a_draft(standard, client, hoa):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(hoa)
    changelist = reverse("admin:scoring_criteriatemplate_changelist")
    assert "Nhập từ tệp Excel" in client.get(changelist).content.decode()
    response = client.post(changelist, {"action": "export_xlsx", "_selected_action": [standard.pk]})
    assert response["Content-Disposition"].endswith(f'-{CODE}-v2.xlsx"')
    url = reverse("admin:scoring_criteriatemplate_import_xlsx")
    bad = edit(response.content, SHEET_CRITERIA, {"G2": -1})
    page = client.post(url, {"file": SimpleUploadedFile("m.xlsx", bad)}).content.decode()
    assert "dòng 2, cột “Điểm tối đa”" in page
    done = client.post(url, {"file": SimpleUploadedFile("m.xlsx", response.content)})
    draft = CriteriaTemplate.objects.get(code=CODE, version=3)
    assert done.status_code == 302 and str(draft.pk) in done["Location"]
