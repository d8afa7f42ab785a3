"""The audit trail: one ``record`` for every action, and the hash chain of sign-offs.

Every score change, transition, return, approval, exception, publication and appeal decision is
recorded with who, when, before → after and why. Entries are append-only (the model refuses
updates and deletes; on PostgreSQL a trigger will refuse them too). Sign-offs are chained per
agency: each holds the previous sign-off's hash and its own hash over a canonical snapshot, so
changing any signed record — even directly in the database — is detected by ``verify_chains``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from staff.models import Agency, AuditChainHead, AuditEntry

SIGN_OFF_ACTIONS = frozenset(
    {
        "evaluation.approved",
        "quota.exception_recorded",
        "evaluation.published",
        "appeal.resolved",
        "period.closed",
    }
)


def _jsonable(value: Any) -> Any:
    """Plain JSON for snapshots: decimals as strings (exact), dates ISO, enums by value."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool):
        return value.value
    return value


def canonical(payload: Mapping[str, Any]) -> str:
    """The one serialisation hashes are computed over: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(_jsonable(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_payload(entry: AuditEntry) -> dict[str, Any]:
    """What a chained entry's hash covers: everything that says who signed what, when, why."""
    return {
        "sequence": entry.sequence,
        "at": entry.at.astimezone(dt.UTC).isoformat(),
        "actor": entry.actor_id,
        "action": entry.action,
        "agency": entry.agency_id,
        "period": entry.period_id,
        "evaluation": entry.evaluation_id,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
    }


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256((entry.prev_hash + canonical(entry_payload(entry))).encode()).hexdigest()


def record(
    action: str,
    *,
    actor: Any,
    agency: Agency | int | None = None,
    period: Any = None,
    evaluation: Any = None,
    obj: Any = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one entry; sign-off actions are chained to the agency's previous sign-off.

    Must run inside the transaction of the change it records, so that both commit or neither.
    """
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    if agency_id is None and evaluation is not None:
        agency_id = evaluation.agency_id
    if period is None and evaluation is not None:
        period = evaluation.period_id
    entry = AuditEntry(
        at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        agency_id=agency_id,
        period_id=getattr(period, "pk", period),
        evaluation=evaluation,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        before=_jsonable(dict(before or {})),
        after=_jsonable(dict(after or {})),
        reason=reason,
    )
    if action in SIGN_OFF_ACTIONS and agency_id is not None:
        _chain(entry, agency_id)
    entry.save()
    return entry


@dataclass(frozen=True)
class Change:
    """One row's change, for ``record_many``."""

    agency_id: int | None
    period_id: int | None
    evaluation_id: int | None
    before: Mapping[str, Any]
    after: Mapping[str, Any]


def record_many(action: str, *, actor: Any, changes: Iterable[Change], reason: str = "") -> int:
    """Append one entry per change in one statement, for a change made to many rows at once
    (a restructuring moving a whole agency's evaluations). Sign-offs are chained one by one with
    ``record``: they are refused here."""
    if action in SIGN_OFF_ACTIONS:
        raise ValueError(f"{action} is a sign-off: record it with record()")
    at = timezone.now()
    actor = actor if getattr(actor, "pk", None) else None
    entries = [
        AuditEntry(
            at=at,
            actor=actor,
            action=action,
            agency_id=c.agency_id,
            period_id=c.period_id,
            evaluation_id=c.evaluation_id,
            object_type="Evaluation" if c.evaluation_id else "",
            object_id=str(c.evaluation_id or ""),
            before=_jsonable(dict(c.before)),
            after=_jsonable(dict(c.after)),
            reason=reason,
        )
        for c in changes
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def _chain(entry: AuditEntry, agency_id: int) -> None:
    """Link ``entry`` after the agency's last sign-off, holding the chain head's row lock so
    that two concurrent sign-offs cannot both claim the same place."""
    assert transaction.get_connection().in_atomic_block, "sign-offs are recorded in a transaction"
    head, _ = AuditChainHead.objects.get_or_create(agency_id=agency_id)
    head = AuditChainHead.objects.select_for_update().get(pk=head.pk)
    entry.chained = True
    entry.sequence = head.sequence + 1
    entry.prev_hash = head.last_hash
    entry.hash = entry_hash(entry)
    head.sequence = entry.sequence
    head.last_hash = entry.hash
    head.save(update_fields=["sequence", "last_hash"])


@dataclass(frozen=True)
class ChainBreak:
    """The first record of a chain that does not verify, and why."""

    agency_id: int
    entry_id: int
    sequence: int | None
    problem: str

    def __str__(self) -> str:
        return (
            f"agency {self.agency_id}: audit entry {self.entry_id} (sequence {self.sequence}): "
            f"{self.problem}"
        )


def verify_chains() -> Iterator[ChainBreak]:
    """Yield the first broken record of each agency's chain (nothing when all are intact)."""
    heads = {h.agency_id: h for h in AuditChainHead.objects.all()}
    entries = AuditEntry.objects.filter(chained=True).order_by("agency_id", "sequence", "id")
    current_agency: int | None = None
    expected_prev = ""
    expected_sequence = 1
    broken: set[int] = set()
    last_seen: dict[int, AuditEntry] = {}
    for entry in entries.iterator(chunk_size=2000):
        if entry.agency_id != current_agency:
            current_agency, expected_prev, expected_sequence = entry.agency_id, "", 1
        if entry.agency_id in broken:
            continue
        problem = None
        if entry.sequence != expected_sequence:
            problem = f"expected sequence {expected_sequence} (a record is missing or moved)"
        elif entry.prev_hash != expected_prev:
            problem = "does not point to the previous sign-off"
        elif entry.hash != entry_hash(entry):
            problem = "content changed since it was signed"
        if problem:
            broken.add(entry.agency_id)
            yield ChainBreak(entry.agency_id, entry.pk, entry.sequence, problem)
            continue
        expected_prev, expected_sequence = entry.hash, expected_sequence + 1
        last_seen[entry.agency_id] = entry
    for agency_id, head in heads.items():
        if agency_id in broken:
            continue
        last = last_seen.get(agency_id)
        if (last.sequence if last else 0) != head.sequence or (last.hash if last else "") != (
            head.last_hash
        ):
            yield ChainBreak(
                agency_id,
                last.pk if last else 0,
                last.sequence if last else None,
                f"the chain ends before its head (sequence {head.sequence}): records were removed",
            )
