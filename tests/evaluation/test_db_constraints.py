"""The database itself refuses what the rules forbid, even for SQL that goes around the ORM
(score ranges, a signed rating without its signer, negative points, the uniqueness rules)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from evaluation.models import Evaluation
from evaluation.services.approval import unit_approve
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import (
    ev,
    manager_score,
    open_month,
    province_approver,
    score_unit,
    self_assess,
)


def refused(sql: str, params: list) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def signed(month):
    period = open_month(month)
    score_unit(month, period, STAFF_NAMES)
    self_assess(month, "bob", period)
    manager_score(month, "dave", "bob", period)
    unit_approve(period=period, unit=month.planning, user=month.user("alice"))
    return period


def test_a_score_outside_0_to_100_is_refused(signed, month):
    son = ev(month, "Sơn", signed)
    refused("UPDATE evaluation_evaluation SET score = 100.01 WHERE id = %s", [son.pk])
    refused("UPDATE evaluation_evaluation SET score = -1 WHERE id = %s", [son.pk])


def test_a_signed_rating_without_its_signer_or_level_is_refused(signed, month):
    son = ev(month, "Sơn", signed)
    refused("UPDATE evaluation_evaluation SET approved_by_id = NULL WHERE id = %s", [son.pk])
    refused("UPDATE evaluation_evaluation SET final_level = '' WHERE id = %s", [son.pk])
    draft = ev(month, "huong", signed)
    refused("UPDATE evaluation_evaluation SET status = 'published' WHERE id = %s", [draft.pk])


def test_negative_points_bonus_and_weights_are_refused(signed, month):
    son = ev(month, "Sơn", signed)
    refused(
        "UPDATE evaluation_criterionscore SET self_points = -1 WHERE evaluation_id = %s", [son.pk]
    )
    refused("UPDATE evaluation_evaluation SET bonus = -1 WHERE id = %s", [son.pk])
    refused("UPDATE evaluation_product SET weight = -0.5 WHERE evaluation_id = %s", [son.pk])


def test_one_evaluation_per_person_and_period(signed, month):
    son, tam = ev(month, "Sơn", signed), ev(month, "Tâm", signed)
    refused("UPDATE evaluation_evaluation SET staff_id = %s WHERE id = %s", [son.staff_id, tam.pk])
    assert Evaluation.objects.filter(period=signed, staff=month.staff["Sơn"]).count() == 1


def test_staff_codes_and_rule_set_versions_are_unique(month):
    a, b = month.staff["Sơn"], month.staff["Tâm"]
    refused("UPDATE staff_staffmember SET code = %s WHERE id = %s", [a.code, b.pk])
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM scoring_ruleset WHERE code = 'HN-3814'")
        (hanoi,) = cursor.fetchone()
    refused("UPDATE scoring_ruleset SET code = 'ND335-2025' WHERE id = %s", [hanoi])


def test_only_one_open_appeal_per_evaluation(signed, month):
    from evaluation.services.appeals import appeal_file
    from evaluation.services.approval import agency_publish, head_approve

    province_approver(month)
    self_assess(month, "huong", signed)
    manager_score(month, "alice", "huong", signed)
    self_assess(month, "dave", signed)
    manager_score(month, "alice", "dave", signed)
    self_assess(month, "alice", signed)
    manager_score(month, "pct", "alice", signed)
    unit_approve(period=signed, unit=month.leadership_unit, user=month.user("alice"))
    head_approve(evaluation=ev(month, "alice", signed), user=month.user("pct"))
    agency_publish(period=signed, agency=month.agency_a, user=month.user("alice"))
    appeal = appeal_file(
        evaluation=ev(month, "Sơn", signed), user=month.user("Sơn"), reason="Xem lại"
    )
    refused(
        "INSERT INTO evaluation_appeal (evaluation_id, reason, filed_by_id, filed_at, status, "
        "decision, level_before, level_after) SELECT evaluation_id, reason, filed_by_id, "
        "filed_at, 'open', '', '', '' FROM evaluation_appeal WHERE id = %s",
        [appeal.pk],
    )
