"""The quarter's evaluations are written with COPY on PostgreSQL: every field as Django would."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from evaluation.bulk import bulk_insert
from evaluation.models import Evaluation, Status
from evaluation.services.periods import period_get_or_create, period_label_parse
from scoring.selectors import ruleset_get_published

SKIP = {"id", "staff_id", "updated_at"}

# Elsewhere bulk_insert IS bulk_create, and the comparison below could not fail.
pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's; .ci/run runs this there"
)


def _evaluation(period, member, **fields) -> Evaluation:
    return Evaluation(
        period=period,
        staff=member,
        agency_id=member.agency_id,
        unit_id=member.unit_id,
        duty_group_id=member.duty_group_id,
        manager_id=member.manager_id,
        leadership="head",
        template_id=period.ruleset.template_id,
        **fields,
    )


def test_bulk_insert_stores_every_field_as_bulk_create_does(month):
    ruleset = ruleset_get_published(code="ND335-2025")
    quarter, _ = period_get_or_create(
        ruleset=ruleset, label=period_label_parse("2026-Q4"), user=None
    )
    fields = {
        "status": Status.MANAGER_SCORED,
        "score": Decimal("87.50"),
        "band": "HTTNV",
        "proposed_level": "HTTNV",
        "reasons": [{"code": "aggregate.mean", "message": "Điểm “trung bình”", "message_en": "x"}],
        "months_worked": 3,
        "maternity_leave": True,
        "discipline": "reprimand",
        "manager_scored_at": timezone.make_aware(dt.datetime(2026, 12, 31, 9, 30)),
    }
    before = timezone.now()
    assert bulk_insert(Evaluation, [_evaluation(quarter, month.staff["Sơn"], **fields)]) == 1
    Evaluation.objects.bulk_create([_evaluation(quarter, month.staff["Tâm"], **fields)])

    copied, created = (
        Evaluation.objects.filter(period=quarter, staff=month.staff[name]).values().get()
        for name in ("Sơn", "Tâm")
    )
    assert {k: v for k, v in copied.items() if k not in SKIP} == {
        k: v for k, v in created.items() if k not in SKIP
    }
    assert copied["status"] == "manager_scored" and copied["reasons"] == fields["reasons"]
    assert copied["updated_at"] >= before  # auto_now stamped, as save() would
    assert bulk_insert(Evaluation, []) == 0
