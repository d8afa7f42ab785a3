"""A whole month of Sở Alpha through the API, with the real roles — the same story as
test_month_services.py, told over HTTP (DOMAIN.md §6)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from evaluation.models import Evaluation, Notification
from staff.audit import verify_chains
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import allow_exceptions, province_approver, verified_admin

FULL = {f"G{i}": 5 for i in range(1, 7)}
GOOD = {f"G{i}": 4 for i in range(1, 7)}


class Api:
    """One logged-in client per person of the month."""

    def __init__(self, month: Any) -> None:
        self.month = month
        self.clients: dict[str, Client] = {}

    def client(self, name: str) -> Client:
        if name not in self.clients:
            client = Client()
            client.force_login(self.month.user(name))
            self.clients[name] = client
        return self.clients[name]

    def get(self, name: str, url: str, expect: int = 200) -> Any:
        response = self.client(name).get(url)
        assert response.status_code == expect, (url, response.content)
        return response.json()

    def post(self, name: str, url: str, body: Any = None, expect: int = 200) -> Any:
        response = self.client(name).post(url, body or {}, content_type="application/json")
        assert response.status_code == expect, (name, url, response.content.decode())
        return response.json() if response.content else None


def evaluation_id(api: Api, name: str, period: int) -> int:
    code = api.month.staff[name].code
    rows = api.get("sam", f"/api/v1/evaluations/?period={period}&staff={code}")["results"]
    assert len(rows) == 1
    return rows[0]["id"]


def self_assess(api: Api, name: str, period: int, scores: dict, flawed: bool = False) -> None:
    ev = evaluation_id(api, name, period)
    product = api.post(
        name,
        f"/api/v1/evaluations/{ev}/products/",
        {"title": f"Báo cáo của {name}", "weight": 1, "evidence_url": "https://example.org/a"},
        expect=201,
    )
    outcome = {"completed": True, "major_errors": 1, "delays": 1} if flawed else {"completed": True}
    api.post(name, f"/api/v1/products/{product['id']}/outcome/", outcome)
    detail = api.get(name, f"/api/v1/evaluations/{ev}/")
    proposal = api.get(name, f"/api/v1/evaluations/{ev}/proposal/")
    assert proposal["source"] == "self"
    body = {"scores": scores, "comment": "Hoàn thành", "submit": True, "version": detail["version"]}
    result = api.post(name, f"/api/v1/evaluations/{ev}/self-assessment/", body)
    assert result["status"] == "self_assessed"


def manager_score(api: Api, manager: str, name: str, period: int, scores: dict) -> dict:
    ev = evaluation_id(api, name, period)
    version = api.get(manager, f"/api/v1/evaluations/{ev}/")["version"]
    body = {"scores": scores, "manager_comment": "Tốt", "submit": True, "version": version}
    result = api.post(manager, f"/api/v1/evaluations/{ev}/manager-score/", body)
    assert result["status"] == "manager_scored"
    return result


def test_a_whole_month_through_the_api(month):
    province_approver(month)  # rates and signs Alice, the head (DOMAIN.md §1)
    verified_admin(month)  # Sam records the quota exception, with the second factor
    api = Api(month)
    opened = api.post(
        "sam", "/api/v1/periods/", {"ruleset": "ND335-2025", "period": "2026-10"}, expect=201
    )
    assert opened["created"] == 13
    period = opened["period"]["id"]
    again = api.post(
        "sam", "/api/v1/periods/", {"ruleset": "ND335-2025", "period": "2026-10"}, expect=201
    )
    assert again["created"] == 0

    # Everyone sees the period; a specialist sees exactly their own evaluation.
    son = STAFF_NAMES[0]
    assert api.get(son, "/api/v1/periods/")["count"] == 1
    own = api.get(son, f"/api/v1/evaluations/?period={period}")["results"]
    assert [row["staff"] for row in own] == [month.staff[son].code]

    for name in STAFF_NAMES[:3]:
        self_assess(api, name, period, FULL)
    for name in STAFF_NAMES[3:]:
        self_assess(api, name, period, GOOD, flawed=True)
    for name in STAFF_NAMES[:3]:
        scored = manager_score(api, "bob", name, period, FULL)
        assert (scored["score"], scored["proposed_level"]) == ("100.00", "HTXSNV")
    for name in STAFF_NAMES[3:]:
        scored = manager_score(api, "bob", name, period, GOOD)
        assert scored["proposed_level"] == "HTTNV"

    # A return with its reason; the person resubmits and is scored again.
    last = STAFF_NAMES[-1]
    ev_last = evaluation_id(api, last, period)
    returned = api.post(
        "bob",
        f"/api/v1/evaluations/{ev_last}/return/",
        {"to": "person", "reason": "Thiếu minh chứng"},
    )
    assert (returned["status"], returned["return_reason"]) == ("draft", "Thiếu minh chứng")
    api.post(last, f"/api/v1/evaluations/{ev_last}/self-assessment/", {"submit": True})
    manager_score(api, "bob", last, period, GOOD)

    # Bob is scored by Dave; Dave and Hương by Alice; Alice, the head, by the province approver
    # — her delegate may not.
    self_assess(api, "bob", period, FULL)
    manager_score(api, "dave", "bob", period, FULL)
    self_assess(api, "dave", period, FULL)
    manager_score(api, "alice", "dave", period, FULL)
    self_assess(api, "huong", period, GOOD, flawed=True)
    manager_score(api, "alice", "huong", period, GOOD)
    self_assess(api, "alice", period, FULL)
    alice_ev = evaluation_id(api, "alice", period)
    refused = api.post(
        "dave", f"/api/v1/evaluations/{alice_ev}/manager-score/", {"scores": FULL}, expect=403
    )
    assert "Chủ tịch UBND tỉnh" in refused["errors"][0]["message"]
    manager_score(api, "pct", "alice", period, FULL)

    # HR sees the unit but may not approve it.
    api.post("huong", "/api/v1/approvals/", {"period": period, "unit": "A-KH"}, expect=403)
    preview = api.get("alice", f"/api/v1/approvals/preview/?period={period}&unit=A-KH")
    cv = next(q for q in preview["quota"] if q["duty_group"] == "CV")
    assert (cv["candidates"], cv["good"], cv["allowed"]) == (3, 5, 1)
    signed = api.post("alice", "/api/v1/approvals/", {"period": period, "unit": "A-KH"})
    levels = {row["staff"]: row["final_level"] for row in signed}
    assert [levels[month.staff[n].code] for n in STAFF_NAMES] == ["HTXSNV"] + ["HTTNV"] * 6
    assert levels["A03"] == "HTTNV"
    again = api.post("alice", "/api/v1/approvals/", {"period": period, "unit": "A-KH"}, expect=409)
    assert again["errors"][0]["code"] == "nothing_to_approve"

    huong_ev = evaluation_id(api, "huong", period)
    api.post(
        "alice",
        "/api/v1/approvals/",
        {
            "period": period,
            "unit": "A-LD",
            "adjustments": [
                {"evaluation": huong_ev, "level": "HTNV", "reason": "Chậm nộp báo cáo quý"}
            ],
        },
    )
    assert api.get("alice", f"/api/v1/evaluations/{alice_ev}/")["status"] == "manager_scored"
    left = api.post("dave", "/api/v1/approvals/", {"period": period, "unit": "A-LD"}, expect=409)
    assert left["errors"][0]["code"] == "head_for_superior"
    heads = api.get("pct", f"/api/v1/approvals/heads/?period={period}")
    assert [(r["staff"], r["status"], r["selectable"]) for r in heads] == [
        ("A01", "manager_scored", True),
        ("B01", "draft", False),  # Charlie, Sở Beta's head, not scored yet
    ]
    signed_head = api.post("pct", "/api/v1/approvals/heads/", {"evaluation": alice_ev})
    assert (signed_head["status"], signed_head["final_level"]) == ("approved", "HTNV")
    assert api.get("huong", f"/api/v1/evaluations/{huong_ev}/")["final_level"] == "HTNV"

    published = api.post("alice", "/api/v1/publications/", {"period": period, "agency": "SOA"})
    assert published["published"] == 11
    # Disclosure inside the agency: a specialist sees every colleague's result; Charlie none.
    disclosed = api.get(son, f"/api/v1/agency-results/?period={period}")
    assert disclosed["count"] == 11
    assert api.get("charlie", f"/api/v1/agency-results/?period={period}")["count"] == 0

    # Tâm appeals; the quota is full until an exception is recorded, then the revision holds.
    tam = STAFF_NAMES[1]
    tam_ev = evaluation_id(api, tam, period)
    appeal = api.post(
        tam, f"/api/v1/evaluations/{tam_ev}/appeal/", {"reason": "Tôi đạt 100 điểm"}, expect=201
    )
    revise = {"decision": "revise", "level": "HTXSNV", "reason": "Xem xét lại"}
    full = api.post("alice", f"/api/v1/appeals/{appeal['id']}/resolve/", revise, expect=409)
    assert full["errors"][0]["code"] == "revision_outside_rules"
    refused = api.post(
        "alice",
        "/api/v1/quota-exceptions/",
        {"period": period, "agency": "SOA", "duty_group": "CV", "ceiling": 2, "reference": "QĐ"},
        expect=403,
    )
    assert refused["errors"][0]["code"] == "exception_by_province"
    allow_exceptions(Evaluation.objects.get(pk=tam_ev).period, 40)
    api.post(
        "sam",
        "/api/v1/quota-exceptions/",
        {
            "period": period,
            "agency": "SOA",
            "duty_group": "CV",
            "ceiling": 2,
            "reference": "QĐ 15/QĐ-UBND",
            "reason": "Đơn vị có thành tích xuất sắc",
        },
        expect=201,
    )
    revise["reason"] = "Có quyết định ngoại lệ"
    resolved = api.post("alice", f"/api/v1/appeals/{appeal['id']}/resolve/", revise)
    assert (resolved["status"], resolved["level_after"]) == ("revised", "HTXSNV")
    tam_detail = api.get(tam, f"/api/v1/evaluations/{tam_ev}/")
    assert (tam_detail["status"], tam_detail["final_level"]) == ("published", "HTXSNV")

    closed = api.post("sam", f"/api/v1/periods/{period}/close/")
    assert closed["counts"]["closed"] == 11
    assert closed["period"]["status"] == "closed"

    # Every level, as each person sees it.
    expected = {
        STAFF_NAMES[0]: "HTXSNV",
        STAFF_NAMES[1]: "HTXSNV",
        **{n: "HTTNV" for n in STAFF_NAMES[2:]},
        "bob": "HTTNV",
        "huong": "HTNV",
    }
    for name, level in expected.items():
        code = month.staff[name].code
        (mine,) = api.get(name, f"/api/v1/evaluations/?period={period}&staff={code}")["results"]
        assert (mine["final_level"], mine["status"]) == (level, "closed"), name
    # Leaders are bound by their direct reports: Dave's (Bob) are good, so the LD quota
    # leaves him HTTNV; Alice's (Dave, Hương) are half good, so she is held at HTNV.
    for name, level in (("dave", "HTTNV"), ("alice", "HTNV")):
        code = month.staff[name].code
        (mine,) = api.get(name, f"/api/v1/evaluations/?period={period}&staff={code}")["results"]
        assert (mine["score"], mine["final_level"]) == ("100.00", level)
    alice_detail = api.get("alice", f"/api/v1/evaluations/{alice_ev}/")
    assert alice_detail["reasons"][-1]["code"] == "gate.limited_HTNV"
    assert [c["code"] for c in alice_detail["criteria"]] == list(FULL)
    assert alice_detail["criteria"][0]["max_points"] == "5.00"

    # Notifications each person got.
    def kinds(name: str) -> list[str]:
        return sorted(n["kind"] for n in api.get(name, "/api/v1/notifications/")["results"])

    assert kinds(last) == ["approved", "published", "returned"]
    assert kinds(tam) == ["appeal_resolved", "approved", "published"]
    assert kinds(STAFF_NAMES[0]) == ["approved", "published"]
    assert "appealed" in kinds("alice") and "appealed" in kinds("dave")
    assert api.get("charlie", "/api/v1/notifications/")["count"] == 0
    first = api.get(tam, "/api/v1/notifications/")["results"][0]
    assert api.post(tam, f"/api/v1/notifications/{first['id']}/read/")["read_at"]
    assert api.get(tam, "/api/v1/notifications/?unread=true")["count"] == 2
    api.post(STAFF_NAMES[0], f"/api/v1/notifications/{first['id']}/read/", expect=404)
    assert Notification.objects.filter(kind="published").count() == 11

    # The audit trail: intact, readable by the inspector, not by the head.
    assert list(verify_chains()) == []
    trail = api.get("ivy", f"/api/v1/evaluations/{tam_ev}/audit/")
    actions = [row["action"] for row in trail["results"]]
    for step in (
        "product.registered",
        "evaluation.self_submitted",
        "evaluation.manager_scored",
        "evaluation.approved",
        "evaluation.published",
        "appeal.filed",
        "appeal.resolved",
    ):
        assert step in actions
    resolved_entry = next(r for r in trail["results"] if r["action"] == "appeal.resolved")
    assert resolved_entry["actor"] == "alice" and resolved_entry["chained"]
    assert resolved_entry["reason"] == "Có quyết định ngoại lệ"
    api.get("alice", f"/api/v1/evaluations/{tam_ev}/audit/", expect=403)
    api.get("alice", "/api/v1/audit/", expect=403)
    signed_offs = api.get("ivy", f"/api/v1/audit/?agency=SOA&period={period}&action=period.closed")
    assert signed_offs["count"] == 1
    assert Evaluation.objects.filter(period_id=period, status="closed").count() == 11
