"""The period pages for a quarterly rule set (DOMAIN.md §5): the form takes a quarter, opens it
like a month, and refuses a month with the message that names the quarter to open."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse

from evaluation.models import Evaluation, Period
from evaluation.rating import _rules_for
from evaluation.services.periods import period_open
from scoring.models import RuleSet
from tests.evaluation.helpers import ev, publish_alpha
from tests.evaluation.test_quarterly_cycle import quarterly_version
from tests.web.test_periods import URL, _admin, _field_errors, _run


@pytest.fixture
def quarterly(month) -> Iterator[RuleSet]:
    # Published rules are cached by rule-set id, and ids come back after each test's rollback:
    # the cache must not carry this version's quarterly cycle into another test.
    _rules_for.cache_clear()
    yield quarterly_version(month)
    _rules_for.cache_clear()


def test_the_form_says_it_takes_a_month_a_quarter_or_a_year(month, client):
    page = _admin(client, month).get(URL).content.decode()
    assert "Mở kỳ tháng, quý hoặc năm" in page
    assert 'pattern="[0-9]{4}(-([0-9]{2}|Q[1-4]))?"' in page
    assert "quý dạng NNNN-Qn (ví dụ 2026-Q1)" in page
    assert "năm dạng NNNN (ví dụ 2026) cho bộ quy tắc xếp loại theo năm" in page


def test_a_quarterly_rule_set_opens_its_quarter_from_the_form(
    month,
    quarterly,
    client,
    django_capture_on_commit_callbacks,
):
    final, chain = _run(
        _admin(client, month),
        django_capture_on_commit_callbacks,
        URL,
        {"period": "2026-Q4", "ruleset": "ND335-2025"},
    )
    period = Period.objects.get(label="2026-Q4")
    assert (period.kind, chain) == ("quarter", [f"{URL}{period.pk}/"])
    assert Evaluation.objects.filter(period=period).count() == 13
    assert "Đã mở kỳ 2026-Q4: tạo 13 phiếu đánh giá." in final.content.decode()


def test_a_month_under_a_quarterly_rule_set_is_refused_by_the_label_field(
    month,
    quarterly,
    client,
    django_capture_on_commit_callbacks,
):
    final, _ = _run(
        _admin(client, month),
        django_capture_on_commit_callbacks,
        URL,
        {"period": "2026-11", "ruleset": "ND335-2025"},
    )
    errors = _field_errors(final.content.decode(), "period")
    assert "đánh giá theo quý: không mở kỳ 2026-11" in errors and "2026-Q4" in errors
    assert not Period.objects.exists()


def test_the_pages_of_an_open_quarter_read_as_a_quarter(month, quarterly, client):
    period, _ = period_open(ruleset_code="ND335-2025", label="2026-Q4", user=month.user("sam"))
    client.force_login(month.user("Sơn"))
    page = client.get(reverse("evaluation:my-month")).content.decode()
    # The person's entry page is the open quarter, with its products form and its deadline.
    assert "Phiếu đánh giá — Quý 4/2026" in page
    assert reverse("evaluation:my-product-add", args=[ev(month, "Sơn", period).pk]) in page
    assert "03/01/2027" in page
    client.force_login(month.user("bob"))
    assert "kỳ 2026-Q4" in client.get(reverse("evaluation:team")).content.decode()
    client.force_login(month.user("alice"))
    assert "kỳ 2026-Q4" in client.get(reverse("evaluation:approval")).content.decode()
    client.force_login(month.user("sam"))
    detail = client.get(f"{URL}{period.pk}/").content.decode()
    assert "Quý 4/2026 (kỳ 2026-Q4)" in detail


def test_the_quarter_is_named_in_english_too(month, quarterly, client):
    period, _ = period_open(ruleset_code="ND335-2025", label="2026-Q4", user=month.user("sam"))
    client.force_login(month.user("Sơn"))
    page = client.get(reverse("evaluation:my-month"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Evaluation — Q4 2026" in page
    client.force_login(month.user("sam"))
    detail = client.get(f"{URL}{period.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Q4 2026 (period 2026-Q4)" in detail


def test_the_trend_of_someone_rated_by_quarter_draws_the_quarters(month, quarterly, client):
    for label in ("2026-Q3", "2026-Q4"):
        publish_alpha(month, label)
    client.force_login(month.user("Sơn"))
    page = client.get(reverse("evaluation:my-month")).content.decode()
    assert 'data-test="trend-chart"' in page and page.count('<circle class="dot') == 2
    assert "Điểm các quý đã công khai, từ 2026-Q3 đến 2026-Q4" in page
