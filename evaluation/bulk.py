"""Inserting tens of thousands of rows at once: PostgreSQL's COPY, else ``bulk_create``.

A province's quarter is 50,000 new evaluations. Django 5.2's ``bulk_create`` sends them to
PostgreSQL as one array per column, and psycopg's client-side binding escapes each array in
Python: 9 s of a 30-second close (docs/performance.md). ``COPY … FROM STDIN`` is PostgreSQL's own
bulk-load path; psycopg writes its rows in C. Other databases (SQLite in development) keep
``bulk_create``. Either way the instances get no primary key back: callers that need the ids
read them afterwards. COPY goes to psycopg directly, past Django's execute wrappers: query logs
and query-count assertions do not see it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, models, router


def _converter(field: models.Field, connection: Any) -> Callable[[Any], Any]:
    """How one field's Python value becomes what psycopg writes: JSON and choice fields go
    through Django (a TextChoices member is an Enum, which psycopg would write by NAME); the
    rest (numbers, text, dates, booleans, foreign-key ids) psycopg writes as they are."""
    if isinstance(field, models.JSONField) or field.choices:
        return lambda value: field.get_db_prep_save(value, connection)
    return lambda value: value


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model]) -> int:
    """Insert ``objs`` (new instances, defaults already set) and return how many."""
    if not objs:
        return 0
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        model.objects.using(using).bulk_create(objs, batch_size=2000)
        return len(objs)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    auto = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for obj in objs:  # what Model.save() would stamp
        for field in auto:
            field.pre_save(obj, add=True)
    convert = [(f.attname, _converter(f, connection)) for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    statement = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for obj in objs:
            copy.write_row([to_db(getattr(obj, attname)) for attname, to_db in convert])
    return len(objs)
