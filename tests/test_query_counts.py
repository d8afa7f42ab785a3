"""Every list endpoint and every dashboard costs the same number of queries for N rows as for
about 2N (no query per row).

``LIST_ENDPOINTS`` derives the list endpoints from the OpenAPI schema — every GET whose path
does not end in an object's id — and the dashboard pages from ``dashboards.urls``; each must be
covered here (``CASES``), covered by a named test elsewhere (``ELSEWHERE``, checked to exist), or
be listed in ``NOT_LISTS`` with the reason. A new list endpoint without any of the three fails
``test_every_list_endpoint_has_a_query_count_test``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from evaluation.models import AgencyRating, Evaluation, Period
from evaluation.services.periods import period_open
from scoring.models import RuleSet, RuleSetCoverage
from staff import audit
from staff.models import AccessKind, AccessLog, Agency, DutyGroup
from staff.restructuring import Plan, Step, plan_apply
from tests.evaluation.conftest import STAFF_NAMES, month, standard_rules  # noqa: F401
from tests.evaluation.helpers import (
    add_headed_agencies,
    manager_score,
    open_month,
    province_approver,
    self_assess,
)
from tests.factories import AgencyFactory, StaffMemberFactory, UnitFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
TAM = STAFF_NAMES[1]

# --- the coverage table -------------------------------------------------------------------------

# Covered by a test elsewhere: the file, and a text of that file that names the endpoint.
ELSEWHERE: dict[str, tuple[str, str]] = {
    "/api/v1/staff/": ("tests/staff/test_api.py", '"/api/v1/staff/"'),
    "/api/v1/agencies/": ("tests/staff/test_api.py", '"/api/v1/agencies/"'),
    "/api/v1/units/": ("tests/staff/test_api.py", '"/api/v1/units/"'),
    "/api/v1/evaluations/": (
        "tests/evaluation/test_api_queries.py",
        "def test_the_evaluation_list_costs_the_same_for_3_or_30_rows",
    ),
    "/api/v1/periods/": ("tests/evaluation/test_api_queries.py", '"/api/v1/periods/"'),
    "/api/v1/appeals/": ("tests/evaluation/test_api_queries.py", '"/api/v1/appeals/"'),
    "/api/v1/audit/": ("tests/evaluation/test_api_queries.py", '"/api/v1/audit/"'),
    "/api/v1/notifications/": ("tests/evaluation/test_api_queries.py", '"/api/v1/notifications/"'),
    "/api/v1/evaluations/{id}/products/": (
        "tests/evaluation/test_api_queries.py",
        '"/api/v1/evaluations/{tam}/products/"',
    ),
    "/api/v1/agency-results/": ("tests/evaluation/test_api_queries.py", '"/api/v1/agency-results/'),
    "dashboards:agency": (
        "tests/dashboards/test_pages_agency.py",
        "def test_the_dashboard_reads_in_a_constant_number_of_queries",
    ),
    "dashboards:ranking": (
        "tests/dashboards/test_pages_ranking.py",
        "def test_the_ranking_reads_in_a_constant_number_of_queries",
    ),
    "dashboards:par": (
        "tests/dashboards/test_pages_ranking.py",
        "def test_the_par_feed_reads_in_a_constant_number_of_queries",
    ),
    "dashboards:agency-ratings": (
        "tests/dashboards/test_agency_ratings.py",
        "def test_the_agency_ratings_page_reads_in_a_constant_number_of_queries",
    ),
    "/api/v1/agency-ratings/": (
        "tests/dashboards/test_agency_ratings.py",
        "def test_the_agency_ratings_api_lists_in_a_constant_number_of_queries",
    ),
}
NOT_LISTS: dict[str, str] = {
    "/api/v1/evaluations/{id}/proposal/": "one evaluation's proposed level",
    "dashboards:index": "a redirect to the caller's dashboard",
    "dashboards:export-job": "one export job",
    "dashboards:export-file": "one export job's file",
}


def list_endpoints() -> set[str]:
    """GET paths of the API that are not one object (not ending in ``{…}/``), and every
    dashboard page (by URL name)."""
    from dashboards.urls import app_name, urlpatterns

    schema = SchemaGenerator().get_schema(request=None, public=True)
    api = {
        path
        for path, item in schema["paths"].items()
        if "get" in item and not re.search(r"\{[^}]+\}/$", path)
    }
    return api | {f"{app_name}:{pattern.name}" for pattern in urlpatterns}


# --- what grows, and how it is measured ---------------------------------------------------------


@dataclass
class Case:
    who: str
    url: str
    grow: Callable[[object, int], None]
    rows: Callable[[dict], int]


def _paged(body: dict) -> int:
    return body["count"]


def _table(body: dict) -> int:
    return len(body["rows"])


def _preview(body: dict) -> int:
    return len(body["evaluations"])


def add_access_log(world, n: int) -> None:
    tam = world.extra["tam"]
    AccessLog.objects.bulk_create(
        AccessLog(
            kind=AccessKind.READ,
            user=world.user("bob"),
            username="bob",
            staff=tam.staff,
            evaluation=tam,
            path=f"/api/v1/evaluations/{tam.pk}/",
            method="GET",
            status=200,
        )
        for _ in range(n)
    )


def add_rulesets(world, n: int) -> None:
    template = RuleSet.objects.get(code="ND335-2025").template
    start = RuleSet.objects.filter(code__startswith="QC-").count()
    for i in range(start, start + n):
        RuleSet.objects.create(code=f"QC-{i:03d}", name=f"Bộ quy tắc {i}", template=template)


def add_evaluation_audit(world, n: int) -> None:
    for _ in range(n):
        audit.record("test.noted", actor=world.user("bob"), evaluation=world.extra["tam"])


def add_unit_scores(world, n: int) -> None:
    """``n`` more specialists in Bob's unit, each self-assessed and scored."""
    period = world.extra["period"]
    start = world.extra.setdefault("grown", 0)
    names = [f"qc{i}" for i in range(start, start + n)]
    for i, name in enumerate(names, start=start):
        world.users[name] = UserFactory(username=name)
        world.staff[name] = StaffMemberFactory(
            code=f"QC{i:03d}",
            full_name=f"Hồ Văn Thêm {i}",
            unit=world.planning,
            user=world.users[name],
            duty_group=world.staff["Sơn"].duty_group,
            manager=world.staff["bob"],
            joined_on=world.staff["Sơn"].joined_on,
        )
    period_open(ruleset_code="ND335-2025", label=period.label, user=world.user("sam"))
    for name in names:
        self_assess(world, name, period)
        manager_score(world, "bob", name, period)
    world.extra["grown"] = start + n


def add_agencies(world, n: int) -> None:
    """``n`` more agencies of Sở Alpha's type, one person each, in the open month."""
    period = world.extra["period"]
    group = DutyGroup.objects.get(code="CV")
    start = len(world.extra.setdefault("agencies", []))
    for i in range(start, start + n):
        agency = AgencyFactory(
            code=f"QC{i:03d}",
            name=f"Sở Thử {i}",
            province=world.agency_a.province,
            agency_type=world.agency_a.agency_type,
        )
        RuleSetCoverage.objects.create(agency=agency, ruleset_code="ND335-2025")
        unit = UnitFactory(agency=agency, code=f"QC{i:03d}-P", name="Văn phòng")
        StaffMemberFactory(
            code=f"QC{i:03d}-1", unit=unit, duty_group=group, joined_on=dt.date(2020, 1, 1)
        )
        world.extra["agencies"].append(agency.code)
    period_open(ruleset_code="ND335-2025", label=period.label, user=world.user("sam"))


def add_rated_agencies(world, n: int) -> None:
    """``add_agencies``, each new agency with its own rating of the year recorded (the ranking
    carries it beside the composite)."""
    start = len(world.extra.setdefault("agencies", []))
    add_agencies(world, n)
    for code in world.extra["agencies"][start:]:
        AgencyRating.objects.create(
            agency=Agency.objects.get(code=code),
            year=world.extra["period"].year,
            score=80,
            level="HTTNV",
            reference=f"QĐ {code}/QĐ-SNV",
            decided_by=world.user("sam"),
        )


def add_heads(world, n: int) -> None:
    """``n`` more agencies with a head each, half of the heads scored, for the province
    approver's list (every head of agency on one board, DOMAIN.md §1)."""
    province_approver(world)
    period = world.extra["period"]
    codes = add_headed_agencies(world, period, n)
    Evaluation.objects.filter(period=period, staff__code__in=codes[::2]).update(
        status="manager_scored", proposed_level="HTTNV", score=80
    )


def add_restructurings(world, n: int) -> None:
    """``n`` more small agencies, each merged into Sở Beta by its own recorded decision."""
    start = len(world.extra.setdefault("merged", []))
    for i in range(start, start + n):
        code = f"QM{i:03d}"
        AgencyFactory(
            code=code,
            name=f"Trung tâm {i}",
            province=world.agency_b.province,
            agency_type=world.agency_b.agency_type,
        )
        step = Step(
            kind="merge",
            effective_on=dt.date(2026, 10, 1),
            reference=f"Quyết định {i}/QĐ-UBND",
            agencies=[code],
            target="SOB",
        )
        plan_apply(plan=Plan([step]), user=world.user("sam"))
        world.extra["merged"].append(code)


CASES: dict[str, Case] = {
    "/api/v1/restructurings/": Case("ivy", "/api/v1/restructurings/", add_restructurings, _paged),
    "/api/v1/access-log/": Case("ivy", "/api/v1/access-log/", add_access_log, _paged),
    "/api/v1/rulesets/": Case("sam", "/api/v1/rulesets/", add_rulesets, _paged),
    "/api/v1/evaluations/{id}/audit/": Case(
        "ivy", "/api/v1/evaluations/{tam}/audit/", add_evaluation_audit, _paged
    ),
    "/api/v1/approvals/heads/": Case(
        "pct", "/api/v1/approvals/heads/?period={period}", add_heads, len
    ),
    "/api/v1/approvals/preview/": Case(
        "alice", "/api/v1/approvals/preview/?period={period}&unit=A-KH", add_unit_scores, _preview
    ),
    "/api/v1/dashboards/indicators/": Case(
        "sam", "/api/v1/dashboards/indicators/?period=2026-10", add_agencies, _table
    ),
    "/api/v1/dashboards/rankings/": Case(
        "sam", "/api/v1/dashboards/rankings/?period=2026-10", add_rated_agencies, _table
    ),
    "/api/v1/dashboards/par/": Case(
        "sam", "/api/v1/dashboards/par/?year=2026", add_agencies, _table
    ),
}


def test_every_list_endpoint_has_a_query_count_test(db):
    endpoints = list_endpoints()
    known = CASES.keys() | ELSEWHERE.keys() | NOT_LISTS.keys()
    missing = sorted(endpoints - known)
    stale = sorted(known - endpoints)
    assert not missing, f"list endpoints without a query-count test: {missing}"
    assert not stale, f"entries for endpoints that no longer exist: {stale}"
    assert not CASES.keys() & ELSEWHERE.keys()


@pytest.mark.parametrize("endpoint", sorted(ELSEWHERE))
def test_the_test_named_for_an_endpoint_exists(endpoint):
    path, text = ELSEWHERE[endpoint]
    assert text in (ROOT / path).read_text(encoding="utf-8"), (endpoint, path)


@pytest.fixture
def opened(month):  # noqa: F811 — the shared fixture
    """October open in Sở Alpha; Sơn, Tâm and Uyên self-assessed and scored by Bob."""
    period = open_month(month)
    for name in STAFF_NAMES[:3]:
        self_assess(month, name, period)
        manager_score(month, "bob", name, period)
    month.extra["period"] = Period.objects.get(pk=period.pk)
    month.extra["tam"] = Evaluation.objects.get(period=period, staff=month.staff[TAM])
    return month


def measure(world, case: Case) -> tuple[int, int]:
    client = Client()
    client.force_login(world.user(case.who))
    url = case.url.format(period=world.extra["period"].pk, tam=world.extra["tam"].pk)
    assert client.get(url).status_code == 200  # warm the session, content types, caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(queries), case.rows(response.json())


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_a_list_costs_the_same_for_n_or_2n_rows(opened, endpoint, settings):
    # The open month's dashboard figures are cached between views; what is counted here is
    # the live computation itself (tests/dashboards covers the cache).
    settings.DASHBOARD_OPEN_PERIOD_SECONDS = 0
    case = CASES[endpoint]
    n = 4
    case.grow(opened, n)
    small, small_rows = measure(opened, case)
    case.grow(opened, small_rows)  # about as many again
    large, large_rows = measure(opened, case)
    assert small_rows >= n and large_rows >= 2 * small_rows - 1, (small_rows, large_rows)
    assert small == large, (endpoint, small, large)
