"""verify_audit: an intact month passes; a sign-off changed or removed in the database is named."""

from __future__ import annotations

from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from evaluation.services.approval import unit_approve
from staff.models import AuditEntry
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import open_month, score_unit


def _signed_month(month):
    period = open_month(month)
    score_unit(month, period, STAFF_NAMES)
    unit_approve(period=period, unit=month.planning, user=month.user("alice"))
    return period


def _run() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue()
    return 0, out.getvalue()


def _chain(month) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(chained=True, agency=month.agency_a).order_by("sequence"))


def test_it_passes_after_a_month(month):
    _signed_month(month)
    code, text = _run()
    assert code == 0
    assert text.strip() == f"OK: 1 chains, {len(STAFF_NAMES)} sign-offs intact"


@contextmanager
def tampering():
    """A database superuser going around the application: on PostgreSQL the append-only
    trigger must be bypassed first (replica mode skips ordinary triggers), then restored."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")


def test_it_passes_on_an_empty_trail(db):
    assert _run() == (0, "OK: 0 chains, 0 sign-offs intact\n")


def test_it_names_a_record_changed_in_the_database(month):
    _signed_month(month)
    third = _chain(month)[2]
    with tampering() as cursor:
        cursor.execute(
            "UPDATE evaluation_auditentry SET after = %s WHERE id = %s",
            ['{"final_level": "HTXSNV"}', third.pk],
        )
    code, text = _run()
    assert code == 1
    assert f"agency SOA — entry {third.pk}, sequence 3: content changed since it was signed" in text


def test_it_names_the_record_after_a_deleted_one(month):
    _signed_month(month)
    chain = _chain(month)
    with tampering() as cursor:
        cursor.execute("DELETE FROM evaluation_auditentry WHERE id = %s", [chain[1].pk])
    code, text = _run()
    assert code == 1
    assert f"entry {chain[2].pk}, sequence 3: expected sequence 2" in text


def test_it_notices_the_last_record_removed(month):
    _signed_month(month)
    chain = _chain(month)
    with tampering() as cursor:
        cursor.execute("DELETE FROM evaluation_auditentry WHERE id = %s", [chain[-1].pk])
    code, text = _run()
    assert code == 1
    last = f"entry {chain[-2].pk}, sequence {len(chain) - 1}"
    assert f"{last}: the chain ends before its head" in text


def test_the_model_itself_refuses_changes(month):
    _signed_month(month)
    entry = _chain(month)[0]
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="x")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_update_and_delete_of_the_audit_trail_around_the_orm(month):
    from django.db import DatabaseError, transaction

    _signed_month(month)
    entry = _chain(month)[0]
    for statement in (
        "UPDATE evaluation_auditentry SET reason = 'x' WHERE id = %s",
        "DELETE FROM evaluation_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
