"""Reads of dashboards and exports go to the read replica; everything else to the primary.

The router reads the context that ``staff.lib.replica.reads_from_replica`` sets around the
dashboard views and API, the background export job and the export commands (docs/scaling.md).
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS

from staff.lib.replica import REPLICA, pin_to_primary, read_alias, replica_configured


class PrimaryReplicaRouter:
    """``DATABASE_ROUTERS`` entry: reads per ``read_alias``, writes and migrations to default."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if not replica_configured():
            return None  # the stock behaviour, unchanged
        return read_alias()

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        pin_to_primary()
        if not replica_configured():
            return None
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the same rows as the primary: objects read from either relate.
        both = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in both and obj2._state.db in both:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # The replica receives the schema by replication, never by migrate.
        return False if db == REPLICA else None
