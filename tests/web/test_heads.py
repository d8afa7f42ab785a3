"""The province approver's “Người đứng đầu / Heads of agencies” board: Phúc (``pct``) rates and
signs Alice (Sở Alpha) and Charlie (Sở Beta), the heads, and nobody else; Dave, Alice's delegate,
never signs her (DOMAIN.md §1).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation.models import Appeal, AppealStatus, Evaluation, Status
from evaluation.services.appeals import appeal_file
from evaluation.services.approval import agency_publish, head_approve, unit_approve
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import (
    add_headed_agencies,
    ev,
    manager_score,
    open_month,
    province_approver,
    score_unit,
    self_assess,
)

BOARD = "/evaluation/approval/heads/"
APPROVE = "/evaluation/approval/heads/approve/"
APPEALS = "/evaluation/approval/appeals/"


@pytest.fixture
def period(month):
    """Sở Alpha scored, its head Alice by the province approver: she waits for her signature."""
    province_approver(month)
    period = open_month(month)
    score_unit(month, period, STAFF_NAMES)
    for manager, name in (("dave", "bob"), ("alice", "dave"), ("alice", "huong"), ("pct", "alice")):
        self_assess(month, name, period)
        manager_score(month, manager, name, period)
    return period


def page(response) -> str:
    return response.content.decode()


def test_the_board_lists_the_heads_across_agencies_and_signs_one(month, period, client):
    client.force_login(month.user("pct"))
    html = page(client.get(BOARD))
    assert re.findall(r'data-test="head-row-([A-Z0-9]+)"', html) == ["A01", "B01"]
    alice = ev(month, "alice", period)
    row = html[html.index('data-test="head-row-A01"') :].split("</tr>")[0]
    assert "Sở Alpha" in row and "Trần Thị Ánh" in row and "100,00" in row
    assert f'data-test="head-approve-{alice.pk}"' in row and "Quản lý đã chấm" in row
    charlie = html[html.index('data-test="head-row-B01"') :].split("</tr>")[0]
    assert "head-approve-" not in charlie  # Charlie has not been scored yet
    # Dave and Hương are signed first (leaders after their units); then Alice.
    unit_approve(period=period, unit=month.planning, user=month.user("alice"))
    unit_approve(period=period, unit=month.leadership_unit, user=month.user("alice"))
    response = client.post(
        APPROVE, {"evaluation": alice.pk, "version": alice.version, "level": "HTTNV"}
    )
    assert response.status_code == 302
    signed = ev(month, "alice", period)
    assert (signed.status, signed.approved_by) == (Status.APPROVED, month.user("pct"))
    assert "Đã phê duyệt" in page(client.get(response["Location"]))


def test_the_errors_show_at_the_row_and_field(month, period, client):
    client.force_login(month.user("pct"))
    alice = ev(month, "alice", period)
    # HTXSNV for Alice while group LD's quota keeps none (she is its only candidate, Bob and
    # Dave signed HTTNV: ⌊3 / 6⌋ = 0): refused at her level field, nothing signed.
    unit_approve(period=period, unit=month.planning, user=month.user("alice"))
    unit_approve(period=period, unit=month.leadership_unit, user=month.user("alice"))
    response = client.post(APPROVE, {"evaluation": alice.pk, "level": "HTXSNV"})
    assert response.status_code == 409
    row = page(response)[page(response).index(f'id="head-{alice.pk}"') :].split("</tr>")[0]
    assert "Vượt tỷ lệ HTXSNV của nhóm" in row and 'aria-invalid="true"' in row
    response = client.post(APPROVE, {"evaluation": alice.pk, "level": "HTNV", "reason": ""})
    assert response.status_code == 400 and "Bắt buộc ghi rõ lý do" in page(response)
    assert ev(month, "alice", period).status == Status.MANAGER_SCORED


def test_without_the_second_factor_the_approver_is_sent_to_enter_the_code(month, period, client):
    unit_approve(period=period, unit=month.planning, user=month.user("alice"))
    unit_approve(period=period, unit=month.leadership_unit, user=month.user("alice"))
    client.force_login(get_user_model().objects.get(username="pct"))
    alice = ev(month, "alice", period)
    response = client.post(APPROVE, {"evaluation": alice.pk})
    assert response.status_code == 403
    assert "xác thực hai lớp" in page(response) and "/accounts/otp/verify/?next=" in page(response)
    assert ev(month, "alice", period).status == Status.MANAGER_SCORED


def test_only_the_province_approver_has_the_board_and_only_for_heads(month, period, client):
    alice, tam = ev(month, "alice", period), ev(month, "Tâm", period)
    for name in ("dave", "alice", "sam", "ivy", "bob"):
        client.force_login(month.user(name))
        assert client.get(BOARD).status_code == 404, name
        assert client.post(APPROVE, {"evaluation": alice.pk}).status_code == 404, name
        assert 'href="/evaluation/approval/heads/"' not in page(client.get("/")), name
    client.force_login(month.user("pct"))
    assert 'href="/evaluation/approval/heads/"' in page(client.get("/"))
    assert client.post(APPROVE, {"evaluation": tam.pk}).status_code == 404  # not a head
    assert client.get(f"/evaluation/team/{tam.pk}/").status_code == 404
    assert Evaluation.objects.filter(status=Status.APPROVED).count() == 0


def test_the_delegate_s_pages_neither_score_nor_sign_nor_resolve_for_the_head(
    month, period, client
):
    alice_user, pct = month.user("alice"), month.user("pct")
    unit_approve(period=period, unit=month.planning, user=alice_user)
    unit_approve(period=period, unit=month.leadership_unit, user=alice_user)
    alice = ev(month, "alice", period)
    client.force_login(month.user("dave"))
    assert client.get(f"/evaluation/team/{alice.pk}/").status_code == 404
    response = client.post(
        "/evaluation/approval/approve/",
        {"unit": "A-LD", "period": period.label, f"levels.{alice.pk}": "HTTNV"},
    )
    assert response.status_code == 409 and "người đứng đầu cơ quan (A01)" in page(response)
    head_approve(evaluation=alice, user=pct)
    agency_publish(period=period, agency=month.agency_a, user=alice_user)
    appeal = appeal_file(evaluation=ev(month, "alice", period), user=alice_user, reason="Xem lại")
    # The head's appeal is not in her delegate's inbox, nor in her own; it is the approver's.
    assert f"appeal-row-{appeal.pk}" not in page(client.get(APPEALS))
    url = f"{APPEALS}{appeal.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "uphold", "reason": "Đúng"}).status_code == 404
    client.force_login(alice_user)
    assert client.get(url).status_code == 404
    client.force_login(pct)
    assert f'data-test="appeal-row-{appeal.pk}"' in page(client.get(APPEALS))
    response = client.post(url, {"decision": "uphold", "level": "HTTNV", "reason": "Đúng"})
    assert response.status_code == 302
    assert Appeal.objects.get().status == AppealStatus.UPHELD


def test_the_board_reads_in_a_constant_number_of_queries(month, period, client):
    """No query per head (DOMAIN.md §1 puts every agency's head on one board)."""
    client.force_login(month.user("pct"))

    def measure() -> tuple[int, int]:
        client.get(BOARD)  # warm the session and caches
        with CaptureQueriesContext(connection) as queries:
            html = page(client.get(BOARD))
        return len(queries), len(re.findall(r'data-test="head-row-', html))

    def grow(n: int) -> None:
        codes = add_headed_agencies(month, period, n)
        Evaluation.objects.filter(period=period, staff__code__in=codes[::2]).update(
            status=Status.MANAGER_SCORED, proposed_level="HTTNV", score=Decimal("80")
        )

    grow(3)
    small, small_rows = measure()
    grow(6)
    large, large_rows = measure()
    assert (small_rows, large_rows) == (5, 11)
    assert small == large <= 14, (small, large)
