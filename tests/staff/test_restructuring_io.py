"""A restructuring plan from the province's spreadsheet (staff.restructuring_io): Sở Alpha (SOA,
units A-LD and A-KH) and Sở Beta (SOB, unit B-NV) of the month every workflow test lives
through, merged, split, renamed, their units moved and dissolved from a sheet — and a sheet with
mistakes naming each one by its row and column, writing nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from staff.models import Agency, AgencySuccession, AuditEntry, Restructuring, StaffMember, Unit
from staff.restructuring import NewAgency, RestructuringRefused
from staff.restructuring_io import (
    COLUMNS,
    plan_file_apply,
    plan_file_preview,
    plan_read,
    restructuring_template_xlsx,
)
from tests.evaluation import conftest as month_fixtures
from tests.staff.sheets import csv_bytes, nfd, xlsx

month = month_fixtures.month
standard_rules = month_fixtures.standard_rules

HEADERS = [c.header for c in COLUMNS]
DECISION = "Nghị quyết 45/NQ-HĐND ngày 20/9/2026 của HĐND tỉnh"
OCTOBER_1 = dt.date(2026, 10, 1)


def row(kind, old, new="", *, name="", name_en="", agency_type="", on="01/10/2026",
        reference=DECISION, units="", note=""):  # fmt: skip
    return [kind, old, new, name, name_en, agency_type, on, reference, units, note]


def sheet(*rows, headers=HEADERS, **kw) -> bytes:
    return xlsx(list(rows), headers, **kw)


def read(data: bytes, name: str = "ke-hoach.xlsx"):
    return plan_read(data=data, filename=name)


def preview(month, data: bytes, name: str = "ke-hoach.xlsx"):
    return plan_file_preview(data=data, filename=name, user=month.user("sam"))


def problems(result) -> dict[tuple[int | None, str], str]:
    """(row, column) → the problem's code."""
    return {(p["row"], p["column"]): p["code"] for p in result["problems"]}


# --- reading -------------------------------------------------------------------------------


def test_a_merger_row_reads_as_one_step_with_its_sheet_row(month):
    read_back = read(sheet(row("Sáp nhập", "SOA", "SOB", note="Theo Đề án 01")))
    assert read_back.problems == []
    [step] = read_back.plan.steps
    assert (step.kind, step.agencies, step.target) == ("merge", ["SOA"], "SOB")
    assert (step.effective_on, step.reference, step.row) == (OCTOBER_1, DECISION, 2)
    assert step.note == "Theo Đề án 01"


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("hợp nhất", "merge"),
        ("HỢP NHẤT, SÁP NHẬP", "merge"),
        ("sap nhap", "merge"),
        ("merge", "merge"),
        ("Chia tách", "split"),
        ("split", "split"),
        ("Đổi tên cơ quan", "rename"),
        ("rename", "rename"),
        ("Chuyển đơn vị", "move_unit"),
        ("move_unit", "move_unit"),
        ("Giải thể đơn vị", "dissolve_unit"),
        ("dissolve_unit", "dissolve_unit"),
    ],
)
def test_the_kind_is_read_in_vietnamese_or_as_its_english_code(month, written, kind):
    rows = {
        "merge": row(written, "SOA", "SOB"),
        "split": row(written, "SOA", "SOB", units="A-LD; A-KH"),
        "rename": row(written, "SOA", name="Sở Alpha mới"),
        "move_unit": row(written, "A-KH", "SOB"),
        "dissolve_unit": row(written, "A-KH", "B-NV"),
    }
    read_back = read(sheet(rows[kind]))
    assert read_back.problems == []
    assert [s.kind for s in read_back.plan.steps] == [kind]


def test_headers_are_tolerant_and_english_ones_are_accepted(month):
    headers = [nfd("  LOẠI SẮP XẾP:"), "old code", "Mã  mới", "New name", "English name",
               "Agency type", "effective date", "Căn cứ (số quyết định)", "Units",
               "Note"]  # fmt: skip
    data = sheet(row("merge", "SOA", "SOB"), headers=headers, title="KẾ HOẠCH SẮP XẾP 2026")
    read_back = read(data)
    assert read_back.problems == []
    [step] = read_back.plan.steps
    assert (step.agencies, step.target, step.row) == (["SOA"], "SOB", 4)


def test_a_csv_with_semicolons_reads_like_the_workbook(month):
    data = csv_bytes([row("hợp nhất", "SOA", "SOB")], HEADERS, sep=";", bom=True)
    [step] = read(data, "ke-hoach.csv").plan.steps
    assert (step.kind, step.agencies, step.target, step.row) == ("merge", ["SOA"], "SOB", 2)


@pytest.mark.parametrize(
    "written", ["01/10/2026", "1/10/2026", "2026-10-01", dt.datetime(2026, 10, 1), "46296"]
)
def test_the_date_is_read_as_written_or_as_an_excel_date(month, written):
    [step] = read(sheet(row("merge", "SOA", "SOB", on=written))).plan.steps
    assert step.effective_on == OCTOBER_1


def test_a_merger_of_several_agencies_into_a_new_one_on_one_row(month):
    data = sheet(
        row("hợp nhất", "SOA, SOB", "SNM", name="Sở Nông nghiệp và Môi trường",
            name_en="Department of Agriculture and Environment", agency_type="Sở, ban, ngành")
    )  # fmt: skip
    [step] = read(data).plan.steps
    assert step.agencies == ["SOA", "SOB"] and step.target == "SNM"
    assert step.new == [
        NewAgency(
            "SNM", "Sở Nông nghiệp và Môi trường", "so", "Department of Agriculture and Environment"
        )
    ]


def test_a_merger_over_several_rows_is_one_step_and_creates_the_agency_once(month):
    data = sheet(
        row("hợp nhất", "SOA", "SNM", name="Sở Nông nghiệp và Môi trường", agency_type="so"),
        row("hợp nhất", "SOB", "SNM"),
    )
    read_back = read(data)
    [step] = read_back.plan.steps
    assert step.agencies == ["SOA", "SOB"] and [n.code for n in step.new] == ["SNM"]
    assert read_back.groups[0].rows == [2, 3]
    plan_file_apply(data=data, filename="k.xlsx", user=month.user("sam"))
    snm = Agency.objects.get(code="SNM")
    assert set(Unit.objects.filter(agency=snm).values_list("code", flat=True)) == {
        "A-LD",
        "A-KH",
        "B-NV",
    }
    assert set(AgencySuccession.objects.values_list("predecessor__code", flat=True)) == {
        "SOA",
        "SOB",
    }
    assert Restructuring.objects.count() == 1


def test_a_split_gives_one_row_to_each_new_part(month):
    data = sheet(
        row("chia tách", "SOA", "SOA1", name="Sở Alpha Một", agency_type="so", units="A-LD"),
        row("chia tách", "SOA", "SOA2", name="Sở Alpha Hai", agency_type="so", units="A-KH"),
    )
    [step] = read(data).plan.steps
    assert step.units == {"A-LD": "SOA1", "A-KH": "SOA2"}
    assert [n.code for n in step.new] == ["SOA1", "SOA2"]
    plan_file_apply(data=data, filename="k.xlsx", user=month.user("sam"))
    assert StaffMember.objects.get(code="A11").agency.code == "SOA2"
    assert StaffMember.objects.get(code="A01").agency.code == "SOA1"


def test_a_split_on_one_row_names_each_unit_and_its_agency(month):
    data = sheet(
        row("split", "SOA", "SOA1", name="Sở Alpha Một", agency_type="so",
            units="A-LD; A-KH=SOB")
    )  # fmt: skip
    [step] = read(data).plan.steps
    assert step.units == {"A-LD": "SOA1", "A-KH": "SOB"}


def test_rename_move_and_dissolve_rows(month):
    data = sheet(
        row("đổi tên", "SOB", name="Sở Beta mới", name_en="New Beta"),
        row("chuyển đơn vị", "A-KH", "SOB"),
        row("giải thể đơn vị", "A-LD", "B-NV"),
    )
    rename, move, dissolve = read(data).plan.steps
    assert (rename.agencies, rename.name, rename.name_en) == (["SOB"], "Sở Beta mới", "New Beta")
    assert (move.unit, move.target) == ("A-KH", "SOB")
    assert (dissolve.unit, dissolve.to_unit, dissolve.row) == ("A-LD", "B-NV", 4)


# --- problems ------------------------------------------------------------------------------


def test_each_mistake_is_named_by_its_row_and_column_and_nothing_is_written(month):
    data = sheet(
        row("sáp nhập", "SOA", "SOB"),  # fine on its own
        row("gộp lại", "SOA", "SOB"),  # unknown kind
        row("hợp nhất", "SOB", "SOA", on="31/02/2026"),  # no such date
        row("đổi tên", "SOB", reference=""),  # neither a name nor a decision
        row("giải thể đơn vị", "A-KH", "B-NV", name="Phòng mới"),  # a column it does not use
        row("hợp nhất", "SOX", "SOB", on="01/11/2026"),  # no such agency
        row("chuyển đơn vị", "A-KH", "SNX"),  # neither existing nor created
    )
    result = preview(month, data)
    assert not result["ok"] and result["steps"] == []
    assert problems(result) == {
        (3, "Loại sắp xếp"): "bad_choice",
        (4, "Ngày hiệu lực"): "bad_date",
        (5, "Tên mới"): "required",
        (5, "Căn cứ"): "required",
        (6, "Tên mới"): "not_used",
        (7, "Mã cũ"): "not_found",
        (8, "Mã mới"): "not_found",
    }
    by_row = {p["row"]: p for p in result["problems"]}
    assert "31/02/2026" in by_row[4]["message"] and "dd/mm/yyyy" in by_row[4]["message_en"]
    assert by_row[7]["path"] == "row 7.agencies" and "SOX" in by_row[7]["message"]
    assert [p["row"] for p in result["problems"]] == sorted(p["row"] for p in result["problems"])

    audit_before = AuditEntry.objects.count()
    with pytest.raises(RestructuringRefused) as refused:
        plan_file_apply(data=data, filename="k.xlsx", user=month.user("sam"))
    assert {p.path for p in refused.value.problems} >= {"row 3.kind", "row 4.effective_on"}
    assert Agency.objects.get(code="SOA").is_active
    assert not Restructuring.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_a_problem_about_a_code_on_a_later_row_of_a_step_names_that_row(month):
    data = sheet(
        row("hợp nhất", "SOA", "SNM", name="Sở Nông nghiệp và Môi trường", agency_type="so"),
        row("hợp nhất", "SOX", "SNM"),
        row("chia tách", "SOB", "SOB1", name="Sở Beta Một", agency_type="so", units="B-NV"),
        row("chia tách", "SOB", "SOB2", name="Sở Beta Hai", agency_type="so", units="A-KH"),
    )
    result = preview(month, data)
    paths = {p["path"]: p["code"] for p in result["problems"]}
    assert paths == {"row 3.agencies": "not_found", "row 5.units.A-KH": "not_found"}


def test_a_split_whose_rows_disagree_or_leave_a_unit_out_is_refused(month):
    data = sheet(
        row("chia tách", "SOA", "SOA1", name="Sở Alpha Một", agency_type="so", units="A-LD"),
        row("chia tách", "SOA", "SOA2", name="Sở Alpha Hai", agency_type="so", units="A-KH",
            on="02/10/2026"),
    )  # fmt: skip
    assert problems(preview(month, data)) == {(3, "Ngày hiệu lực"): "mismatch"}
    lonely = sheet(
        row("chia tách", "SOA", "SOA1", name="Sở Alpha Một", agency_type="so", units="A-LD")
    )
    result = preview(month, lonely)
    assert problems(result) == {(2, "Đơn vị"): "unit_unassigned"}
    assert "A-KH" in result["problems"][0]["message"]


def test_a_new_agency_is_created_once_and_before_it_is_used(month):
    data = sheet(
        row("chuyển đơn vị", "A-KH", "SNM"),
        row("hợp nhất", "SOA", "SNM", name="Sở Nông nghiệp và Môi trường", agency_type="so"),
        row("chuyển đơn vị", "B-NV", "SNM", name="Sở Nông nghiệp", agency_type="so"),
    )
    found = {(p["path"], p["code"]) for p in preview(month, data)["problems"]}
    assert ("row 2.target", "created_later") in found
    assert ("row 4.new.code", "duplicate") in found


def test_an_unknown_agency_type_and_a_half_declared_new_agency(month):
    data = sheet(
        row("hợp nhất", "SOA", "SNM", name="Sở Nông nghiệp", agency_type="bộ"),
        row("hợp nhất", "SOB", "SNX", name="Sở X"),
        row("hợp nhất", "SOB", "SOA", name="Sở khác"),  # SOA exists under another name
    )
    assert problems(preview(month, data)) == {
        (2, "Loại cơ quan mới"): "not_found",
        (3, "Loại cơ quan mới"): "required",
        (4, "Tên mới"): "exists",
    }


def test_a_missing_column_is_named_with_the_header_row(month):
    headers = [h for h in HEADERS if h not in ("Ngày hiệu lực", "Căn cứ")]
    data = xlsx([["hợp nhất", "SOA", "SOB"]], headers)
    result = preview(month, data)
    assert problems(result) == {
        (1, "Ngày hiệu lực"): "missing_column",
        (1, "Căn cứ"): "missing_column",
    }
    assert "Effective date" in result["problems"][0]["message_en"]


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("ke-hoach.xlsm", b"PK\x03\x04whatever", "bad_file"),
        ("ke-hoach.xlsx", b"not a zip", "bad_file"),
        ("ke-hoach.csv", "Ghi chú\nkhông có tiêu đề\n".encode(), "bad_file"),
        ("ke-hoach.csv", csv_bytes([], HEADERS), "empty"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_problem_of_the_whole_file(month, name, data, code):
    result = preview(month, data, name)
    [problem] = result["problems"]
    assert (problem["code"], problem["path"], problem["row"]) == (code, "file", None)
    assert problem["message"] and problem["message_en"]


def test_only_the_province_admin_may_apply(month):
    data = sheet(row("merge", "SOA", "SOB"))
    result = plan_file_preview(data=data, filename="k.xlsx", user=month.user("ivy"))
    assert [p["code"] for p in result["problems"]] == ["forbidden"]
    with pytest.raises(RestructuringRefused):
        plan_file_apply(data=data, filename="k.xlsx", user=month.user("alice"))
    assert Agency.objects.get(code="SOA").is_active


# --- the empty form ------------------------------------------------------------------------


def test_the_template_has_the_headers_and_an_example_the_reader_understands(month):
    data = restructuring_template_xlsx()
    wb = load_workbook(io.BytesIO(data))
    first = wb.worksheets[0]
    assert [c.value for c in first[1]] == HEADERS
    assert first.max_row == 2 and first["A2"].value == "hợp nhất"
    assert "Hướng dẫn" in wb.sheetnames
    # The example merges SOA and SOB into a new SNM: with this province's codes it is a plan.
    result = preview(month, data)
    assert result["ok"], result["problems"]
    assert result["steps"][0]["created"] == ["SNM"]


def test_a_formula_is_read_as_text_not_run(month):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(row("đổi tên", "SOB", name='=HYPERLINK("http://evil.example","x")'))
    buffer = io.BytesIO()
    wb.save(buffer)
    [step] = read(buffer.getvalue()).plan.steps
    assert step.name.startswith("=HYPERLINK")


def test_a_unit_moved_into_a_new_agency_takes_the_new_agency_into_the_unit_s_province(month):
    alone = sheet(row("chuyển đơn vị", "A-KH", "SNX", name="Sở X", agency_type="so"))
    assert problems(preview(month, alone)) == {}
    plan_file_apply(data=alone, filename="k.xlsx", user=month.user("sam"))
    snx = Agency.objects.get(code="SNX")
    assert snx.province == month.agency_a.province
    assert Unit.objects.get(code="A-KH").agency == snx
