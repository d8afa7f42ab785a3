"""`manage.py rate FILE.json` and `POST /api/v1/rulesets/{code}/simulate/` on the shipped rules."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from scoring.models import RuleSet
from staff.models import Role
from tests.factories import AgencyFactory, RoleAssignmentFactory, UserFactory

EXAMPLE = {
    "ruleset": "ND335-2025",
    "period": "2026-10",
    "people": [
        {
            "code": "A",
            "agency": "SNV",
            "duty_group": "CV",
            "general": 26,
            "products": [
                {"weight": 1, "completed": True, "major_errors": 1},
                {"weight": 1, "completed": True, "delays": 2},
                {"weight": 2, "completed": True},
            ],
        },
        *[
            {"code": f"G{i}", "agency": "SNV", "duty_group": "CV", "general": 25, "task_points": 55}
            for i in range(5)
        ],
    ],
}


@pytest.fixture
def standard_rules(db):
    call_command("load_standard_rules", "--published-by", "2026-01-01", verbosity=0)


def run_rate(data: object | str, *args: str) -> tuple[int, str, str]:
    """Run the command as a user would, reading standard input; return (status, out, err)."""
    stdin = data if isinstance(data, str) else json.dumps(data)
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command("rate", "-", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue()


def test_rate_prints_the_ratings_as_json(standard_rules):
    status, out, _ = run_rate(EXAMPLE)
    assert status == 0
    result = json.loads(out)
    assert result["ruleset"] == "ND335-2025" and result["period"] == "2026-10"
    first = result["people"][0]
    assert first["score"] == 91.63 and first["band"] == "HTXSNV"
    assert first["level"] == "HTXSNV"  # 1 candidate + 5 good → ⌊6/6⌋ = 1 keeps it
    assert result["quota"][0]["allowed"] == 1


def test_rate_writes_nothing_to_the_database(standard_rules, django_assert_num_queries):
    before = RuleSet.objects.count()
    # Reads only: the rule set with its template, criteria and caps.
    with django_assert_num_queries(3):
        run_rate(EXAMPLE)
    assert RuleSet.objects.count() == before


def test_rate_reads_a_file(standard_rules, tmp_path: Path):
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(EXAMPLE, ensure_ascii=False), encoding="utf-8-sig")
    out = io.StringIO()
    call_command("rate", str(path), stdout=out)
    assert json.loads(out.getvalue())["people"][0]["code"] == "A"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({**EXAMPLE, "ruleset": "NOPE"}, "ruleset: không có bộ quy tắc 'NOPE'"),
        ({**EXAMPLE, "period": "2026-1"}, "period: kỳ không hợp lệ"),
        (
            {**EXAMPLE, "people": [{**EXAMPLE["people"][0], "products": [{"weight": -2}]}]},
            "people[0].products[0].weight: không được nhỏ hơn 0",
        ),
        ("{not json", "JSON không hợp lệ ở dòng 1"),
    ],
)
def test_bad_input_exits_2_with_the_path_and_no_traceback(standard_rules, data, expected):
    status, out, err = run_rate(data)
    assert status == 2
    assert out == ""
    assert expected in err
    assert "/" in err and "Traceback" not in err


def test_rate_runs_from_the_shell_with_exit_status_2(standard_rules, tmp_path: Path):
    """The real process: what a Sở Nội vụ officer's script sees (exit code, stderr)."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**EXAMPLE, "ruleset": "NOPE"}), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "manage.py", "rate", str(bad)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": _database_url()},
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Lỗi / Error" in proc.stderr and "Traceback" not in proc.stderr


def _database_url() -> str:
    """The test database, so the subprocess sees the fixtures loaded in this test."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        pytest.skip("the SQLite test database lives in memory, out of a subprocess's reach")
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


# --- the API ------------------------------------------------------------------------------------


@pytest.fixture
def province_admin(db):
    user = UserFactory(username="sonoivu")
    RoleAssignmentFactory(user=user, role=Role.PROVINCE_ADMIN)
    return user


def test_api_simulate_returns_the_same_json_as_the_command(standard_rules, province_admin, client):
    client.force_login(province_admin)
    response = client.post(
        "/api/v1/rulesets/ND335-2025/simulate/", EXAMPLE, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() == json.loads(run_rate(EXAMPLE)[1])


def test_api_simulate_refuses_bad_input_with_the_path(standard_rules, province_admin, client):
    client.force_login(province_admin)
    bad = {**EXAMPLE, "people": [{**EXAMPLE["people"][0], "general": {"G1": 7}}]}
    response = client.post(
        "/api/v1/rulesets/ND335-2025/simulate/", bad, content_type="application/json"
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["path"] == "people[0].general.G1"
    assert (
        "vượt mức tối đa 5" in error["message"] and "exceeds the maximum 5" in error["message_en"]
    )


def test_api_simulate_keeps_decimals_exact(standard_rules, province_admin, client):
    client.force_login(province_admin)
    data = {
        "period": "2026-10",
        "people": [{"code": "A", "agency": "X", "general": 29.99, "task_points": 60.005}],
    }
    response = client.post(
        "/api/v1/rulesets/ND335-2025/simulate/", data, content_type="application/json"
    )
    assert response.status_code == 400  # 3 decimals refused, not silently rounded
    data["people"][0]["task_points"] = 60.01
    response = client.post(
        "/api/v1/rulesets/ND335-2025/simulate/", data, content_type="application/json"
    )
    assert response.json()["people"][0]["score"] == 90


def test_api_simulate_is_for_the_province_admin_only(standard_rules, client):
    head = UserFactory(username="giamdoc")
    RoleAssignmentFactory(
        user=head,
        role=Role.AGENCY_HEAD,
        agency=AgencyFactory(),
    )
    client.force_login(head)
    response = client.post(
        "/api/v1/rulesets/ND335-2025/simulate/", EXAMPLE, content_type="application/json"
    )
    assert response.status_code == 403
    client.logout()
    response = client.post(
        "/api/v1/rulesets/ND335-2025/simulate/", EXAMPLE, content_type="application/json"
    )
    assert response.status_code in (401, 403)


def test_api_simulate_unknown_rule_set_is_a_404_for_reading_and_400_for_simulating(
    standard_rules, province_admin, client
):
    client.force_login(province_admin)
    assert client.get("/api/v1/rulesets/NOPE/").status_code == 404
    response = client.post(
        "/api/v1/rulesets/NOPE/simulate/", EXAMPLE, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] in ("ruleset",)


def test_api_lists_rule_sets_in_a_constant_number_of_queries(
    standard_rules, province_admin, client, django_assert_max_num_queries
):
    client.force_login(province_admin)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/rulesets/")
    codes = {r["code"] for r in response.json()["results"]}
    assert {"ND335-2025", "HN-3814"} <= codes
    detail = client.get("/api/v1/rulesets/ND335-2025/").json()
    assert detail["quota_percent"] in ("20.00", "20.0", "20")
