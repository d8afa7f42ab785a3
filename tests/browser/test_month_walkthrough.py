"""One month through the web app, in Chromium, with the four roles.

Sam (Sở Nội vụ) opens November from the period page. Tâm registers a product, fills the
self-assessment and submits; Bob returns it with a reason, Tâm resubmits, Bob scores. Alice,
signing in with her authenticator code, approves Tâm's unit with the quota meter at its limit,
then the leadership, and publishes; Tâm appeals and Alice resolves it. The rest of Sở Alpha is
scored through the services beforehand so the quota has something to bite on. Every main page
is screenshotted at desktop and phone width; no request may leave 127.0.0.1.
"""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp

from evaluation.models import Evaluation, Period, Status
from evaluation.services.approval import head_approve
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import (
    FLAWED,
    FULL,
    GOOD,
    manager_score,
    province_approver,
    self_assess,
)
from tests.factories import PASSWORD

# serialized_rollback: the flush after a live-server test must give back what migrations load.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LABEL = "2026-11"
TAM = STAFF_NAMES[1]  # Nguyễn Văn Tâm, cv2, code A12 — the person whose month we follow


def by_test(page, name: str):
    return page.locator(f'[data-test="{name}"]')


def authenticator_code(user) -> str:
    """What Alice's authenticator app shows now (her confirmed TOTP device)."""
    device = user.otp_device
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def score_the_rest(month, period: Period) -> None:
    """Everyone but Tâm, through the services: six good specialists and Hương (group CV: with
    Tâm excellent, 1 + 7 → ⌊0.2 × 8 / 1.2⌋ = 1 HTXSNV allowed), the leaders excellent."""
    for name in STAFF_NAMES:
        if name != TAM:
            self_assess(month, name, period, scores=GOOD, products=FLAWED)
            manager_score(month, "bob", name, period, GOOD)
    self_assess(month, "huong", period, scores=GOOD, products=FLAWED)
    manager_score(month, "alice", "huong", period, GOOD)
    province_approver(month)  # rates Alice, the head (DOMAIN.md §1)
    for manager, name in (("dave", "bob"), ("alice", "dave"), ("pct", "alice")):
        self_assess(month, name, period)
        manager_score(month, manager, name, period, FULL)


def test_one_month_through_the_ui_with_four_roles(visit, month):
    # --- Sở Nội vụ opens the month ------------------------------------------------------------
    sam = visit("sam")
    sam.sign_in("sam", PASSWORD)
    sam.page.get_by_role("link", name="Kỳ đánh giá").click()
    by_test(sam.page, "period-open-label").fill(LABEL)
    by_test(sam.page, "period-open-ruleset").select_option("ND335-2025")
    sam.shoot("periods")
    by_test(sam.page, "period-open-submit").click()
    by_test(sam.page, "agency-progress-SOA").wait_for()
    sam.shoot("period-progress")
    period = Period.objects.get(label=LABEL)
    assert period.evaluations.count() == 13
    score_the_rest(month, period)

    # --- Tâm: a product, the self-assessment, submit ------------------------------------------
    tam = visit("tam")
    tam.sign_in("cv2", PASSWORD)
    tam.page.get_by_role("link", name="Tháng của tôi").click()
    by_test(tam.page, "product-title").fill("Báo cáo tổng kết công tác tháng 11")
    by_test(tam.page, "product-add").click()
    by_test(tam.page, "product-completed-yes").check()
    by_test(tam.page, "product-outcome-save").click()
    for code in FULL:
        by_test(tam.page, f"self-score-{code}").fill("5")
    proposed = by_test(tam.page, "proposed-level")
    proposed.and_(tam.page.locator('[data-level="HTXSNV"]')).wait_for()
    tam.shoot("my-month")
    by_test(tam.page, "self-submit").click()
    by_test(tam.page, "evaluation-status").and_(
        tam.page.locator('[data-status="self_assessed"]')
    ).wait_for()

    # --- Bob returns it with a reason, Tâm resubmits, Bob scores ------------------------------
    bob = visit("bob")
    bob.sign_in("bob", PASSWORD)
    bob.page.get_by_role("link", name="Nhóm của tôi").click()
    progress = by_test(bob.page, "team-progress")
    assert progress.get_attribute("data-scored") == "6"
    assert progress.get_attribute("data-total") == "7"
    bob.shoot("team")
    by_test(bob.page, "score-link-A12").click()
    bob.shoot("team-score-form")
    by_test(bob.page, "return-submit").click()  # no reason: the browser itself refuses
    assert by_test(bob.page, "return-reason").evaluate("el => !el.validity.valid")
    assert Evaluation.objects.get(period=period, staff=month.staff[TAM]).status != Status.DRAFT
    by_test(bob.page, "return-reason").fill("Thiếu minh chứng cho báo cáo tổng kết")
    by_test(bob.page, "return-submit").click()
    bob.page.wait_for_url(re.compile(r"/evaluation/team/"))
    evaluation = Evaluation.objects.get(period=period, staff=month.staff[TAM])
    assert evaluation.status == Status.DRAFT

    tam.page.reload()
    assert "Thiếu minh chứng" in by_test(tam.page, "return-reason").inner_text()
    tam.shoot("my-month-returned")
    by_test(tam.page, "self-submit").click()
    by_test(tam.page, "evaluation-status").and_(
        tam.page.locator('[data-status="self_assessed"]')
    ).wait_for()

    bob.page.goto("/evaluation/team/")
    by_test(bob.page, "score-link-A12").click()
    for code in FULL:
        by_test(bob.page, f"score-{code}").fill("5")
    by_test(bob.page, "manager-submit").click()
    bob.page.get_by_text("Đã chấm xong Nguyễn Văn Tâm").wait_for()
    bob.page.goto("/evaluation/team/")
    assert by_test(bob.page, "team-progress").get_attribute("data-scored") == "7"

    # --- Alice: second factor, the board with the quota at its limit, approve, publish --------
    alice_user = month.user("alice")
    alice = visit("alice")
    alice.sign_in("alice", PASSWORD)
    alice.page.get_by_label("Mã xác thực").fill(authenticator_code(alice_user))
    alice.page.get_by_role("button", name="Xác thực").click()
    alice.page.get_by_role("link", name="Phê duyệt").first.click()
    tam_pk = evaluation.pk
    meter = by_test(alice.page, "quota-meter-CV").first
    assert meter.locator("[data-used]").inner_text() == "1"
    assert meter.locator("[data-allowed]").inner_text() == "1"
    assert by_test(alice.page, f"level-{tam_pk}").input_value() == "HTXSNV"
    alice.shoot("approval-board")
    # The meter follows the choices live: lowering Tâm frees the slot and asks for a reason.
    tam_level = by_test(alice.page, f"level-{tam_pk}")
    tam_level.select_option("HTTNV")
    assert meter.locator("[data-used]").inner_text() == "0"
    assert by_test(alice.page, f"lower-reason-{tam_pk}").is_visible()
    tam_level.select_option("HTXSNV")
    assert meter.locator("[data-used]").inner_text() == "1"
    assert meter.locator("[data-over-text]").is_hidden()
    by_test(alice.page, "approve-unit-A-KH").click()
    alice.page.wait_for_load_state()
    assert Evaluation.objects.get(pk=tam_pk).status == Status.APPROVED
    by_test(alice.page, "approve-unit-A-LD").click()
    alice.page.wait_for_load_state()
    # Alice's own rating is the province approver's to sign (verified, through the service).
    head_approve(
        evaluation=Evaluation.objects.get(period=period, staff=month.staff["alice"]),
        user=month.user("pct"),
    )
    alice.page.goto("/evaluation/approval/")
    by_test(alice.page, "publish").click()
    alice.shoot("publish-confirm")
    by_test(alice.page, "publish-confirm").click()
    alice.page.wait_for_load_state()
    assert Evaluation.objects.get(pk=tam_pk).status == Status.PUBLISHED

    # --- Tâm sees the result and appeals; Alice resolves it ---------------------------------
    tam.page.goto("/evaluation/my/")
    assert by_test(tam.page, "result-level").inner_text().strip().startswith("HTXSNV") or (
        "Hoàn thành xuất sắc" in by_test(tam.page, "result-level").inner_text()
    )
    tam.shoot("my-month-published")
    by_test(tam.page, "appeal-reason").fill("Xin xem lại điểm tiêu chí G6 của tôi")
    by_test(tam.page, "appeal-submit").click()
    by_test(tam.page, "appeal-row").wait_for()
    appeal = Evaluation.objects.get(pk=tam_pk).appeals.get()

    alice.page.get_by_role("link", name="Kiến nghị").first.click()
    alice.shoot("appeals-inbox")
    by_test(alice.page, f"appeal-row-{appeal.pk}").get_by_role("link").first.click()
    by_test(alice.page, "appeal-decision").select_option("uphold")
    by_test(alice.page, "appeal-reason").fill("Giữ nguyên: điểm G6 đã được chấm đúng quy định")
    alice.shoot("appeal-resolve")
    by_test(alice.page, "appeal-resolve").click()
    alice.page.wait_for_load_state()
    appeal.refresh_from_db()
    assert appeal.status != "open"

    tam.page.goto("/evaluation/my/")
    assert by_test(tam.page, "appeal-row").get_attribute("data-status") == appeal.status
