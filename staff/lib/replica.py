"""Which reads may go to the read replica: a context, not a model (config.db_router routes by it).

Django routers choose per model, but whether a read may be a little stale depends on what the
code is doing, not on the model: the agency dashboard may read evaluations from a replica a few
seconds behind, the approval that just signed them may not. So the choice is a context variable,
switched on by ``reads_from_replica`` around the dashboard views and API, the background export
job and the export commands (docs/scaling.md):

    @reads_from_replica()
    def agency_dashboard(request, code): ...

    with reads_from_replica():
        table = build_table(spec)

Inside the context every read goes to the ``replica`` alias, until the first write: a write
(always to the primary) pins the rest of the context to the primary, so that what it just wrote
is read back from where it was written (reads-after-write). A read inside a transaction of the
primary stays on the primary too. Outside the context, and whenever no replica is configured
(``DATABASE_REPLICA_URL`` unset: no ``replica`` alias), every query goes to ``default`` exactly
as without the router.

On the ground floor so that every layer may mark its exports and dashboards; the router class
itself is configuration (``config.db_router``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"


@dataclass
class _Context:
    pinned: bool = False  # a write happened: the rest of the context reads the primary


_current: ContextVar[_Context | None] = ContextVar("danhgia_replica_reads", default=None)


def replica_configured() -> bool:
    """Whether the ``replica`` alias exists (settings add it when DATABASE_REPLICA_URL is set)."""
    return REPLICA in connections.settings


@contextmanager
def reads_from_replica() -> Iterator[None]:
    """Send this block's reads to the replica (a decorator too: ``@reads_from_replica()``).

    Nested contexts share the outer one: a write anywhere pins the whole outer context."""
    if _current.get() is not None:
        yield
        return
    token = _current.set(_Context())
    try:
        yield
    finally:
        _current.reset(token)


def pin_to_primary() -> None:
    """Read the primary for the rest of the current context (as after a write)."""
    context = _current.get()
    if context is not None:
        context.pinned = True


def read_alias() -> str:
    """Where a read made now goes."""
    context = _current.get()
    if (
        context is None
        or context.pinned
        or not replica_configured()
        or connections[DEFAULT_DB_ALIAS].in_atomic_block
    ):
        return DEFAULT_DB_ALIAS
    return REPLICA
