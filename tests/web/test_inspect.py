"""The inspector's pages: Ivy (inspector) and Sam (province admin) search every evaluation of
the province and read one with its audit trail; every read of someone else's evaluation is in
the access log; nobody else gets anything but a 404."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from evaluation.models import Evaluation
from evaluation.services.appeals import appeal_file
from evaluation.services.periods import period_open
from staff import audit
from staff.models import AccessKind, AccessLog, AuditEntry
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import (
    ev,
    open_month,
    publish_alpha,
)
from tests.evaluation.test_verify_audit import tampering
from tests.factories import StaffMemberFactory

LIST = "/evaluation/inspect/"
TAM = STAFF_NAMES[1]


def detail(evaluation: Evaluation) -> str:
    return f"/evaluation/inspect/{evaluation.pk}/"


def _rows(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-test="inspect-row-(\d+)"', page)]


@pytest.fixture
def published(month):
    """Sở Alpha's October, scored, approved and published; Tâm appeals."""
    period = publish_alpha(month)
    tam = ev(month, TAM, period)
    appeal_file(evaluation=tam, user=month.user(TAM), reason="Xin xem lại tiêu chí G2")
    return period


# --- who may open it -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ivy", "sam"])
def test_the_province_searches_every_agency(month, client, name):
    period = open_month(month)
    client.force_login(month.user(name))
    page = client.get(LIST).content.decode()
    assert 'data-test="inspect-search"' in page and '<label for="inspect-q">' in page
    rows = _rows(page)
    assert ev(month, "bea", period).pk in rows and ev(month, TAM, period).pk in rows


@pytest.mark.parametrize("name", ["bob", "charlie", "huong", "alice", "dave", TAM])
def test_everyone_else_gets_404(month, client, name):
    period = open_month(month)
    client.force_login(month.user(name))
    assert client.get(LIST).status_code == 404
    # Even an evaluation the person may otherwise see (their own agency's, their own).
    for target in ("bea", TAM, "bob"):
        assert client.get(detail(ev(month, target, period))).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(db, client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_evaluation_is_404(month, client):
    client.force_login(month.user("ivy"))
    assert client.get("/evaluation/inspect/999999/").status_code == 404


# --- search --------------------------------------------------------------------------------


def test_search_ignores_diacritics_and_finds_codes(month, client):
    period = open_month(month)
    client.force_login(month.user("ivy"))
    son = ev(month, "Sơn", period).pk
    assert _rows(client.get(LIST, {"q": "nguyen van son"}).content.decode()) == [son]
    assert _rows(client.get(LIST, {"q": "SƠN"}).content.decode()) == [son]
    assert _rows(client.get(LIST, {"q": "a11"}).content.decode()) == [son]
    page = client.get(LIST, {"q": "không có ai"}).content.decode()
    assert _rows(page) == [] and "Không tìm thấy phiếu nào khớp." in page
    assert 'value="nguyen van son"' in client.get(LIST, {"q": "nguyen van son"}).content.decode()


def test_search_by_period_and_agency(month, client):
    october = open_month(month)
    november = open_month(month, "2026-11")
    client.force_login(month.user("sam"))
    page = client.get(LIST, {"agency": "SOB"}).content.decode()
    assert sorted(_rows(page)) == sorted(
        e.pk for e in Evaluation.objects.filter(agency=month.agency_b)
    )
    page = client.get(LIST, {"period": "2026-11", "q": "bui thi be"}).content.decode()
    assert _rows(page) == [ev(month, "bea", november).pk]
    assert ev(month, "bea", october).pk not in _rows(page)
    assert '<option value="2026-11" selected>' in page


def test_results_are_paginated(month, client):
    open_month(month)
    open_month(month, "2026-11")
    open_month(month, "2026-12")  # 13 people × 3 months = 39 evaluations, 25 a page
    client.force_login(month.user("ivy"))
    first = client.get(LIST, {"agency": "SOA"}).content.decode()
    assert len(_rows(first)) == 25 and "Trang 1/2" in first
    assert 'data-test="inspect-next"' in first and "agency=SOA&amp;page=2" in first
    second = client.get(LIST, {"agency": "SOA", "page": 2}).content.decode()
    assert len(_rows(second)) == 33 - 25 and not set(_rows(first)) & set(_rows(second))


def test_the_search_costs_the_same_queries_for_twice_the_rows(month, client):
    open_month(month)
    client.force_login(month.user("ivy"))
    with CaptureQueriesContext(connection) as few:
        first = client.get(LIST).content.decode()
    for i in range(12):
        StaffMemberFactory(code=f"B9{i:02d}", unit=month.b_unit, manager=month.staff["charlie"])
    period_open(ruleset_code="ND335-2025", label="2026-11", user=month.user("sam"))
    with CaptureQueriesContext(connection) as many:
        second = client.get(LIST).content.decode()
    assert len(_rows(first)) == 13 and len(_rows(second)) == 25  # a full page
    assert len(many.captured_queries) == len(few.captured_queries)


# --- one evaluation ------------------------------------------------------------------------


def test_the_inspector_reads_another_agencys_evaluation_and_it_is_logged(month, client):
    period = open_month(month)
    bea = ev(month, "bea", period)
    client.force_login(month.user("ivy"))
    response = client.get(detail(bea), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bùi Thị Bé" in page and "Sở Beta" in page
    row = AccessLog.objects.get(kind=AccessKind.READ)
    assert row.user == month.user("ivy") and row.evaluation_id == bea.pk
    assert row.staff_id == month.staff["bea"].pk and row.ip == "10.1.2.3"
    assert row.path == detail(bea)


def test_the_evaluation_shows_scores_products_level_reasons_and_appeal(month, client, published):
    tam = ev(month, TAM, published)
    client.force_login(month.user("sam"))
    page = client.get(detail(tam)).content.decode()
    assert 'data-test="inspect-scores"' in page
    scores = page.split('data-test="inspect-scores"')[1].split("</table>")[0]
    assert scores.count("<tr") == 7  # header + G1…G6
    assert "Báo cáo của Tâm" in page
    assert 'data-test="inspect-level"' in page and tam.get_final_level_display() in page
    assert 'data-test="inspect-reasons"' in page
    assert 'data-test="inspect-appeal"' in page and "Xin xem lại tiêu chí G2" in page
    assert "Đang kiến nghị" in page


def test_the_audit_trail_lists_entries_in_order_with_actor_names(month, client, published):
    tam = ev(month, TAM, published)
    client.force_login(month.user("ivy"))
    page = client.get(detail(tam)).content.decode()
    trail = page.split('data-test="audit-trail"')[1].split("</ol>")[0]
    actions = re.findall(r'data-action="([^"]+)"', trail)
    entries = AuditEntry.objects.filter(evaluation=tam).order_by("at", "id")
    expected = list(entries.values_list("action", flat=True))
    assert actions == expected
    order = [
        "evaluation.self_submitted",
        "evaluation.manager_scored",
        "evaluation.approved",
        "evaluation.published",
        "appeal.filed",
    ]
    assert [a for a in actions if a in order] == order
    for name in ("Nguyễn Văn Tâm", "Lê Văn Bình", "Trần Thị Ánh"):
        assert name in trail, name
    for label in ("Gửi tự đánh giá", "Quản lý chấm xong", "Phê duyệt", "Công khai kết quả"):
        assert label in trail, label
    assert "Xin xem lại tiêu chí G2" in page


def test_the_sign_off_chain_is_checked(month, client, published):
    tam = ev(month, TAM, published)
    client.force_login(month.user("ivy"))
    page = client.get(detail(tam)).content.decode()
    chain = page.split('data-test="audit-chain"')[1].split("</p>")[0]
    assert "chain-ok" in chain
    signed = AuditEntry.objects.filter(evaluation=tam, action="evaluation.approved").get()
    # A hash-chain seal, never called a digital signature ("ký số" is PKI in Vietnamese law).
    note = page.split('data-test="audit-seal-note"')[1].split("</p>")[0]
    assert "chuỗi băm" in note and "verify_audit" in note and "không phải chữ ký số" in note
    assert f"niêm phong {signed.sequence}" in page and f"ký số {signed.sequence}" not in page
    english = client.get(detail(tam), headers={"accept-language": "en"}).content.decode()
    assert f"seal {signed.sequence}" in english
    assert "This is not a digital signature." in english
    with tampering() as cursor:  # a rewrite behind the application's back
        cursor.execute(
            "UPDATE evaluation_auditentry SET reason = %s WHERE id = %s", ["sửa lén", signed.pk]
        )
    page = client.get(detail(tam)).content.decode()
    chain = page.split('data-test="audit-chain"')[1].split("</p>")[0]
    assert "chain-bad" in chain and "Nội dung đã bị thay đổi sau khi ký." in page


def test_the_trail_costs_the_same_queries_for_twice_the_entries(month, client, published):
    tam = ev(month, TAM, published)
    client.force_login(month.user("ivy"))

    def add_entries(n: int) -> None:
        with transaction.atomic():
            for i in range(n):
                audit.record(
                    "evaluation.self_comment_changed",
                    actor=month.user(TAM),
                    evaluation=tam,
                    before={"self_comment": str(i)},
                    after={"self_comment": str(i + 1)},
                )

    with CaptureQueriesContext(connection) as few:
        assert client.get(detail(tam)).status_code == 200
    add_entries(AuditEntry.objects.filter(evaluation=tam).count())
    with CaptureQueriesContext(connection) as many:
        page = client.get(detail(tam)).content.decode()
    assert (
        page.count('data-test="audit-entry"') == AuditEntry.objects.filter(evaluation=tam).count()
    )
    assert len(many.captured_queries) == len(few.captured_queries)
