"""Statements written out for paths taken on every execution: the ORM compiles a query on each call,
which costs about ten times what a short statement costs the database (bench/profile_engine.py).

Write portable SQL (SQLite and PostgreSQL) with `%s` parameters already in database form: names come
from `column()`, values that are not plain ints or strings go through their field's get_db_prep_save
(`saver()`), as the ORM passes them when it writes.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from django.db import connections
from django.db.models import DEFERRED


def column(model, field: str | None = None) -> str:
    """The quoted table of `model`, or the quoted column of its `field`."""
    quote = connections["default"].ops.quote_name
    return quote(model._meta.db_table if field is None else model._meta.get_field(field).column)


def values(width: int, count: int) -> str:
    """The VALUES rows of an INSERT of `count` rows of `width` parameters: `(%s, %s), (%s, %s)`."""
    row = f"({', '.join(['%s'] * width)})"
    return ", ".join([row] * count)


def saver(model, field: str, connection):
    """`value -> database form` for `field` of `model` on `connection` (its get_db_prep_save): JSON as
    the backend takes it, datetimes made naive UTC text on SQLite, UUIDs as hex on SQLite ..."""
    prepare = model._meta.get_field(field).get_db_prep_save
    return lambda value: prepare(value, connection)


def converters(model, fields: tuple[str, ...]) -> dict:
    """column index -> (converters, expression) for a row of `fields` of `model` read back (RETURNING),
    as the ORM applies them (cache the result)."""
    compiler = model._base_manager.all().query.get_compiler("default")
    table = model._meta.db_table
    return compiler.get_converters([model._meta.get_field(name).get_col(table) for name in fields])


def convert(row, converters: dict, connection) -> list:
    """A row from the database with its columns converted (`converters()`, `CompiledSelect.converters`)."""
    row = list(row)
    for index, (convert_all, expression) in converters.items():
        for convert_one in convert_all:
            row[index] = convert_one(row[index], expression, connection)
    return row


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


class CompiledSelect(NamedTuple):
    alias: str
    sql: str
    names: tuple[str, ...]  # the parameter names, in the order the SQL takes them
    converters: dict  # column index -> (converters, expression), as the ORM applies them


def compile_select(queryset, sentinels: dict[str, Any]) -> CompiledSelect:
    """The SQL of a `values_list()` queryset, compiled once (cache the result): compiling is most of
    what a short ORM query costs. Filter with the `sentinels` (name -> a value no real row holds, in
    database form) where the real values go; `select_row` then runs it with those names' values."""
    compiler = queryset.query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    names = {value: name for name, value in sentinels.items()}
    if len(names) != len(sentinels) or any(value not in names for value in params):
        raise RuntimeError("the query takes a parameter that is not one of its sentinels")
    converters = compiler.get_converters([column for column, _, _ in compiler.select])
    return CompiledSelect(queryset.db, sql, tuple(names[value] for value in params), converters)


def select_row(compiled: CompiledSelect, **values) -> list | None:
    """The first row of a compiled select with these parameter values (database form), its columns
    converted as the ORM converts them; None when there is none."""
    connection = connections[compiled.alias]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, [values[name] for name in compiled.names])
        row = cursor.fetchone()
    if row is None:
        return None
    return convert(row, compiled.converters, connection)


def loaded(model, alias: str, names: tuple[str, ...], values) -> Any:
    """A `model` instance as the ORM loads it, with the fields `names` (attnames) set; the rest deferred."""
    if len(values) != len(names):
        raise ValueError(f"{len(names)} names for {len(values)} values")
    positions = _positions(model, names)
    if positions is None:  # every column in field order: what from_db takes as it is
        return model.from_db(alias, None, values)
    return model.from_db(alias, None, [DEFERRED if at is None else values[at] for at in positions])


@functools.cache
def _positions(model, names: tuple[str, ...]) -> tuple[int | None, ...] | None:
    """Where each concrete field of `model` is in `names` (None: deferred); None when `names` are all
    of them in field order."""
    fields = attnames(model)
    if names == fields:
        return None
    if len(set(names)) != len(names) or not set(names) <= set(fields):
        raise ValueError(f"{names} are not distinct attnames of {model.__name__}")
    return tuple(names.index(name) if name in names else None for name in fields)


def attnames(model) -> tuple[str, ...]:
    """Every concrete column's attname of `model`, in field order."""
    return tuple(field.attname for field in model._meta.concrete_fields)
