"""Export in the import layouts (round trip), formula neutralisation, units, and the admin."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from staff.imports.columns import UNITS
from staff.imports.resources import StaffMemberResource, UnitResource
from staff.imports.services import import_preview, import_run
from staff.models import StaffMember, Unit
from tests.staff.sheets import staff_row, xlsx


def exported_xlsx(resource) -> bytes:
    return resource.export().export("xlsx")


def test_a_staff_export_imports_back_unchanged(org):
    StaffMember.objects.filter(code="A003").update(email="ann@a.vn", party_member=True)
    data = exported_xlsx(StaffMemberResource(agency=org.agency_a))
    sheet = load_workbook(io.BytesIO(data)).active
    headers = [c.value for c in sheet[1]]
    assert headers[:5] == ["Mã cán bộ", "Họ và tên", "Ngày sinh", "Giới tính", "Mã đơn vị"]
    assert sheet.max_row == 7  # Sở Alpha only
    report = import_preview(data=data, filename="export.xlsx", agency_code="SOA")
    assert report.ok, report.as_text()
    assert {r.status for r in report.rows} == {"unchanged"}
    assert report.not_in_file == []


def test_formula_looking_cells_are_neutralised_on_export(org):
    StaffMember.objects.filter(code="A006").update(full_name='=HYPERLINK("http://x","y")')
    StaffMember.objects.filter(code="A005").update(email="@evil")
    data = exported_xlsx(StaffMemberResource(agency=org.agency_a))
    sheet = load_workbook(io.BytesIO(data)).active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert '\'=HYPERLINK("http://x","y")' in values
    assert "'@evil" in values
    assert not any(v.startswith(("=", "+", "@")) for v in values)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_units_import_parents_first_and_export_round_trip(org):
    headers = ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cha", "Loại đơn vị"]
    rows = [
        ["A-KH-T2", "Tổ 2", "A-KH-P9", "Tổ"],  # child listed before its new parent
        ["A-KH-P9", "Phòng Chín", "SOA", "Phòng"],
        ["A-VP", "Văn phòng Sở", "SOA", "Phòng"],  # renamed
    ]
    report = import_run(data=xlsx(rows, headers), filename="u.xlsx", agency_code="SOA", kind=UNITS)
    assert report.written, report.as_text()
    assert Unit.objects.get(code="A-KH-T2").path == "A-KH-P9/A-KH-T2/"
    assert Unit.objects.get(code="A-VP").name == "Văn phòng Sở"
    status = {r.code: r.status for r in report.rows}
    assert status == {"A-KH-T2": "new", "A-KH-P9": "new", "A-VP": "changed"}
    data = exported_xlsx(UnitResource(agency=org.agency_a))
    again = import_preview(data=data, filename="u.xlsx", agency_code="SOA", kind=UNITS)
    assert again.ok, again.as_text()
    assert {r.status for r in again.rows} == {"unchanged"}


def test_a_unit_loop_and_an_unknown_parent_are_refused(org):
    headers = ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cha"]
    rows = [["X1", "Một", "X2"], ["X2", "Hai", "X1"], ["X3", "Ba", "NOWHERE"]]
    report = import_run(data=xlsx(rows, headers), filename="u.xlsx", agency_code="SOA", kind=UNITS)
    assert not report.written
    messages = " ".join(e.message for e in report.errors)
    assert "parent loop" in messages
    assert "unknown parent" in messages
    assert not Unit.objects.filter(code__in=["X1", "X2", "X3"]).exists()


def test_the_admin_imports_through_the_safe_reader_and_the_same_rules(org, admin_client):
    url = reverse("admin:staff_staffmember_import")
    bad = xlsx([staff_row("A701", "Đinh Văn Hải", "A-KH", manager="NOBODY")], title="DANH SÁCH")
    response = admin_client.post(
        url,
        {"format": "0", "resource": "0",
         "import_file": SimpleUploadedFile("ds.xlsx", bad)},
    )  # fmt: skip
    assert response.status_code == 200
    assert "not found" in response.content.decode()
    assert not StaffMember.objects.filter(code="A701").exists()

    bomb = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    response = admin_client.post(
        url, {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("x.xlsx", bomb)}
    )
    assert response.status_code == 200
    assert "encrypted" in response.content.decode()


def test_the_admin_exports_staff(org, admin_client):
    response = admin_client.post(
        reverse("admin:staff_staffmember_export"),
        {"format": "0", "resource": "0", **{f"staffmemberresource_{f}": "on" for f in (
            "code", "full_name", "unit")}},
    )  # fmt: skip
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
