"""Upgrading keeps the audit trail and the rule-set coverage: both moved to a lower app in the
model state only (docs/architecture.md), so rows written before the move are read after it, the
hash chains still verify, and nothing was copied."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from scoring.models import RuleSetCoverage
from staff.audit import verify_chains
from staff.models import AuditEntry

BEFORE_THE_MOVE = [
    ("staff", "0004_access_log"),
    ("scoring", "0002_leader_unit_component"),
    ("evaluation", "0004_evaluation_fewer_indexes"),
]
AFTER_THE_MOVE = [
    ("staff", "0005_audit_trail_moved_here"),
    ("scoring", "0003_coverage_moved_here"),
    ("evaluation", "0005_audit_and_coverage_moved_out"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_the_latest_schema():
    """Whatever the test migrated back to, the tests after it find every table again."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("back_to_the_latest_schema")
def test_rows_written_before_the_move_are_read_after_it():
    old = _migrate(BEFORE_THE_MOVE)
    Agency = old.get_model("staff", "Agency")
    AgencyType = old.get_model("staff", "AgencyType")
    Province = old.get_model("staff", "Province")
    province = Province.objects.create(code="DN", name="Thành phố Đà Nẵng")
    kind = AgencyType.objects.create(code="SO", name="Sở, ban, ngành")
    agency = Agency.objects.create(
        code="SNV", name="Sở Nội vụ", province=province, agency_type=kind
    )
    old.get_model("evaluation", "RuleSetCoverage").objects.create(
        agency=agency, ruleset_code="ND335-2025"
    )
    entry = old.get_model("evaluation", "AuditEntry").objects.create(
        at="2026-11-30T10:00:00Z", action="coverage.added", agency=agency, reason="trước khi chuyển"
    )

    after = _migrate(AFTER_THE_MOVE)

    moved = AuditEntry.objects.get(pk=entry.pk)
    assert (moved.action, moved.agency_id, moved.reason) == (
        "coverage.added",
        agency.pk,
        "trước khi chuyển",
    )
    coverage = after.get_model("scoring", "RuleSetCoverage")
    assert coverage.objects.get(agency_id=agency.pk).ruleset_code == "ND335-2025"
    assert AuditEntry._meta.db_table == "evaluation_auditentry"
    assert list(verify_chains()) == []

    # Coverage by staff category (scoring 0004): the agency-wide row of before keeps rating
    # every category of the agency, from always.
    _migrate([("scoring", "0004_law_2026")])
    row = RuleSetCoverage.objects.get(agency_id=agency.pk)
    assert (row.ruleset_code, row.category, row.agency_type_id, row.valid_from.year) == (
        "ND335-2025",
        "",
        None,
        2000,
    )
