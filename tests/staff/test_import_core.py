"""Staff import: preview, all-or-nothing, idempotence, transfers, scope (docs/imports.md,
“Rules”).

The org is the shared story (conftest): Sở Alpha (A-VP, A-KH, A-KH-TH, A-TT) with Alice, Bob,
Ann, Tom, Dan, Olga; Sở Beta (B-NV) with Charlie and Bea.
"""

from __future__ import annotations

import datetime as dt

import pytest

from staff.imports.services import ImportRefused, import_preview, import_run
from staff.models import Role, StaffMember, Transfer
from tests.factories import RoleAssignmentFactory, UserFactory
from tests.staff.sheets import STAFF_HEADERS, csv_bytes, nfd, staff_row, xlsx


@pytest.fixture
def hr_a(org):
    user = UserFactory(username="hoa")
    RoleAssignmentFactory(user=user, role=Role.HR_OFFICER, agency=org.agency_a)
    return user


def stored_row(code, name, unit, **kw):
    """A row as the factory stored the person (position and duty group "CV")."""
    return staff_row(code, name, unit, position="CV", duty="Chuyên viên", **kw)


def existing_rows():
    """Sở Alpha as it is stored, as a full-agency file would list it."""
    return [
        stored_row("A001", "Trần Thị Ánh", "A-VP"),
        stored_row("A002", "Lê Văn Bình", "A-KH", manager="A001"),
        stored_row("A003", "Nguyễn Thị An", "A-KH", manager="A002"),
        stored_row("A004", "Phạm Văn Tâm", "A-KH-TH", manager="A002"),
        stored_row("A005", "Đặng Văn Đức", "A-TT", manager="A002"),
        stored_row("A006", "Hồ Thị Oanh", "A-TT"),
    ]


def snapshot():
    return sorted(
        StaffMember.objects.values_list(
            "code", "full_name", "unit__code", "manager__code", "email", "category", "joined_on"
        )
    )


def test_a_clean_file_imports_new_people_and_links_managers(org, hr_a):
    data = xlsx(
        [
            staff_row("A101", "Võ Thị Hạnh", "A-KH", manager="A102", email="hanh@a.vn",
                      dob="05/03/1990", gender="Nữ", party="x", category="Viên chức"),
            staff_row("A102", "Lý Văn Khoa", "A-KH", manager="A002", category="công chức"),
        ]
    )  # fmt: skip
    report = import_run(data=data, filename="a.xlsx", user=hr_a, full=False)
    assert report.ok, report.as_text()
    assert report.written
    assert report.totals["new"] == 2
    hanh = StaffMember.objects.get(code="A101")
    assert hanh.manager.code == "A102"
    assert hanh.category == "VC"
    assert hanh.gender == "female"
    assert hanh.party_member
    assert hanh.date_of_birth == dt.date(1990, 3, 5)
    assert hanh.agency == org.agency_a
    assert hanh.given_name == "Hạnh"
    assert StaffMember.objects.get(code="A102").manager.code == "A002"


def test_the_preview_classifies_rows_and_writes_nothing(org, hr_a):
    rows = existing_rows()
    rows[1] = stored_row("A002", "Lê Văn Bình", "A-KH", manager="A001", email="binh@a.vn")
    rows.append(staff_row("A201", "Mai Thị Lan", "A-TT"))
    before = snapshot()
    report = import_preview(data=xlsx(rows), filename="a.xlsx", user=hr_a)
    assert report.ok, report.as_text()
    assert not report.written
    assert snapshot() == before
    status = {r.code: (r.status, r.changes) for r in report.rows}
    assert status["A002"] == ("changed", ["Email"])
    assert status["A001"] == ("unchanged", [])
    assert status["A201"] == ("new", [])
    assert report.totals == {
        "total": 7, "new": 1, "changed": 1, "unchanged": 5, "error": 0, "not_in_file": 0
    }  # fmt: skip


def test_importing_the_same_file_twice_changes_nothing(org, hr_a):
    rows = [*existing_rows(), staff_row("A201", "Mai Thị Lan", "A-TT", email="lan@a.vn")]
    rows[0] = stored_row("A001", "Trần Thị Ánh", "A-VP", email="anh@a.vn")
    first = import_run(data=xlsx(rows), filename="a.xlsx", user=hr_a)
    assert first.written, first.as_text()
    after_first = snapshot()
    second = import_run(data=xlsx(rows), filename="a.xlsx", user=hr_a)
    assert second.ok
    assert snapshot() == after_first
    assert {r.status for r in second.rows} == {"unchanged"}


def test_a_unit_change_is_recorded_as_a_transfer(org, hr_a):
    rows = existing_rows()
    rows[5] = stored_row("A006", "Hồ Thị Oanh", "A-KH", manager="A002")  # Olga moves to planning
    report = import_run(data=xlsx(rows), filename="a.xlsx", user=hr_a)
    assert report.written, report.as_text()
    olga = StaffMember.objects.get(code="A006")
    assert olga.unit == org.planning
    assert olga.manager == org.bob_sm
    transfer = Transfer.objects.get(staff=olga)
    assert (transfer.from_unit, transfer.to_unit) == (org.inspection, org.planning)
    assert transfer.recorded_by == hr_a
    row = next(r for r in report.rows if r.code == "A006")
    assert row.status == "changed"
    assert set(row.changes) == {"Mã đơn vị", "Mã người quản lý"}
    again = import_run(data=xlsx(rows), filename="a.xlsx", user=hr_a)
    assert again.ok
    assert Transfer.objects.filter(staff=olga).count() == 1


def test_people_missing_from_a_full_file_are_listed_not_deleted(org, hr_a):
    rows = existing_rows()[:4]
    report = import_run(data=xlsx(rows), filename="a.xlsx", user=hr_a)
    assert report.written
    assert [c for c, _ in report.not_in_file] == ["A005", "A006"] or {
        c for c, _ in report.not_in_file
    } == {"A005", "A006"}
    assert StaffMember.objects.filter(code__in=["A005", "A006"]).count() == 2


def test_hr_of_another_agency_is_refused(org):
    hr_b = UserFactory(username="binh-hr")
    RoleAssignmentFactory(user=hr_b, role=Role.HR_OFFICER, agency=org.agency_b)
    with pytest.raises(ImportRefused):
        import_run(data=xlsx(existing_rows()), filename="a.xlsx", user=hr_b, agency_code="SOA")
    # Into their own agency, Alpha's people and units are not theirs: nothing is written.
    before = snapshot()
    report = import_run(data=xlsx(existing_rows()), filename="a.xlsx", user=hr_b)
    assert not report.written
    assert snapshot() == before
    messages = " ".join(e.message for e in report.errors)
    assert "cơ quan khác" in messages
    assert "unknown unit" in messages


def test_a_plain_staff_member_may_not_import(org):
    with pytest.raises(ImportRefused):
        import_preview(data=xlsx(existing_rows()), filename="a.xlsx", user=org.ann_user)


@pytest.mark.parametrize(
    ("row", "column", "needle"),
    [
        (staff_row("A301", "Ngô Văn Phúc", "X-NONE"), "Mã đơn vị", "unknown unit"),
        (staff_row("A301", "Ngô Văn Phúc", "A-KH", manager="ZZZ"), "Mã người quản lý",
         "not found"),
        (staff_row("A301", "Ngô Văn Phúc", "A-KH", manager="B001"), "Mã người quản lý",
         "another agency"),
        (staff_row("A301", "Ngô Văn Phúc", "A-KH", joined="31/02/2020"), "Ngày vào", "bad date"),
        (staff_row("A301", "Ngô Văn Phúc", "A-KH", dob="hôm qua"), "Ngày sinh", "bad date"),
        (staff_row("A301", "Ngô Văn Phúc", "A-KH", category="HĐ68"), "Loại", "unknown category"),
        (staff_row("A301", "", "A-KH"), "Họ và tên", "missing required value"),
        (staff_row("A301", "Ngô Văn Phúc", "A-KH", joined=""), "Ngày vào",
         "missing required value"),
        (staff_row("A301", "Ngô Văn Phúc", "A-KH", email="ann@x.vn"), "Email",
         "used by someone else"),
        (staff_row("A301", "Ngô Văn Phúc", "A-KH", manager="A301"), "Mã người quản lý",
         "own manager"),
        (staff_row("A301", "Ngô Văn Phúc", "A-KH", email="not-an-email"), "Email",
         "invalid e-mail"),
    ],
)  # fmt: skip
def test_each_error_names_row_column_problem_and_nothing_is_written(org, hr_a, row, column,
                                                                     needle):  # fmt: skip
    StaffMember.objects.filter(code="A003").update(email="ann@x.vn")
    rows = [staff_row("A300", "Đỗ Thị Mai", "A-KH"), row]
    before = snapshot()
    report = import_run(data=xlsx(rows, title="DANH SÁCH CÁN BỘ"), filename="a.xlsx", user=hr_a)
    assert not report.written
    assert snapshot() == before
    [error] = report.errors
    assert (error.row, error.column) == (5, column)  # title, blank, header, A300, then this
    assert needle in error.message
    assert " — " in error.message  # Vietnamese — English
    assert report.totals["error"] == 1


def test_duplicate_codes_in_the_file(org, hr_a):
    rows = [staff_row("A301", "Ngô Văn Phúc", "A-KH"), staff_row("a301", "Ngô Văn Phú", "A-TT")]
    report = import_run(data=xlsx(rows), filename="a.xlsx", user=hr_a, full=False)
    assert not report.written
    [error] = report.errors
    assert (error.row, error.column) == (3, "Mã cán bộ")
    assert "trùng với dòng 2" in error.message


def test_a_manager_loop_is_refused(org, hr_a):
    rows = [
        staff_row("A301", "Ngô Văn Phúc", "A-KH", manager="A302"),
        staff_row("A302", "Ngô Văn Lộc", "A-KH", manager="A303"),
        staff_row("A303", "Ngô Văn Thọ", "A-KH", manager="A301"),
        staff_row("A304", "Ngô Văn Tài", "A-KH", manager="A301"),  # under the loop, not on it
    ]
    report = import_run(data=xlsx(rows), filename="a.xlsx", user=hr_a, full=False)
    assert not report.written
    assert {e.row for e in report.errors} == {2, 3, 4}
    assert all("manager loop" in e.message for e in report.errors)


def test_a_loop_through_stored_managers_is_refused(org, hr_a):
    # Bob (A002) is managed by Alice (A001); making Alice report to Bob closes a loop.
    rows = [staff_row("A001", "Trần Thị Ánh", "A-VP", manager="A002")]
    report = import_run(data=xlsx(rows), filename="a.xlsx", user=hr_a, full=False)
    assert not report.written
    assert "manager loop" in report.errors[0].message


def test_libreoffice_quirks_title_rows_trailing_blanks_text_numbers_nfd(org, hr_a):
    headers = [nfd(h.upper()) + "  " for h in STAFF_HEADERS]  # NFD, upper case, padded
    rows = [
        ["00123", nfd("Nguyễn Thị Ngọc Ánh"), "7/9/1988", "nu", "A-KH", "", "cc", "", "", "",
         "", "01/06/2012"],
        [1234, "  Trần   Văn  Bảo ", dt.datetime(1990, 1, 2), "Nam", "A-TT", "", "NLĐ", "", "",
         "", "Có", dt.datetime(2019, 5, 1)],
    ]  # fmt: skip
    data = xlsx(rows, headers, title="ỦY BAN NHÂN DÂN TỈNH — DANH SÁCH", trailing_blank=20,
                text_numbers=True)  # fmt: skip
    report = import_run(data=data, filename="ds.xlsx", user=hr_a, full=False)
    assert report.written, report.as_text()
    assert len(report.rows) == 2
    anh = StaffMember.objects.get(code="00123")
    assert anh.full_name == "Nguyễn Thị Ngọc Ánh"  # stored NFC
    assert anh.date_of_birth == dt.date(1988, 9, 7)
    bao = StaffMember.objects.get(code="1234")
    assert bao.full_name == "Trần Văn Bảo"
    assert bao.joined_on == dt.date(2019, 5, 1)
    assert bao.category == "NLD"
    assert bao.party_member


@pytest.mark.parametrize(("sep", "bom"), [(",", False), (";", True), (";", False), (",", True)])
def test_csv_with_or_without_bom_comma_or_semicolon(org, hr_a, sep, bom):
    rows = [staff_row("A401", "Phan Thị Thu", "A-TT", joined="02/01/2020")]
    report = import_run(data=csv_bytes(rows, sep=sep, bom=bom), filename="a.csv", user=hr_a,
                        full=False)  # fmt: skip
    assert report.written, report.as_text()
    assert StaffMember.objects.get(code="A401").joined_on == dt.date(2020, 1, 2)


def test_the_error_report_holds_the_original_rows_and_an_error_column(org, hr_a):
    rows = [staff_row("A301", "Ngô Văn Phúc", "X-NONE"), staff_row("A302", "Ngô Văn Lộc", "A-KH")]
    report = import_preview(data=xlsx(rows), filename="a.xlsx", user=hr_a, full=False)
    ds = report.error_dataset()
    assert ds.headers[0] == "Dòng" and ds.headers[-1] == "Lỗi"
    assert len(ds) == 1
    assert ds[0][1] == "A301"
    assert "Mã đơn vị" in ds[0][-1]


def test_province_admin_imports_across_agencies_and_the_inspector_may_not(org):
    admin = UserFactory(username="sonv")
    RoleAssignmentFactory(user=admin, role=Role.PROVINCE_ADMIN)
    rows = [staff_row("A501", "Hà Văn Sơn", "A-KH"), staff_row("B501", "Hà Thị Sen", "B-NV")]
    with pytest.raises(ImportRefused):
        import_run(data=xlsx(rows), filename="p.xlsx", user=org.ivy)
    report = import_run(data=xlsx(rows), filename="p.xlsx", user=admin, full=False)
    assert report.written, report.as_text()
    assert StaffMember.objects.get(code="B501").agency == org.agency_b


def test_managers_link_whatever_the_row_order(org, hr_a):
    rows = [
        staff_row("A711", "Vương Văn Một", "A-KH", manager="A001"),  # stored manager
        staff_row("A712", "Vương Văn Hai", "A-KH", manager="A711"),  # earlier new row
        staff_row("A713", "Vương Văn Ba", "A-KH", manager="A714"),  # later new row
        staff_row("A714", "Vương Văn Bốn", "A-KH"),
    ]
    report = import_run(data=xlsx(rows), filename="a.xlsx", user=hr_a, full=False)
    assert report.written, report.as_text()
    got = dict(
        StaffMember.objects.filter(code__startswith="A71").values_list("code", "manager__code")
    )
    assert got == {"A711": "A001", "A712": "A711", "A713": "A714", "A714": None}
    # New ids were taken ahead of the INSERT; ordinary creation still works afterwards.
    assert StaffMember.objects.create(
        code="A799",
        full_name="Sau Cùng",
        unit=org.planning,
        category="CC",
        joined_on=dt.date(2020, 1, 1),
    ).pk > max(StaffMember.objects.filter(code__startswith="A71").values_list("pk", flat=True))
