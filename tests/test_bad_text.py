"""Bad text and bad files.

A name or comment may hold HTML or a script: it is shown as text everywhere — the home page, the
agency dashboard (table and chart data), the admin list, the API (JSON data), the downloads
(text, never a formula) and the e-mails (plain text). An evidence file is accepted by its
content, not its name: a .pdf that is not a PDF, an .xlsx that is not a zip, a .png that is not a
PNG are refused with a Vietnamese message.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from evaluation.errors import WorkflowError
from evaluation.models import EarlyWarning, Evaluation
from evaluation.services.products import product_register
from evaluation.services.workflow import evaluation_return
from tests.evaluation import conftest as month_fixtures
from tests.evaluation.helpers import ev, open_month, self_assess

month = month_fixtures.month
standard_rules = month_fixtures.standard_rules

SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG = '<img src=x onerror="alert(2)">'
FORMULA = '=HYPERLINK("http://evil.example","Bấm vào")'


@pytest.fixture
def hostile(month, django_capture_on_commit_callbacks):
    """Sơn is named with a script, his unit with an image that runs code, Tâm like a formula;
    Sơn's evaluation is returned with a reason holding the image."""
    son = month.staff["Sơn"]
    son.full_name = SCRIPT
    son.save()
    son.user.first_name, son.user.last_name = SCRIPT, ""
    son.user.save()
    tam = month.staff["Tâm"]
    tam.full_name = FORMULA
    tam.save()
    month.planning.name = f"Phòng {IMG}"
    month.planning.save()

    period = open_month(month)
    self_assess(month, "Sơn", period)
    self_assess(month, "Tâm", period)
    Evaluation.objects.filter(pk=ev(month, "Sơn", period).pk).update(self_comment=IMG)
    EarlyWarning.objects.create(
        staff=son, agency=month.agency_a, period=period, kind="two_consecutive", months=["x"]
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        evaluation_return(
            evaluation=ev(month, "Sơn", period), user=month.user("bob"), to="person", reason=IMG
        )
    return period


def _page(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_the_home_page_shows_a_scripted_name_as_text(hostile, month, client):
    page = _page(client, month.user("Sơn"), "/")
    assert SCRIPT not in page
    assert SCRIPT_ESCAPED in page


def test_the_agency_dashboard_shows_names_and_units_as_text(hostile, month, client):
    page = _page(client, month.user("alice"), "/dashboards/agency/SOA/")
    assert SCRIPT not in page and IMG not in page
    assert SCRIPT_ESCAPED in page  # the early warnings table
    # The chart data travels as JSON inside <script type="application/json">: no "<" survives.
    assert "<img" not in page


def test_the_admin_list_shows_a_scripted_name_as_text(hostile, admin_client):
    page = admin_client.get("/admin/staff/staffmember/").content.decode()
    assert SCRIPT not in page
    assert SCRIPT_ESCAPED in page


def test_the_api_returns_the_text_as_data(hostile, month, client):
    client.force_login(month.user("huong"))
    response = client.get(f"/api/v1/staff/{month.staff['Sơn'].code}/")
    assert response["Content-Type"] == "application/json"
    assert response.json()["full_name"] == SCRIPT
    detail = client.get(f"/api/v1/evaluations/{ev(month, 'Sơn', hostile).pk}/").json()
    assert detail["self_comment"] == IMG and detail["return_reason"] == IMG


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_downloads_hold_text_and_no_formula(hostile, month, client, fmt, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(month.user("alice"))
    response = client.get(
        "/dashboards/agency/SOA/", {"period": hostile.label, "table": "persons", "download": fmt}
    )
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        cells = [c for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for c in row]
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
        cells = [c.value for row in sheet.iter_rows() for c in row]
    assert SCRIPT in cells  # as it was typed: a spreadsheet does not run HTML
    assert "'" + FORMULA in cells and FORMULA not in cells


def test_the_e_mail_is_plain_text(hostile, month):
    (message,) = [m for m in mail.outbox if m.to == [month.user("Sơn").email]]
    assert message.content_subtype == "plain"
    assert getattr(message, "alternatives", []) == []  # no HTML part that could render it
    assert IMG in message.body  # shown as typed, by a client that renders plain text


# --- uploads: content, not name -----------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
ZIP = b"PK\x03\x04" + b"\x00" * 26


@pytest.fixture
def own(month, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return ev(month, "Sơn", open_month(month))


def _register(month, evaluation, name, data):
    return product_register(
        evaluation=evaluation,
        user=month.user("Sơn"),
        title="Báo cáo",
        weight=1,
        evidence_file=SimpleUploadedFile(name, data),
    )


@pytest.mark.parametrize(
    "name, data",
    [
        ("bao-cao.pdf", b"MZ\x90\x00 a Windows program"),
        ("bang-tinh.xlsx", b"<html><script>alert(1)</script></html>"),
        ("anh.png", b"\xff\xd8\xff\xe0 a JPEG named .png"),
        ("ghi-chu.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00"),
        ("cu.doc", b"%PDF-1.4 a PDF named .doc"),
    ],
)
def test_a_file_whose_content_is_not_its_type_is_refused(month, own, name, data):
    with pytest.raises(WorkflowError) as refused:
        _register(month, own, name, data)
    assert refused.value.code == "bad_file_content"
    assert refused.value.path == "evidence_file"
    assert "Nội dung tệp không đúng loại" in refused.value.message
    assert not own.products.exists()


@pytest.mark.parametrize(
    "name, data",
    [
        ("bao-cao.pdf", b"%PDF-1.7\n"),
        ("bang-tinh.xlsx", ZIP),
        ("van-ban.ODT", ZIP),
        ("anh.png", PNG),
        ("anh.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
        ("cu.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 8),
        ("ghi-chu.txt", "Báo cáo tháng 10: hoàn thành".encode()),
        ("ghi-chu-utf16.txt", "Báo cáo".encode("utf-16")),
    ],
)
def test_a_file_that_is_what_it_says_is_accepted(month, own, name, data):
    product = _register(month, own, name, data)
    assert product.evidence_file.name


def test_the_api_answers_the_refusal_in_vietnamese(month, own, client):
    client.force_login(month.user("Sơn"))
    response = client.post(
        f"/api/v1/evaluations/{own.pk}/products/",
        {"title": "Báo cáo", "evidence_file": SimpleUploadedFile("bao-cao.pdf", b"not a pdf")},
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["code"], error["path"]) == ("bad_file_content", "evidence_file")
    assert error["message"].startswith("Nội dung tệp không đúng loại .pdf")
