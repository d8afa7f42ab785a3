"""Who may do what, for EVERY operation of the OpenAPI schema.

The table below names, for each operation, the rule that decides each role's answer on an
object inside Sở Alpha and on one in Sở Beta. An operation that appears in the schema without
an entry here fails ``test_every_operation_of_the_schema_has_an_entry`` — a new endpoint cannot
ship without someone deciding who may call it.

Roles: staff (Tâm, the person evaluated), colleague (Sơn, same unit), manager (Bob), head
(Alice), delegate (Dave), hr (Hương), admin (Sam, province), inspector (Ivy), other_head
(Charlie, Sở Beta), province_approver (Phúc, who rates the heads of agencies: Alice and Charlie,
DOMAIN.md §1), anonymous. Outcomes: OK (the request got past access: 2xx, or 409 when the
object's state refuses the step), 403 (sees it, may not), 404 (out of scope), ANON (401/403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from evaluation.models import Appeal, Evaluation, Notification, Product
from evaluation.services.periods import period_open
from evaluation.services.products import product_register
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import province_approver
from tests.factories import UserFactory

ROLES = {
    "staff": STAFF_NAMES[1],
    "colleague": STAFF_NAMES[0],
    "manager": "bob",
    "head": "alice",
    "delegate": "dave",
    "hr": "huong",
    "admin": "sam",
    "inspector": "ivy",
    "other_head": "charlie",
    "province_approver": "pct",
    "anonymous": None,
}
OK = frozenset({200, 201, 204, 409})
OK_OR_400 = OK | {400}  # the simulator answers a bad batch with 400 — past access all the same
ANON = frozenset({401, 403})
IN, OUT = "in", "out"

# --- who sees what, and who may act -----------------------------------------------------------

SEES_EVALUATION = {
    IN: {"staff", "manager", "head", "delegate", "hr", "admin", "inspector"},
    OUT: {"other_head", "admin", "inspector"},
}
SEES_STAFF = SEES_EVALUATION
SEES_ORG = {IN: SEES_EVALUATION[IN] | {"colleague"}, OUT: SEES_EVALUATION[OUT]}
PERSON = {IN: {"staff"}, OUT: set()}
MANAGER = {IN: {"manager"}, OUT: set()}  # Bea's manager Charlie holds no manager role
PERSON_OR_MANAGER = {IN: {"staff", "manager"}, OUT: set()}
APPROVER = {IN: {"head", "delegate"}, OUT: {"other_head"}}
# Quota exceptions are recorded by the province admin, with the second factor (DOMAIN.md §4.5):
# Sam here signed in without it, so he too is refused (403) past access — everyone else who
# sees the agency is refused as not the province, its own head and delegate included
# (tests/evaluation/test_quota_exceptions.py records one).
NOBODY_HERE = {IN: set(), OUT: set()}
# The head of an agency's evaluation (Alice's, Charlie's): seen in the agency and by the
# province approver, who alone rates and signs it (DOMAIN.md §1).
SEES_HEAD = {
    IN: {"head", "delegate", "hr", "admin", "inspector", "province_approver"},
    OUT: {"other_head", "admin", "inspector", "province_approver"},
}
HEAD_APPROVER = {IN: {"province_approver"}, OUT: {"province_approver"}}
AUDIT_READERS = {"admin", "inspector"}
DASHBOARD_READERS = {"head", "delegate", "hr", "admin", "inspector", "other_head"}

Rule = Callable[[str, str], frozenset[int] | int]


def everyone(role: str, target: str) -> frozenset[int] | int:
    return OK


def only(roles: set[str], ok: frozenset[int] = OK) -> Rule:
    return lambda role, target: ok if role in roles else 403


def read(sees: dict[str, set[str]]) -> Rule:
    return lambda role, target: OK if role in sees[target] else 404


def act(sees: dict[str, set[str]], may: dict[str, set[str]]) -> Rule:
    def rule(role: str, target: str) -> frozenset[int] | int:
        if role not in sees[target]:
            return 404
        return OK if role in may[target] else 403

    return rule


def audit_of_evaluation(role: str, target: str) -> frozenset[int] | int:
    if role not in SEES_EVALUATION[target]:
        return 404
    return OK if role in AUDIT_READERS else 403


def own_notification(role: str, target: str) -> frozenset[int] | int:
    return OK if target == IN else 404


@dataclass(frozen=True)
class Case:
    url: str
    rule: Rule
    body: dict[str, Any] | None = None
    targets: tuple[str, ...] = (IN, OUT)
    no_code: tuple[str, ...] = ()


E = "/api/v1/evaluations/{ev}/"
TABLE: dict[tuple[str, str], Case] = {
    # staff app
    ("GET", "/api/v1/staff/"): Case("/api/v1/staff/", everyone, targets=(IN,)),
    ("GET", "/api/v1/staff/{code}/"): Case("/api/v1/staff/{staff}/", read(SEES_STAFF)),
    ("GET", "/api/v1/agencies/"): Case("/api/v1/agencies/", everyone, targets=(IN,)),
    ("GET", "/api/v1/agencies/{code}/"): Case("/api/v1/agencies/{agency}/", read(SEES_ORG)),
    ("GET", "/api/v1/units/"): Case("/api/v1/units/", everyone, targets=(IN,)),
    ("GET", "/api/v1/units/{code}/"): Case("/api/v1/units/{unit}/", read(SEES_ORG)),
    # scoring app
    ("GET", "/api/v1/rulesets/"): Case("/api/v1/rulesets/", everyone, targets=(IN,)),
    ("GET", "/api/v1/rulesets/{code}/"): Case(
        "/api/v1/rulesets/ND335-2025/", everyone, targets=(IN,)
    ),
    ("POST", "/api/v1/rulesets/{code}/simulate/"): Case(
        "/api/v1/rulesets/ND335-2025/simulate/",
        only({"admin"}, OK_OR_400),
        {},
        targets=(IN,),
        no_code=("code",),
    ),
    # periods
    ("GET", "/api/v1/periods/"): Case("/api/v1/periods/", everyone, targets=(IN,)),
    ("GET", "/api/v1/periods/{id}/"): Case("/api/v1/periods/{period}/", everyone, targets=(IN,)),
    ("POST", "/api/v1/periods/"): Case(
        "/api/v1/periods/",
        only({"admin"}),
        {"ruleset": "ND335-2025", "period": "2026-11"},
        targets=(IN,),
    ),
    ("POST", "/api/v1/periods/{id}/close/"): Case(
        "/api/v1/periods/{period}/close/", only({"admin"}), {}, targets=(IN,)
    ),
    # evaluations
    ("GET", "/api/v1/evaluations/"): Case("/api/v1/evaluations/", everyone, targets=(IN,)),
    ("GET", "/api/v1/evaluations/{id}/"): Case(E, read(SEES_EVALUATION)),
    ("GET", "/api/v1/evaluations/{id}/proposal/"): Case(E + "proposal/", read(SEES_EVALUATION)),
    ("POST", "/api/v1/evaluations/{id}/self-assessment/"): Case(
        E + "self-assessment/", act(SEES_EVALUATION, PERSON), {"scores": {"G1": 5}}
    ),
    ("POST", "/api/v1/evaluations/{id}/manager-score/"): Case(
        E + "manager-score/", act(SEES_EVALUATION, MANAGER), {"scores": {"G1": 4}}
    ),
    ("POST", "/api/v1/evaluations/{id}/return/"): Case(
        E + "return/", act(SEES_EVALUATION, MANAGER), {"to": "person", "reason": "Thiếu"}
    ),
    ("POST", "/api/v1/evaluations/{id}/appeal/"): Case(
        E + "appeal/", act(SEES_EVALUATION, PERSON), {"reason": "Chưa thỏa đáng"}
    ),
    ("GET", "/api/v1/evaluations/{id}/audit/"): Case(E + "audit/", audit_of_evaluation),
    ("GET", "/api/v1/evaluations/{id}/products/"): Case(E + "products/", read(SEES_EVALUATION)),
    ("POST", "/api/v1/evaluations/{id}/products/"): Case(
        E + "products/", act(SEES_EVALUATION, PERSON_OR_MANAGER), {"title": "Tờ trình"}
    ),
    # products
    ("POST", "/api/v1/products/{id}/outcome/"): Case(
        "/api/v1/products/{product}/outcome/",
        act(SEES_EVALUATION, PERSON_OR_MANAGER),
        {"completed": True},
    ),
    ("DELETE", "/api/v1/products/{id}/"): Case(
        "/api/v1/products/{product}/", act(SEES_EVALUATION, PERSON)
    ),
    # appeals
    ("GET", "/api/v1/appeals/"): Case("/api/v1/appeals/", everyone, targets=(IN,)),
    ("POST", "/api/v1/appeals/{id}/resolve/"): Case(
        "/api/v1/appeals/{appeal}/resolve/",
        act(SEES_EVALUATION, APPROVER),
        {"decision": "uphold", "reason": "Đúng quy định"},
    ),
    # audit
    ("GET", "/api/v1/audit/"): Case("/api/v1/audit/", only(AUDIT_READERS), targets=(IN,)),
    ("GET", "/api/v1/access-log/"): Case("/api/v1/access-log/", only(AUDIT_READERS), targets=(IN,)),
    # restructuring: the province reads the record, only its admin records (here: previews)
    ("GET", "/api/v1/restructurings/"): Case(
        "/api/v1/restructurings/", only(AUDIT_READERS), targets=(IN,)
    ),
    ("POST", "/api/v1/restructurings/"): Case(
        "/api/v1/restructurings/",
        only({"admin"}),
        {
            "dry_run": True,
            "steps": [
                {
                    "kind": "rename",
                    "effective_on": "2026-10-01",
                    "reference": "QĐ 1/QĐ-UBND",
                    "agencies": ["SOA"],
                    "name": "Sở Alpha mới",
                }
            ],
        },
        targets=(IN,),
    ),
    # approval, exceptions, publication
    ("GET", "/api/v1/approvals/preview/"): Case(
        "/api/v1/approvals/preview/?period={period}&unit={unit}", act(SEES_ORG, APPROVER)
    ),
    ("POST", "/api/v1/approvals/"): Case(
        "/api/v1/approvals/", act(SEES_ORG, APPROVER), {"period": "{period}", "unit": "{unit}"}
    ),
    ("GET", "/api/v1/approvals/heads/"): Case(
        "/api/v1/approvals/heads/?period={period}", only({"province_approver"}), targets=(IN,)
    ),
    ("POST", "/api/v1/approvals/heads/"): Case(
        "/api/v1/approvals/heads/", act(SEES_HEAD, HEAD_APPROVER), {"evaluation": "{head_ev}"}
    ),
    ("POST", "/api/v1/quota-exceptions/"): Case(
        "/api/v1/quota-exceptions/",
        act(SEES_ORG, NOBODY_HERE),
        {
            "period": "{period}",
            "agency": "{agency}",
            "duty_group": "CV",
            "ceiling": 2,
            "reference": "QĐ 1/QĐ-UBND",
        },
    ),
    ("POST", "/api/v1/publications/"): Case(
        "/api/v1/publications/",
        act(SEES_ORG, APPROVER),
        {"period": "{period}", "agency": "{agency}"},
    ),
    # disclosure, notifications
    ("GET", "/api/v1/agency-results/"): Case(
        "/api/v1/agency-results/?period={period}", everyone, targets=(IN,)
    ),
    ("GET", "/api/v1/notifications/"): Case("/api/v1/notifications/", everyone, targets=(IN,)),
    ("POST", "/api/v1/notifications/{id}/read/"): Case(
        "/api/v1/notifications/{notification}/read/", own_notification, {}
    ),
    # dashboards: agency roles and the province read them; the PAR feed is the province's
    ("GET", "/api/v1/dashboards/indicators/"): Case(
        "/api/v1/dashboards/indicators/?period=2026-10", only(DASHBOARD_READERS), targets=(IN,)
    ),
    ("GET", "/api/v1/dashboards/rankings/"): Case(
        "/api/v1/dashboards/rankings/?period=2026-10", only(DASHBOARD_READERS), targets=(IN,)
    ),
    ("GET", "/api/v1/dashboards/par/"): Case(
        "/api/v1/dashboards/par/?year=2026", only(AUDIT_READERS), targets=(IN,)
    ),
    # the agencies' own ratings: every caller lists (within scope: see
    # tests/dashboards/test_agency_ratings.py); only the province admin records, with the second
    # factor — Sam here signed in without it, so he too is refused (403) past access, and
    # everyone else who sees the agency is refused; an agency out of sight is a 404
    ("GET", "/api/v1/agency-ratings/"): Case("/api/v1/agency-ratings/", everyone, targets=(IN,)),
    ("POST", "/api/v1/agency-ratings/"): Case(
        "/api/v1/agency-ratings/",
        act(SEES_ORG, {IN: set(), OUT: set()}),
        {"agency": "{agency}", "year": 2026, "score": 80, "reference": "QĐ 1/QĐ-UBND"},
    ),
}


def schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_operation_of_the_schema_has_an_entry(db):
    operations = schema_operations()
    missing = sorted(operations - TABLE.keys())
    stale = sorted(TABLE.keys() - operations)
    assert not missing, f"operations without a scope expectation: {missing}"
    assert not stale, f"expectations for operations that no longer exist: {stale}"


@pytest.fixture
def world(month):
    """An open month; a product and an appeal in each agency; a notification for everyone."""
    province_approver(month)
    period, _ = period_open(ruleset_code="ND335-2025", label="2026-10", user=month.user("sam"))
    tam, bea = STAFF_NAMES[1], "bea"
    ev_in = Evaluation.objects.get(period=period, staff=month.staff[tam])
    ev_out = Evaluation.objects.get(period=period, staff=month.staff[bea])
    product_in = product_register(evaluation=ev_in, user=month.user(tam), title="Báo cáo")
    product_out = Product.objects.create(
        evaluation=ev_out, title="Kế hoạch", created_by=month.user("charlie")
    )
    appeal_in = Appeal.objects.create(evaluation=ev_in, reason="x", filed_by=month.user(tam))
    appeal_out = Appeal.objects.create(
        evaluation=ev_out, reason="x", filed_by=month.user("charlie")
    )
    stranger = UserFactory(username="zed")
    stranger_note = Notification.objects.create(
        recipient=stranger, kind="reminder", subject="s", body="b"
    )
    notes = {
        role: Notification.objects.create(
            recipient=month.user(name), kind="reminder", subject="s", body="b"
        ).pk
        for role, name in ROLES.items()
        if name
    }
    common = {"period": period.pk}
    targets = {
        IN: {
            **common,
            "ev": ev_in.pk,
            "head_ev": Evaluation.objects.get(period=period, staff=month.staff["alice"]).pk,
            "product": product_in.pk,
            "appeal": appeal_in.pk,
            "unit": "A-KH",
            "agency": "SOA",
            "staff": month.staff[tam].code,
        },
        OUT: {
            **common,
            "ev": ev_out.pk,
            "head_ev": Evaluation.objects.get(period=period, staff=month.staff["charlie"]).pk,
            "product": product_out.pk,
            "appeal": appeal_out.pk,
            "unit": "B-NV",
            "agency": "SOB",
            "staff": month.staff[bea].code,
            "notification": stranger_note.pk,
        },
    }
    clients = {}
    for role, name in ROLES.items():
        client = Client()
        if name:
            client.force_login(month.user(name))
        clients[role] = client
    return {"targets": targets, "notes": notes, "clients": clients}


def _fill(value: Any, values: dict[str, Any]) -> Any:
    if isinstance(value, str):
        filled = value.format(**values)
        return int(filled) if value.startswith("{") and filled.isdigit() else filled
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


@pytest.mark.parametrize("operation", sorted(TABLE), ids=lambda op: f"{op[0]} {op[1]}")
def test_each_role_gets_what_the_table_says(world, operation):
    method, _ = operation
    case = TABLE[operation]
    wrong = []
    for target in case.targets:
        for role, name in ROLES.items():
            values = dict(world["targets"][target])
            if target == IN and role in world["notes"]:
                values["notification"] = world["notes"][role]
            values.setdefault("notification", 0)
            url = _fill(case.url, values)
            client = world["clients"][role]
            with transaction.atomic():
                if method == "GET":
                    response = client.get(url)
                elif method == "DELETE":
                    response = client.delete(url)
                else:
                    response = client.post(
                        url, _fill(case.body or {}, values), content_type="application/json"
                    )
                transaction.set_rollback(True)
            expected = ANON if name is None else case.rule(role, target)
            allowed = expected if isinstance(expected, frozenset) else {expected}
            if response.status_code not in allowed:
                wrong.append((role, target, response.status_code, sorted(allowed)))
            if response.status_code >= 400:
                body = response.json()
                assert set(body) == {"errors"}, (role, url, body)
                # (the simulator's own errors, from the scoring app, carry no code)
                keys = {"path", "message", "message_en"} | ({"code"} - set(case.no_code))
                assert keys <= set(body["errors"][0]), (role, url, body)
    assert not wrong, f"{method} {case.url}: (role, target, got, expected) {wrong}"


def test_charlie_of_beta_cannot_even_learn_that_alpha_evaluations_exist(world):
    client = world["clients"]["other_head"]
    ev = world["targets"][IN]["ev"]
    response = client.get(f"/api/v1/evaluations/{ev}/")
    assert response.status_code == 404
    (error,) = response.json()["errors"]
    assert (error["code"], error["message"], error["message_en"]) == (
        "not_found",
        "Không tìm thấy",
        "Not found",
    )
    rows = client.get("/api/v1/evaluations/").json()["results"]
    assert {row["agency"] for row in rows} == {"SOB"}


def test_a_specialist_lists_only_their_own_evaluation(world, month):
    rows = world["clients"]["colleague"].get("/api/v1/evaluations/").json()["results"]
    assert [row["staff"] for row in rows] == [month.staff[STAFF_NAMES[0]].code]
