"""Every list endpoint costs the same number of queries for 3 rows as for 30."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from evaluation.models import Appeal, Evaluation, Notification, Product
from evaluation.services.periods import period_open
from staff import audit
from staff.models import DutyGroup
from tests.evaluation.conftest import STAFF_NAMES
from tests.factories import StaffMemberFactory

TAM = STAFF_NAMES[1]


@pytest.fixture
def busy(month):
    """Sở Alpha with 19 more specialists (30 evaluations), Sở Beta with one more (3), and
    October opened."""
    group = DutyGroup.objects.get(code="CV")
    StaffMemberFactory(
        code="B03", unit=month.b_unit, duty_group=group, joined_on=dt.date(2020, 1, 1)
    )
    for i in range(19):
        StaffMemberFactory(
            code=f"A9{i:02d}",
            unit=month.planning,
            duty_group=group,
            manager=month.staff["bob"],
            joined_on=dt.date(2020, 1, 1),
        )
    period, _ = period_open(ruleset_code="ND335-2025", label="2026-10", user=month.user("sam"))
    month.extra["period"] = period
    month.extra["tam"] = Evaluation.objects.get(period=period, staff=month.staff[TAM])
    return month


def measure(month, who: str, url: str) -> tuple[int, int]:
    client = Client()
    client.force_login(month.user(who))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()["count"]


def add_periods(month, n: int) -> None:
    from evaluation.models import Period

    start = Period.objects.count()
    for i in range(start, start + n):
        label = f"{2023 + i // 12}-{i % 12 + 1:02d}"
        period_open(ruleset_code="ND335-2025", label=label, user=month.user("sam"))


def add_appeals(month, n: int) -> None:
    evaluations = Evaluation.objects.filter(period=month.extra["period"], agency=month.agency_a)
    for evaluation in evaluations[:n]:
        Appeal.objects.create(
            evaluation=evaluation, reason="x", filed_by=month.user("alice"), status="upheld"
        )


def add_audit(month, n: int) -> None:
    for _ in range(n):
        audit.record("test.noted", actor=month.user("bob"), evaluation=month.extra["tam"])


def add_notifications(month, n: int) -> None:
    for _ in range(n):
        Notification.objects.create(
            recipient=month.user(TAM), kind="reminder", subject="s", body="b", evaluation=None
        )


def add_products(month, n: int) -> None:
    for i in range(n):
        Product.objects.create(
            evaluation=month.extra["tam"],
            title=f"Sản phẩm {i}",
            created_by=month.user(TAM),
            assigned_by=month.user("bob"),
            confirmed_by=month.user("bob"),
        )


def publish(month, n: int) -> None:
    pending = Evaluation.objects.filter(
        period=month.extra["period"], agency=month.agency_a, status="draft"
    ).values_list("pk", flat=True)[:n]
    Evaluation.objects.filter(pk__in=list(pending)).update(
        status="published", final_level="HTTNV", score=80, approved_by=month.user("alice")
    )


CASES: dict[str, tuple[str, str, Callable]] = {
    "periods": ("tam", "/api/v1/periods/", add_periods),
    "appeals": ("alice", "/api/v1/appeals/", add_appeals),
    "audit": ("ivy", "/api/v1/audit/", add_audit),
    "notifications": ("tam", "/api/v1/notifications/", add_notifications),
    "products": ("tam", "/api/v1/evaluations/{tam}/products/", add_products),
    "agency-results": ("tam", "/api/v1/agency-results/?period={period}", publish),
}


def test_the_evaluation_list_costs_the_same_for_3_or_30_rows(busy):
    url = f"/api/v1/evaluations/?period={busy.extra['period'].pk}&agency="
    small, small_count = measure(busy, "sam", url + "SOB")
    large, large_count = measure(busy, "sam", url + "SOA")
    assert (small_count, large_count) == (3, 30)
    assert small == large
    # Bob's scope (his unit and direct reports) costs the same too.
    assert measure(busy, "bob", url + "SOA")[0] == small


def test_the_evaluation_list_is_in_vietnamese_name_order(busy):
    client = Client()
    client.force_login(busy.user("alice"))
    url = f"/api/v1/evaluations/?period={busy.extra['period'].pk}&unit=A-KH"
    rows = client.get(url).json()["results"]
    keys = [Evaluation.objects.get(pk=row["id"]).staff.sort_key for row in rows]
    assert keys == sorted(keys)


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_list_endpoints_cost_the_same_for_3_or_30_rows(busy, endpoint):
    who, url, grow = CASES[endpoint]
    who = TAM if who == "tam" else who
    url = url.format(period=busy.extra["period"].pk, tam=busy.extra["tam"].pk)
    grow(busy, 3)
    small, small_count = measure(busy, who, url)
    grow(busy, 27)
    large, large_count = measure(busy, who, url)
    assert large_count - small_count == 27, (small_count, large_count)
    assert small == large, (endpoint, small, large)


def _statements(queries, start: str, table: str) -> int:
    return sum(q["sql"].startswith(start) and f'"{table}"' in q["sql"] for q in queries)


def test_a_save_writes_every_changed_criterion_in_one_statement(busy):
    """A month-end save changes all six criteria: one UPDATE of the scores, not six; the
    evaluation is read twice (in scope? then under the lock, with what the answer shows) and the
    answer holds the new points."""
    client = Client()
    client.force_login(busy.user(TAM))
    url = f"/api/v1/evaluations/{busy.extra['tam'].pk}/self-assessment/"
    first = {f"G{i}": 3 for i in range(1, 7)}
    assert client.post(url, {"scores": first}, content_type="application/json").status_code == 200
    second = {f"G{i}": 4 for i in range(1, 7)}
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, {"scores": second}, content_type="application/json")
    assert response.status_code == 200, response.content
    queries = ctx.captured_queries
    assert _statements(queries, "UPDATE", "evaluation_criterionscore") == 1
    assert _statements(queries, "INSERT", "evaluation_criterionscore") == 0
    assert _statements(queries, "SELECT", "evaluation_evaluation") == 2
    points = {c["code"]: c["self_points"] for c in response.json()["criteria"]}
    assert points == {code: "4.00" for code in second}


def test_serializer_fields_built_once_per_class_serve_each_evaluation(busy):
    """``FieldsBuiltOnce``: the list and detail serializers keep their own fields, and each
    instance serializes its own evaluation."""
    from evaluation.serializers import EvaluationDetailSerializer, EvaluationSerializer

    first, second = Evaluation.objects.filter(period=busy.extra["period"]).order_by("pk")[:2]
    rows = [EvaluationSerializer(e).data for e in (first, second, first)]
    assert [r["id"] for r in rows] == [first.pk, second.pk, first.pk]
    assert rows[0] == rows[2]
    detail = EvaluationDetailSerializer(second, context={"criteria": []}).data
    assert detail["id"] == second.pk and "products" in detail
    assert "products" not in EvaluationSerializer(first).data
