"""The official results list (Danh sách kết quả đánh giá, xếp loại chất lượng) of Sở Alpha."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from evaluation.exports import HEADER_ROW, OFFICIAL_HEADERS, OFFICIAL_TITLE
from evaluation.models import Evaluation, Status
from tests.evaluation.helpers import ev, open_month

URL = "/evaluation/results/2026-10/SOA.xlsx"


def sign(month, period, name, *, level, score, status=Status.APPROVED, reasons=None):
    Evaluation.objects.filter(pk=ev(month, name, period).pk).update(
        status=status,
        approved_by=month.user("alice"),
        final_level=level,
        score=Decimal(score),
        reasons=reasons or [{"code": "band", "message": f"Điểm {score}", "message_en": "x"}],
    )


@pytest.fixture
def signed(month):
    period = open_month(month)
    sign(month, period, "Sơn", level="HTXSNV", score="95.50")
    sign(month, period, "Tâm", level="HTTNV", score="85", status=Status.PUBLISHED)
    sign(
        month,
        period,
        "Uyên",
        level="KHTNV",
        score="40",
        status=Status.CLOSED,
        reasons=[
            {"code": "a", "message": "Điểm 40 dưới 50", "message_en": "Score 40 below 50"},
            {"code": "b", "message": "Bị kỷ luật cảnh cáo", "message_en": "Warning"},
        ],
    )
    sign(month, period, "Vân", level="HTNV", score="60", status=Status.MANAGER_SCORED)  # unsigned
    sign(month, period, "bea", level="HTNV", score="60")  # another agency
    hacker = month.staff["Xuân"]
    hacker.full_name = '=HYPERLINK("http://x","Bấm")'
    hacker.save()
    sign(month, period, "Xuân", level="HTNV", score="70")
    return period


def rows_of(data: bytes):
    sheet = load_workbook(io.BytesIO(data)).active
    return sheet, list(sheet.iter_rows(min_row=HEADER_ROW + 1))


def test_the_list_has_a_title_the_agency_and_period_and_vietnamese_headers(month, signed, client):
    client.force_login(month.user("alice"))
    response = client.get(URL)
    assert response.status_code == 200
    assert "ket-qua-danh-gia-SOA-2026-10.xlsx" in response["Content-Disposition"]
    sheet, _ = rows_of(response.content)
    assert sheet["A1"].value == OFFICIAL_TITLE.upper()
    assert "Sở Alpha" in sheet["A2"].value and "2026-10" in sheet["A2"].value
    # The rule set of the period: an agency has one list per rule set and month.
    version = signed.ruleset.version
    assert sheet["A3"].value == (
        f"Bộ quy tắc đánh giá: ND335-2025 phiên bản {version} — {signed.ruleset.name}"
    )
    assert tuple(c.value for c in sheet[HEADER_ROW]) == OFFICIAL_HEADERS
    assert OFFICIAL_HEADERS[:2] == ("STT", "Họ và tên")


def test_only_signed_results_of_the_agency_in_vietnamese_order(month, signed, client):
    client.force_login(month.user("sam"))
    _, rows = rows_of(client.get(URL).content)
    names = [r[1].value for r in rows]
    # Vietnamese order by given name: Sơn, Tâm, Uyên; the formula-looking name sorts apart.
    assert [n for n in names if not n.startswith("'")] == [
        "Nguyễn Văn Sơn",
        "Nguyễn Văn Tâm",
        "Nguyễn Văn Uyên",
    ]
    assert len(names) == 4  # Vân is not signed; Bea is in Sở Beta
    assert [r[0].value for r in rows] == [1, 2, 3, 4]


def test_levels_scores_units_and_reasons_are_written_out(month, signed, client):
    client.force_login(month.user("huong"))
    _, rows = rows_of(client.get(URL).content)
    by_name = {r[1].value: [c.value for c in r] for r in rows}
    son = by_name["Nguyễn Văn Sơn"]
    assert son[3] == "Phòng Kế hoạch" and son[4] == 95.5
    assert son[5] == "Hoàn thành xuất sắc nhiệm vụ"
    uyen = by_name["Nguyễn Văn Uyên"]
    assert uyen[5] == "Không hoàn thành nhiệm vụ"
    assert uyen[6] == "Điểm 40 dưới 50; Bị kỷ luật cảnh cáo"


def test_no_cell_is_a_formula_even_for_a_name_starting_with_equals(month, signed, client):
    client.force_login(month.user("alice"))
    sheet, rows = rows_of(client.get(URL).content)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert any(r[1].value == '\'=HYPERLINK("http://x","Bấm")' for r in rows)


@pytest.mark.parametrize("name", ["alice", "dave", "huong", "sam", "ivy"])
def test_the_agency_leaders_hr_and_the_province_may_download(month, signed, client, name):
    client.force_login(month.user(name))
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("name", ["bob", "Sơn", "charlie"])
def test_managers_staff_and_other_agencies_get_a_404(month, signed, client, name):
    client.force_login(month.user(name))
    assert client.get(URL).status_code == 404
    assert client.get("/evaluation/results/2026-10/NOPE.xlsx").status_code == 404


def test_the_command_writes_the_same_list(month, signed, tmp_path, capsys):
    out = tmp_path / "kq.xlsx"
    call_command("export_results", "--period", "2026-10", "--agency", "SOA", "-o", str(out))
    _, rows = rows_of(out.read_bytes())
    assert len(rows) == 4
    printed = capsys.readouterr().out
    assert "4 người" in printed and f"ND335-2025 v{signed.ruleset.version} 2026-10" in printed
    # By the period's key too; a period the agency does not have is refused.
    call_command(
        "export_results", "--period", "ND335-2025:2026-10", "--agency", "SOA", "-o", str(out)
    )
    assert len(rows_of(out.read_bytes())[1]) == 4
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such period"):
        call_command("export_results", "--period", "2026-11", "--agency", "SOA", "-o", str(out))


def test_a_period_the_agency_does_not_have_is_a_404(month, signed, client):
    client.force_login(month.user("alice"))
    assert client.get("/evaluation/results/ND335-2025:2026-10/SOA.xlsx").status_code == 200
    assert client.get("/evaluation/results/ND90-VC:2026-10/SOA.xlsx").status_code == 404
    assert client.get("/evaluation/results/2026-11/SOA.xlsx").status_code == 404


def test_the_command_refuses_an_unknown_agency(month, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown agency"):
        call_command("export_results", "--period", "2026-10", "--agency", "X", "-o", "x.xlsx")
