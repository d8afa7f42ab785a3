"""The other main pages, in Chromium after a published month: HR's staff list, the province's
periods, rule sets and simulator, the inspector's evaluation and audit trail, the head's
dashboard, the restructuring record and a plan's preview — each screenshotted at desktop and
phone width, nothing loaded from outside."""

from __future__ import annotations

import pytest

from evaluation.models import Evaluation
from staff.restructuring_io import COLUMNS
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import publish_alpha
from tests.factories import PASSWORD
from tests.staff.sheets import xlsx

# serialized_rollback: the flush after a live-server test must give back what migrations load.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def by_test(page, name: str):
    return page.locator(f'[data-test="{name}"]')


def test_the_province_hr_and_inspector_pages(visit, month):
    period = publish_alpha(month)
    tam = Evaluation.objects.get(period=period, staff=month.staff[STAFF_NAMES[1]])

    huong = visit("huong")
    huong.sign_in("huong", PASSWORD)
    huong.page.get_by_role("link", name="Cán bộ").click()
    by_test(huong.page, "people-search").fill("nguyen van tam")
    by_test(huong.page, f"people-row-{month.staff[STAFF_NAMES[1]].code}").wait_for()
    huong.shoot("staff-list")
    huong.page.get_by_role("link", name="Nguyễn Văn Tâm").click()
    by_test(huong.page, f"person-evaluation-{period.label}").wait_for()
    huong.shoot("person")
    huong.page.get_by_role("link", name="Nhập danh sách").click()
    huong.shoot("staff-import")

    sam = visit("sam")
    sam.sign_in("sam", PASSWORD)
    sam.page.get_by_role("link", name="Kỳ đánh giá").click()
    by_test(sam.page, f"period-row-{period.label}").get_by_role("link").first.click()
    by_test(sam.page, "agency-progress-SOA").wait_for()
    sam.shoot("period-detail")
    sam.page.get_by_role("link", name="Bộ quy tắc").click()
    by_test(sam.page, "ruleset-row-ND335-2025").wait_for()
    sam.shoot("rulesets")
    by_test(sam.page, "ruleset-row-ND335-2025").get_by_role("link").first.click()
    sam.shoot("ruleset")
    sam.page.goto("/rules/simulator/")
    by_test(sam.page, "simulator-example").click()
    by_test(sam.page, "simulator-run").click()
    by_test(sam.page, "simulator-result").wait_for()
    sam.shoot("simulator")

    ivy = visit("ivy")
    ivy.sign_in("ivy", PASSWORD)
    ivy.page.get_by_role("link", name="Tra cứu").click()
    by_test(ivy.page, "inspect-search").fill("nguyen van tam")
    by_test(ivy.page, "inspect-submit").click()
    by_test(ivy.page, f"inspect-row-{tam.pk}").get_by_role("link").first.click()
    trail = by_test(ivy.page, "audit-trail")
    trail.wait_for()
    assert by_test(ivy.page, "audit-entry").count() >= 4  # submitted, scored, signed, published
    ivy.shoot("inspect-evaluation")

    alice = visit("alice")
    alice.sign_in("alice", PASSWORD)
    alice.page.goto("/dashboards/agency/SOA/")
    alice.page.locator(".chart").first.wait_for()
    alice.shoot("agency-dashboard")


def test_sign_in_and_move_around_with_the_keyboard_only(visit, month):
    tam = visit("tam")
    tam.goto("/accounts/login/")
    # The username field takes the focus on load; under a busy CI the keys came before it did.
    tam.page.wait_for_function("document.activeElement?.name === 'username'")
    tam.page.keyboard.type("cv2")  # the username field has the focus
    tam.page.keyboard.press("Tab")
    tam.page.keyboard.type(PASSWORD)
    tam.page.keyboard.press("Enter")
    tam.page.get_by_role("heading", name="Xin chào, cv2").wait_for()
    tam.page.keyboard.press("Tab")  # the first stop is "skip to content"
    skip = tam.page.get_by_role("link", name="Bỏ qua đến nội dung")
    assert skip.evaluate("el => el === document.activeElement")
    tam.page.keyboard.press("Tab")
    tam.page.keyboard.press("Tab")
    tam.page.keyboard.press("Tab")  # brand, home, then "My month"
    assert tam.page.evaluate("document.activeElement.textContent.trim()") == "Tháng của tôi"
    tam.page.keyboard.press("Enter")
    tam.page.wait_for_url("**/evaluation/my/")


def test_the_restructuring_pages(visit, month, tmp_path):
    """Sam records a merger from a spreadsheet: the problems of a first file, the preview of the
    corrected one, the record with its lineage; Ivy reads the record."""
    headers = [c.header for c in COLUMNS]
    decision = "Nghị quyết số 45/NQ-HĐND ngày 20/9/2026 của Hội đồng nhân dân tỉnh về sắp xếp"

    def plan(name: str, *rows: list[str]) -> str:
        path = tmp_path / name
        path.write_bytes(xlsx(list(rows), headers))
        return str(path)

    wrong = plan(
        "sai.xlsx",
        ["gộp lại", "SOA", "SOB", "", "", "", "01/10/2026", decision, "", ""],
        ["hợp nhất", "SOX", "SOB", "", "", "", "31/02/2026", decision, "", ""],
    )
    right = plan(
        "ke-hoach.xlsx",
        ["hợp nhất", "SOA", "SNM", "Sở Nông nghiệp và Môi trường", "", "so", "01/10/2026",
         decision, "", "Theo Đề án sắp xếp"],
        ["hợp nhất", "SOB", "SNM", "", "", "", "01/10/2026", decision, "", ""],
    )  # fmt: skip

    sam = visit("sam")
    sam.sign_in("sam", PASSWORD)
    sam.page.get_by_role("link", name="Sắp xếp tổ chức").click()
    sam.page.get_by_label("Tệp kế hoạch sắp xếp (.xlsx hoặc .csv)").set_input_files(wrong)
    by_test(sam.page, "restructure-upload").click()
    by_test(sam.page, "restructure-problems").wait_for()
    sam.shoot("restructure-problems")
    sam.page.get_by_label("Tệp kế hoạch sắp xếp (.xlsx hoặc .csv)").set_input_files(right)
    sam.page.get_by_role("button", name="Tải lên và xem trước").click()
    by_test(sam.page, "restructure-steps").wait_for()
    sam.shoot("restructure-preview")
    by_test(sam.page, "restructure-confirm").click()
    by_test(sam.page, "restructure-lineage").wait_for()
    sam.shoot("restructure-list")

    ivy = visit("ivy")
    ivy.sign_in("ivy", PASSWORD)
    ivy.page.get_by_role("link", name="Sắp xếp tổ chức").click()
    by_test(ivy.page, "restructure-records").wait_for()
    assert by_test(ivy.page, "restructure-upload").count() == 0
    ivy.shoot("restructure-list")
