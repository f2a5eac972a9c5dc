"""Django's SQLite backend, remembering each statement's placeholder rewrite.

sqlite3 takes `?` and `:name`; Django writes `%s` and `%(name)s`, so its cursor rewrites every
statement on every execute (a regex over the text: ~8 us for the ExecutionLog batch INSERT, ~0.7 us
for a short SELECT). The same few statements run for every execution: the rewrite is looked up by
the statement's text (and parameter names) instead, in a dict emptied when it reaches CACHE_SIZE.
"""

from __future__ import annotations

from django.db.backends.sqlite3 import base

CACHE_SIZE = 1024

_converted: dict = {}  # query or (query, *param names) -> the query as sqlite3 takes it


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query, *, param_names=None):
        key = query if param_names is None else (query, *param_names)
        converted = _converted.get(key)
        if converted is None:
            converted = super().convert_query(query, param_names=param_names)
            if len(_converted) >= CACHE_SIZE:
                _converted.clear()  # statements built with varying IN lists must not grow it forever
            _converted[key] = converted
        return converted


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLiteCursorWrapper)
