"""Fuzzing the v1 API against its own OpenAPI schema, signed in as every role of the month.

Schemathesis reads the schema the app serves (drf-spectacular, /api/v1/schema/), generates
requests for every operation — valid ones and invalid ones — and sends them in-process through
the WSGI app. Whatever the input and whoever asks, the API must never answer 5xx, and every
answer must be documented: a status code the schema lists, the declared content type, a body
matching the declared shape.

Path ids are drawn half the time from real objects of the month (evaluations, products, appeals,
periods, notifications, codes of agencies, units, staff and rule sets) so the operations reach
their services instead of always answering 404. Write operations run against the test database;
each role's run is rolled back at its end.

This run is bounded (``FUZZ_EXAMPLES`` per operation and role, fuzzing phase only) to stay in CI;
the longer release run is in docs/security.md.
"""

from __future__ import annotations

import base64
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from evaluation.models import Appeal, Evaluation, Notification, Period, Product
from scoring.models import RuleSet
from staff.models import Agency, StaffMember, Unit
from tests.evaluation import conftest as month_fixtures
from tests.evaluation.helpers import open_month, province_approver, score_unit
from tests.factories import PASSWORD

# The month of tests/evaluation/conftest.py (this file sits above that folder).
month = month_fixtures.month
standard_rules = month_fixtures.standard_rules

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
# The release run adds schemathesis's examples and coverage phases (boundary values, each
# required field missing, wrong types); CI keeps to the bounded fuzzing phase.
FUZZ_COVERAGE = os.environ.get("FUZZ_COVERAGE", "") == "1"

# Everyone the month knows, one per role (names from tests/evaluation/conftest.py).
ROLES = {
    "agency_head": "alice",
    "head_delegate": "dave",
    "unit_manager": "bob",
    "hr_officer": "huong",
    "province_admin": "sam",
    "inspector": "ivy",
    "other_agency_head": "charlie",
    "staff": "Sơn",
    "province_approver": "pct",  # rates the heads of agencies (DOMAIN.md §1)
}

CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {
            "examples": {"enabled": FUZZ_COVERAGE},
            "coverage": {"enabled": FUZZ_COVERAGE},
            "stateful": {"enabled": False},
        },
        "generation": {"max-examples": FUZZ_EXAMPLES},
    }
)


def _load_schema():
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/schema/", application, config=CONFIG)


schema = _load_schema()


# Schema mismatches the fuzzing found outside this change's reach (other modules are being
# changed in parallel): these operations are still held to "no 5xx, documented status", and the
# body/content-type checks return once they are fixed. Listed in docs/security.md.
OPEN_FINDINGS: dict[str, str] = {
    # Operations whose responses do not yet match the schema, checked only for "no 5xx and a
    # documented status" until fixed. Empty: the last two findings were fixed.
}

CHECKS = [
    not_a_server_error,
    content_type_conformance,
    status_code_conformance,
    response_schema_conformance,
]


def _basic(user) -> str:
    token = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    return f"Basic {token}"


@pytest.fixture(autouse=True)
def _one_connection_for_the_whole_test():
    """The WSGI handler closes the database connection at the end of each request, as it should
    in production; inside a test that rolls back, it must not (PostgreSQL would lose the test's
    transaction). Django's own test client disconnects the same signals."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def real_ids(month) -> dict[str, list]:
    """The month under way (opened, two people scored with products and notifications): the ids
    and codes that exist, by the collection that serves them."""
    province_approver(month)
    period = open_month(month)
    score_unit(month, period, ["Sơn", "Tâm"])
    return {
        "evaluations": list(Evaluation.objects.values_list("pk", flat=True)),
        "products": list(Product.objects.values_list("pk", flat=True)),
        "appeals": list(Appeal.objects.values_list("pk", flat=True)),
        "periods": list(Period.objects.values_list("pk", flat=True)),
        "notifications": list(Notification.objects.values_list("pk", flat=True)),
        "agencies": list(Agency.objects.values_list("code", flat=True)),
        "units": list(Unit.objects.values_list("code", flat=True)),
        "staff": list(StaffMember.objects.values_list("code", flat=True)),
        "rulesets": list(RuleSet.objects.values_list("code", flat=True)),
    }


def _aim_at_real_objects(case, ids: dict[str, list]) -> None:
    """Half the generated path values are replaced by a real id or code of the same kind."""
    collection = case.path.split("/")[3]  # /api/v1/<collection>/…
    known = ids.get(collection.replace("-", "_"))
    if not known or not case.path_parameters:
        return
    for name, value in list(case.path_parameters.items()):
        seed = sum(map(ord, str(value)))
        if seed % 2 == 0:
            case.path_parameters[name] = known[seed // 2 % len(known)]


@schema.parametrize()
@settings(
    # CI replays the same examples every run (a red build must be reproducible); the release
    # run sets FUZZ_RANDOM=1 to draw new ones.
    derandomize=os.environ.get("FUZZ_RANDOM", "") != "1",
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_no_answer_is_a_server_error_or_breaks_the_schema(case, month, real_ids):
    _aim_at_real_objects(case, real_ids)
    checks = CHECKS
    if f"{case.method} {case.path}" in OPEN_FINDINGS:
        checks = [not_a_server_error, status_code_conformance]
    for name in ROLES.values():
        case.call_and_validate(headers={"Authorization": _basic(month.user(name))}, checks=checks)
