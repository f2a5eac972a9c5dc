"""Rows read back two ways, for tests that write rows without the ORM and compare them with the ORM's:
every concrete field through the ORM, and every column as the database stores it."""

from __future__ import annotations

from typing import Any

from django.db import connection


def orm_fields(queryset) -> list[dict[str, Any]]:
    """attname -> value of every concrete field, for each row of `queryset`, in primary-key order."""
    fields = queryset.model._meta.concrete_fields
    return [{f.attname: getattr(row, f.attname) for f in fields} for row in queryset.order_by("pk")]


def stored_columns(
    model, *, where: str, value: Any, skip: frozenset[str] | set[str] = frozenset()
) -> list[tuple]:
    """The columns (less the `skip` attnames) of the rows of `model` whose field `where` is `value`, as
    the database holds them (JSON and datetimes are text on SQLite), in primary-key order."""
    quote = connection.ops.quote_name
    meta = model._meta
    columns = [f.column for f in meta.concrete_fields if f.attname not in skip]
    field = meta.get_field(where)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(map(quote, columns))} FROM {quote(meta.db_table)} "
            f"WHERE {quote(field.column)} = %s ORDER BY {quote(meta.pk.column)}",
            [field.get_db_prep_value(value, connection)],
        )
        return cursor.fetchall()
