"""The HR officers' import page: upload → preview → confirm (or cancel), with the Alice/Bob
story of tests/staff/conftest.py. Hoa is HR of Sở Alpha, Hải is HR of Sở Beta, Ann is a
plain staff member; Pat is the province admin."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from staff.models import AuditEntry, ImportJob, Role, StaffMember
from tests.factories import RoleAssignmentFactory, UserFactory
from tests.staff.sheets import csv_bytes, staff_row, xlsx

URL = "/staff/import/"


@pytest.fixture
def hoa(org):
    user = UserFactory(username="hoa")
    RoleAssignmentFactory(user=user, role=Role.HR_OFFICER, agency=org.agency_a)
    return user


@pytest.fixture
def hai(org):
    user = UserFactory(username="hai")
    RoleAssignmentFactory(user=user, role=Role.HR_OFFICER, agency=org.agency_b)
    return user


@pytest.fixture
def pat(org):
    user = UserFactory(username="pat")
    RoleAssignmentFactory(user=user, role=Role.PROVINCE_ADMIN)
    return user


def upload(client, rows, *, name="ds.xlsx", data=None, **fields):
    data = data if data is not None else xlsx(rows)
    payload = {"kind": "staff", "partial": "on", **fields}
    payload["file"] = SimpleUploadedFile(name, data)
    return client.post(URL, payload)


def good_rows():
    return [
        staff_row("A601", "Tạ Văn Lâm", "A-KH", manager="A002"),
        staff_row("A002", "Lê Văn Bình", "A-TT", manager="A001"),  # a transfer
    ]


def test_it_shows_the_upload_form_to_an_hr_officer(client, hoa):
    client.force_login(hoa)
    page = client.get(URL).content.decode()
    assert "Tải lên và xem trước" in page and 'enctype="multipart/form-data"' in page


def test_it_asks_anonymous_visitors_to_sign_in(client, org):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_refuses_a_plain_staff_member(client, org):
    client.force_login(org.ann_user)
    assert client.get(URL).status_code == 403


def test_the_preview_shows_each_row_and_writes_nothing(client, hoa, org):
    client.force_login(hoa)
    response = upload(client, good_rows())
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == f"/staff/import/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Kết quả xem trước (chưa ghi)" in page
    assert "A601" in page and "Mới" in page and "Thay đổi" in page and "Mã đơn vị" in page
    assert "Xác nhận và ghi" in page
    assert not StaffMember.objects.filter(code="A601").exists()
    assert StaffMember.objects.get(code="A002").unit == org.planning


def test_the_preview_names_row_column_and_problem_and_offers_the_error_report(client, hoa):
    client.force_login(hoa)
    rows = [staff_row("A601", "Tạ Văn Lâm", "A-KH"), staff_row("A602", "=HYPERLINK(1)", "NOPE")]
    response = upload(client, rows)
    page = client.get(response["Location"]).content.decode()
    assert "Cột “Mã đơn vị”" in page and "NOPE" in page
    assert "Xác nhận và ghi" not in page and "Tải báo cáo lỗi" in page
    job = ImportJob.objects.get()
    report = client.get(f"/staff/import/{job.pk}/report.xlsx")
    assert report.status_code == 200 and report["Content-Type"].startswith("application/vnd")
    sheet = load_workbook(io.BytesIO(report.content)).active
    header = [c.value for c in sheet[1]]
    assert header[0] == "Dòng" and header[-1] == "Lỗi"
    [row] = list(sheet.iter_rows(min_row=2))
    assert row[0].value == 3 and row[1].value == "A602"
    assert row[2].value == "'=HYPERLINK(1)" and row[2].data_type != "f"
    assert not StaffMember.objects.filter(code="A601").exists()


def test_confirming_writes_once_and_a_second_confirm_is_refused(client, hoa, org):
    client.force_login(hoa)
    job_url = upload(client, good_rows())["Location"]
    response = client.post(job_url + "confirm/", follow=True)
    page = response.content.decode()
    assert "Đã ghi danh sách vào hệ thống." in page
    assert StaffMember.objects.get(code="A601").manager == org.bob_sm
    assert StaffMember.objects.get(code="A002").unit == org.inspection
    job = ImportJob.objects.get()
    assert job.written and job.confirmed_at and bytes(job.data) == b""
    assert AuditEntry.objects.filter(action="staff.imported", actor=hoa).count() == 1

    page = client.post(job_url + "confirm/", follow=True).content.decode()
    assert "đã được xác nhận" in page
    assert AuditEntry.objects.filter(action="staff.imported").count() == 1


def test_cancelling_drops_the_file_and_confirm_is_then_refused(client, hoa):
    client.force_login(hoa)
    job_url = upload(client, good_rows())["Location"]
    client.post(job_url + "cancel/")
    job = ImportJob.objects.get()
    assert job.cancelled_at and bytes(job.data) == b""
    client.post(job_url + "confirm/")
    assert not StaffMember.objects.filter(code="A601").exists()


def test_another_agencys_hr_officer_cannot_see_or_confirm_the_job(client, hoa, hai):
    client.force_login(hoa)
    job_url = upload(client, good_rows())["Location"]
    client.force_login(hai)
    for suffix in ("", "status/", "report.xlsx"):
        assert client.get(job_url + suffix).status_code == 404
    assert client.post(job_url + "confirm/").status_code == 404
    assert client.post(job_url + "cancel/").status_code == 404
    assert not StaffMember.objects.filter(code="A601").exists()


def test_an_hr_officer_cannot_choose_another_agency(client, hoa):
    client.force_login(hoa)
    page = upload(client, good_rows(), agency="SOB").content.decode()
    assert 'class="errorlist' in page
    assert not ImportJob.objects.exists()


def test_people_of_another_agency_in_the_file_are_errors(client, hoa):
    client.force_login(hoa)
    job_url = upload(client, [staff_row("B002", "Bùi Thị Bé", "A-KH")])["Location"]
    page = client.get(job_url).content.decode()
    assert "đã thuộc cơ quan khác" in page and "Xác nhận và ghi" not in page


def test_a_bad_file_is_refused_next_to_the_field_and_the_choices_are_kept(client, hoa):
    client.force_login(hoa)
    page = upload(client, [], name="ds.xlsm", data=b"PK\x03\x04x", kind="units").content.decode()
    assert "Không nhận tệp có macro" in page and 'role="alert"' in page
    assert 'value="units" required id="id_kind_1" checked' in page
    assert 'name="partial" id="id_partial" checked' in page
    assert not ImportJob.objects.exists()


def test_a_file_without_the_header_is_refused_next_to_the_field(client, hoa):
    client.force_login(hoa)
    page = upload(client, [], data=csv_bytes([["x"]], headers=["Cột lạ"]), name="a.csv")
    assert "errorlist" in page.content.decode()
    assert not ImportJob.objects.exists()


def test_the_status_endpoint_reports_progress(client, hoa):
    client.force_login(hoa)
    job_url = upload(client, good_rows())["Location"]
    data = client.get(job_url + "status/").json()
    assert data == {"status": "done", "stage": "Xong", "progress": 100, "done": True}


def test_a_running_job_offers_a_refresh_link_and_the_polling_script(client, hoa):
    client.force_login(hoa)
    job_url = upload(client, good_rows())["Location"]
    ImportJob.objects.update(status="running", progress=35, stage="checking")
    page = client.get(job_url).content.decode()
    assert "Tải lại trang để xem tiến độ" in page and "staff/import.js" in page
    assert "<script>" not in page  # no inline script (CSP)


def test_the_province_admin_imports_province_wide(client, pat, org):
    client.force_login(pat)
    job_url = upload(client, [staff_row("B601", "Mai Văn Sơn", "B-NV")])["Location"]
    client.post(job_url + "confirm/")
    assert StaffMember.objects.get(code="B601").agency == org.agency_b


def test_a_unit_file_can_be_previewed_and_confirmed(client, hoa, org):
    from tests.staff.sheets import xlsx as make

    client.force_login(hoa)
    data = make(
        [["A-KH-KT", "Tổ Kỹ thuật", "A-KH", "Tổ"]],
        headers=["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cha", "Loại đơn vị"],
    )
    job_url = upload(client, [], data=data, kind="units")["Location"]
    client.post(job_url + "confirm/")
    assert org.planning.children.filter(code="A-KH-KT").exists()
