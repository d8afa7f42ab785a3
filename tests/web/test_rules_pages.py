"""The rule-set and template read views: the province (Sam, Ivy) reads every version, drafts
included; Bob, Charlie and Hương get a 404 on every address; the list costs the same queries
whatever the number of versions."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from scoring import services
from scoring.models import CriteriaTemplate, RuleSet
from tests.evaluation.helpers import open_month

LIST = "/rules/"
RULESET = "/rules/rulesets/ND335-2025/1/"
TEMPLATE = "/rules/templates/ND335-2025-TPL/1/"
XLSX = "/rules/templates/ND335-2025-TPL/1/xlsx/"
ALL = (LIST, RULESET, TEMPLATE, XLSX)


@pytest.mark.parametrize("name", ["sam", "ivy"])
def test_the_province_lists_every_rule_set_and_template(month, client, name):
    client.force_login(month.user(name))
    page = client.get(LIST).content.decode()
    for code in ("ND335-2025", "HN-3814"):
        assert f'data-test="ruleset-row-{code}"' in page
    for code in ("ND335-2025-TPL", "HN-3814-TPL"):
        assert f'data-test="template-row-{code}"' in page
    assert "Đã công bố" in page and "đang áp dụng" in page
    assert 'href="/rules/rulesets/ND335-2025/1/"' in page
    assert 'href="/rules/simulator/"' in page


def test_a_draft_is_listed_and_the_old_version_shows_until_when_it_was_valid(month, client):
    sam = month.user("sam")
    old = RuleSet.objects.get(code="ND335-2025", version=1)
    draft = services.ruleset_new_version(ruleset=old, user=sam)
    client.force_login(sam)
    page = client.get(LIST).content.decode()
    assert page.count('data-test="ruleset-row-ND335-2025"') == 2
    assert "Bản nháp" in page and "Chưa có hiệu lực" in page
    services.ruleset_publish(ruleset=draft, user=sam)
    page = client.get(LIST).content.decode()
    assert "đã có phiên bản mới" in page


@pytest.mark.parametrize("name", ["bob", "charlie", "huong", "Sơn"])
@pytest.mark.parametrize("url", ALL)
def test_everyone_else_gets_404(month, client, name, url):
    client.force_login(month.user(name))
    assert client.get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(db, client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_rule_set_page_reads_its_rules_in_vietnamese(month, client):
    open_month(month)
    client.force_login(month.user("ivy"))
    page = client.get(RULESET).content.decode()
    assert 'data-test="ruleset-detail"' in page
    for text in (
        "Mức xếp loại và ngưỡng điểm",
        "Hoàn thành xuất sắc nhiệm vụ",
        "Tỷ lệ Hoàn thành xuất sắc nhiệm vụ",
        "Điều kiện đối với người đứng đầu, cấp phó",
        "Giới hạn mức theo thời gian công tác",
        "Hạn tự đánh giá",
        "Sở Alpha (SOA)",
        "1 kỳ",
    ):
        assert text in page, text
    assert 'href="/rules/templates/ND335-2025-TPL/1/"' in page


def test_an_unknown_version_is_404(month, client):
    client.force_login(month.user("sam"))
    assert client.get("/rules/rulesets/ND335-2025/9/").status_code == 404
    assert client.get("/rules/templates/NOPE/1/").status_code == 404
    assert client.get("/rules/templates/NOPE/1/xlsx/").status_code == 404


def test_the_template_page_lists_its_criteria_and_offers_the_workbook(month, client):
    client.force_login(month.user("sam"))
    page = client.get(TEMPLATE).content.decode()
    template = CriteriaTemplate.objects.get(code="ND335-2025-TPL", version=1)
    for criterion in template.criteria.all():
        assert f'data-test="criterion-row-{criterion.code}"' in page
        assert criterion.name in page
    assert "Tiêu chí chung (tổng 30 điểm)" in page
    assert f'href="{XLSX}"' in page and 'data-test="template-xlsx"' in page

    response = client.get(XLSX)
    assert response.status_code == 200
    assert "mau-tieu-chi-ND335-2025-TPL-v1.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    codes = [row[3] for row in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert codes == [c.code for c in template.criteria.order_by("group__order", "order", "code")]


def _add_versions(n: int, user) -> None:
    base = RuleSet.objects.get(code="HN-3814", version=1)
    template = CriteriaTemplate.objects.get(code="HN-3814-TPL", version=1)
    for _ in range(n):
        services.ruleset_new_version(ruleset=base, user=user)
        services.template_new_version(template=template, user=user)


def test_the_list_costs_the_same_queries_for_twice_the_versions(
    month, client, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sam = month.user("sam")
    client.force_login(sam)
    _add_versions(3, sam)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    _add_versions(3, sam)
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(LIST).content.decode()
    assert page.count('data-test="ruleset-row-HN-3814"') == 7
