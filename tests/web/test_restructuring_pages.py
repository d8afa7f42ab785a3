"""The restructuring pages (staff.views.restructuring): Sam (province admin) uploads a plan,
previews it, confirms it once; Ivy (inspector) reads the record without any form; Alice (head of
Sở Alpha) and anyone else get a 404."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from staff.models import Agency, AgencySuccession, AuditEntry, Restructuring, StaffMember, Unit
from staff.restructuring_io import COLUMNS
from tests.staff.sheets import xlsx

LIST = "/staff/restructure/"
UPLOAD = LIST + "upload/"
PREVIEW = LIST + "preview/"
CONFIRM = LIST + "confirm/"
CANCEL = LIST + "cancel/"
TEMPLATE = LIST + "template.xlsx"
HEADERS = [c.header for c in COLUMNS]
DECISION = "Nghị quyết 45/NQ-HĐND ngày 20/9/2026 của HĐND tỉnh"


def row(kind, old, new="", *, name="", agency_type="", on="01/10/2026", reference=DECISION,
        units=""):  # fmt: skip
    return [kind, old, new, name, "", agency_type, on, reference, units, ""]


MERGE_ALPHA_INTO_BETA = [row("sáp nhập", "SOA", "SOB")]


def upload(client, rows, *, name="ke-hoach.xlsx", data=None):
    data = data if data is not None else xlsx(rows, HEADERS)
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data)})


def signed_in(client, month, name):
    client.force_login(month.user(name))
    return client


def token(client) -> str:
    return client.session["restructuring_plan"]["token"]


# --- the whole path ----------------------------------------------------------------------------


def test_a_merger_from_a_spreadsheet_previews_then_applies(month, client):
    signed_in(client, month, "sam")
    response = upload(client, MERGE_ALPHA_INTO_BETA)
    assert response.status_code == 302 and response["Location"] == PREVIEW
    page = client.get(PREVIEW).content.decode()
    assert 'data-test="restructure-steps"' in page
    assert "Hợp nhất, sáp nhập cơ quan" in page and DECISION in page and "01/10/2026" in page
    assert "SOA → SOB" in page
    assert 'data-test="restructure-confirm"' in page
    # Previewing wrote nothing.
    assert Agency.objects.get(code="SOA").is_active and not Restructuring.objects.exists()

    response = client.post(CONFIRM, {"token": token(client)}, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    page = response.content.decode()
    assert "Đã ghi nhận 1 quyết định sắp xếp." in page
    alpha = Agency.objects.get(code="SOA")
    assert (alpha.is_active, alpha.valid_to) == (False, dt.date(2026, 9, 30))
    assert Unit.objects.get(code="A-KH").agency_id == month.agency_b.pk
    assert StaffMember.objects.get(code="A11").agency_id == month.agency_b.pk
    record = Restructuring.objects.get()
    assert (record.reference, record.recorded_by) == (DECISION, month.user("sam"))
    assert f'data-test="restructure-record-{record.pk}"' in page
    assert "Thôi hoạt động: Sở Alpha (SOA)" in page
    assert "Đơn vị chuyển sang Sở Beta (SOB)" in page
    assert "<strong>Sở Beta</strong> (SOB) gồm Sở Alpha (SOA) trước 01/10/2026" in page
    assert "restructuring_plan" not in client.session


def test_the_list_says_what_a_new_agency_was_made_of(month, client):
    signed_in(client, month, "sam")
    upload(
        client,
        [
            row("hợp nhất", "SOA", "SNM", name="Sở Nông nghiệp và Môi trường", agency_type="so"),
            row("hợp nhất", "SOB", "SNM"),
        ],
    )
    client.post(CONFIRM, {"token": token(client)})
    page = client.get(LIST).content.decode()
    assert (
        "<strong>Sở Nông nghiệp và Môi trường</strong> (SNM) gồm Sở Alpha (SOA) và Sở Beta (SOB) "
        "trước 01/10/2026"
    ) in page
    assert "Thành lập: Sở Nông nghiệp và Môi trường (SNM)" in page


def test_the_list_says_where_the_parts_of_a_split_came_from(month, client):
    signed_in(client, month, "sam")
    upload(
        client,
        [row("chia tách", "SOA", "SOA1", name="Sở Alpha Một", agency_type="so",
             units="A-LD; A-KH=SOB")],
    )  # fmt: skip
    client.post(CONFIRM, {"token": token(client)})
    page = client.get(LIST).content.decode()
    assert "(SOA1) tách ra từ Sở Alpha (SOA), từ ngày 01/10/2026" in page
    assert "(SOB) nhận một phần của Sở Alpha (SOA) từ ngày 01/10/2026" in page


def test_a_plan_with_errors_shows_each_by_row_and_column_and_writes_nothing(month, client):
    signed_in(client, month, "sam")
    rows = [
        row("sáp nhập", "SOA", "SOB"),
        row("gộp lại", "SOA", "SOB"),
        row("hợp nhất", "SOX", "SOB", on="31/02/2026"),
        row("hợp nhất", "SOY", "SOB", on="02/10/2026"),
    ]
    page = client.get(upload(client, rows)["Location"]).content.decode()
    assert 'data-test="restructure-problems"' in page
    assert 'data-test="restructure-confirm"' not in page
    assert page.count('data-test="restructure-problem"') == 3
    for line, column, english in (
        (3, "Loại sắp xếp", "Kind"),
        (4, "Ngày hiệu lực", "Effective date"),
        (5, "Mã cũ", "Old code"),
    ):
        assert f"Dòng {line}</th>" in page
        assert f"{column} <span" in page and f"({english})" in page
    assert "Loại sắp xếp “gộp lại” không hợp lệ" in page
    assert "Không có cơ quan mã SOY" in page and "(No agency with code SOY)" in page

    # Confirming a plan with problems is refused with them; nothing is written.
    audit_before = AuditEntry.objects.count()
    response = client.post(CONFIRM, {"token": token(client)})
    assert response.status_code == 409
    assert "Không có cơ quan mã SOY" in response.content.decode()
    assert Agency.objects.get(code="SOA").is_active
    assert not Restructuring.objects.exists() and AuditEntry.objects.count() == audit_before


def test_an_unsafe_file_is_refused_at_the_upload_field(month, client):
    signed_in(client, month, "sam")
    response = upload(client, [], name="ke-hoach.xlsm", data=b"PK\x03\x04macro")
    assert response.status_code == 400
    assert "Không nhận tệp có macro" in response.content.decode()
    response = upload(client, [], name="ke-hoach.csv", data=b"x" * (1024 * 1024 + 1))
    assert response.status_code == 400
    assert "Tệp lớn hơn giới hạn 1 MB." in response.content.decode()
    assert "restructuring_plan" not in client.session


def test_a_confirm_posted_twice_applies_once(month, client):
    signed_in(client, month, "sam")
    upload(client, MERGE_ALPHA_INTO_BETA)
    sent = token(client)
    client.post(CONFIRM, {"token": sent})
    page = client.post(CONFIRM, {"token": sent}, follow=True).content.decode()
    assert "Kế hoạch này đã được ghi nhận hoặc đã hủy" in page
    assert Restructuring.objects.count() == 1
    assert AuditEntry.objects.filter(action="org.merge").count() == 2  # SOA's chain and SOB's

    # The same file uploaded again and confirmed: checked again, and refused — Sở Alpha has ended.
    upload(client, MERGE_ALPHA_INTO_BETA)
    response = client.post(CONFIRM, {"token": token(client)})
    assert response.status_code == 409
    assert "Cơ quan SOA đã thôi hoạt động" in response.content.decode()
    assert Restructuring.objects.count() == 1


def test_a_confirm_from_an_older_preview_applies_nothing(month, client):
    signed_in(client, month, "sam")
    upload(client, MERGE_ALPHA_INTO_BETA)
    older = token(client)
    upload(client, [row("đổi tên", "SOB", name="Sở Beta mới")])
    response = client.post(CONFIRM, {"token": older})
    assert response.status_code == 302 and response["Location"] == PREVIEW
    assert not Restructuring.objects.exists()


def test_cancel_forgets_the_plan(month, client):
    signed_in(client, month, "sam")
    upload(client, MERGE_ALPHA_INTO_BETA)
    sent = token(client)
    page = client.post(CANCEL, follow=True).content.decode()
    assert "Đã hủy kế hoạch; không ghi gì." in page
    client.post(CONFIRM, {"token": sent})
    assert not Restructuring.objects.exists() and Agency.objects.get(code="SOA").is_active
    assert client.get(PREVIEW)["Location"] == LIST


# --- who -----------------------------------------------------------------------------------------


def test_the_inspector_reads_the_list_but_has_no_form_and_cannot_post(month, client):
    signed_in(client, month, "sam")
    upload(client, MERGE_ALPHA_INTO_BETA)
    client.post(CONFIRM, {"token": token(client)})
    ivy = signed_in(client, month, "ivy")
    page = ivy.get(LIST).content.decode()
    assert "Sở Alpha (SOA)" in page and DECISION in page
    assert 'enctype="multipart/form-data"' not in page and UPLOAD not in page
    assert ivy.get("/").content.decode().count(f'href="{LIST}"') == 1  # in the navigation
    assert upload(ivy, [row("đổi tên", "SOB", name="Sở Beta của Ivy")]).status_code == 404
    assert "restructuring_plan" not in ivy.session
    for url in (PREVIEW, TEMPLATE):
        assert ivy.get(url).status_code == 404
    for url in (CONFIRM, CANCEL):
        assert ivy.post(url, {"token": "x"}).status_code == 404
    assert Agency.objects.get(code="SOB").name == "Sở Beta"


@pytest.mark.parametrize("name", ["alice", "huong", "bob", "charlie"])
def test_everyone_else_gets_a_404(month, client, name):
    signed_in(client, month, name)
    assert client.get(LIST).status_code == 404
    assert client.get(TEMPLATE).status_code == 404
    assert client.get(PREVIEW).status_code == 404
    assert upload(client, MERGE_ALPHA_INTO_BETA).status_code == 404
    assert client.post(CONFIRM, {"token": "x"}).status_code == 404
    assert f'href="{LIST}"' not in client.get("/").content.decode()
    assert Agency.objects.get(code="SOA").is_active


def test_anonymous_visitors_are_asked_to_sign_in(month, client):
    for response in (client.get(LIST), client.post(UPLOAD), client.post(CONFIRM)):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_changes_take_post_and_the_list_takes_get(month, client):
    signed_in(client, month, "sam")
    assert client.get(CONFIRM).status_code == 405
    assert client.get(UPLOAD).status_code == 405
    assert client.post(LIST).status_code == 405


def test_the_forms_carry_the_csrf_token(month, client):
    signed_in(client, month, "sam")
    assert "csrfmiddlewaretoken" in client.get(LIST).content.decode()
    upload(client, MERGE_ALPHA_INTO_BETA)
    assert client.get(PREVIEW).content.decode().count("csrfmiddlewaretoken") >= 3


# --- the template, English, queries --------------------------------------------------------------


def test_the_template_downloads_as_a_workbook_with_the_headers(month, client):
    signed_in(client, month, "sam")
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.max_row == 2


def test_the_problems_read_in_english(month, client):
    signed_in(client, month, "sam")
    upload(client, [row("gộp lại", "SOA", "SOB")])
    page = client.get(PREVIEW, headers={"accept-language": "en"}).content.decode()
    assert "Unknown kind “gộp lại”" in page
    assert "Kind <span" in page and "(Loại sắp xếp)" in page


def _records(numbers: range, month) -> None:
    """Records as the service leaves them, each with a succession, without the service's cost."""
    for i in numbers:
        agency = Agency.objects.create(
            province=month.agency_a.province,
            code=f"OLD{i}",
            name=f"Sở cũ {i}",
            agency_type=month.agency_a.agency_type,
            valid_from=dt.date(2020, 1, 1),
            valid_to=dt.date(2024, 12, 31),
            is_active=False,
        )
        record = Restructuring.objects.create(
            kind="merge",
            effective_on=dt.date(2025, 1, 1),
            reference=f"Quyết định {i}",
            summary={"ended": [agency.code], "created": [], "units": {"A-KH": "SOB"}, "people": 3},
            recorded_by=month.user("sam"),
        )
        AgencySuccession.objects.create(
            predecessor=agency,
            successor=month.agency_b,
            effective_on=record.effective_on,
            restructuring=record,
        )


def test_the_list_costs_the_same_queries_for_one_or_five_restructurings(
    month, client, django_assert_num_queries
):
    signed_in(client, month, "ivy")
    _records(range(1), month)
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).status_code == 200
    _records(range(1, 5), month)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(LIST).content.decode()
    assert page.count('data-test="restructure-record-') == 5
