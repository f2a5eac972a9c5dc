"""Statements written out for paths taken on every execution: the ORM compiles a query on each call,
which costs about ten times what a short statement costs the database (bench/profile_engine.py).

Write portable SQL (SQLite and PostgreSQL) with `%s` parameters already in database form: names come
from `column()`, values that are not plain ints or strings go through their field's get_db_prep_value.
"""

from __future__ import annotations

from django.db import connections


def column(model, field: str | None = None) -> str:
    """The quoted table of `model`, or the quoted column of its `field`."""
    quote = connections["default"].ops.quote_name
    return quote(model._meta.db_table if field is None else model._meta.get_field(field).column)


def execute(sql: str, params: list) -> int:
    """Run one write; the number of rows it touched."""
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def exists(sql: str, params: list) -> bool:
    """Whether a SELECT returns a row."""
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None
