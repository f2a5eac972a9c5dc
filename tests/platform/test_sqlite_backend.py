"""pipelit/backends/sqlite3: statements run as with Django's backend; each rewrite is done once, within a bound."""

import pytest
from django.conf import settings
from django.db.backends.sqlite3 import base as django_sqlite
from django.db.utils import ConnectionHandler

from pipelit.backends.sqlite3 import base

pytestmark = pytest.mark.django_db  # pytest-django lets no connection open without it


@pytest.fixture
def cursor():
    """A cursor of the backend on an in-memory database of its own (whatever the suite runs on)."""
    handler = ConnectionHandler({"default": {"ENGINE": "pipelit.backends.sqlite3", "NAME": ":memory:"}})
    connection = handler["default"]
    with connection.cursor() as cursor:
        yield cursor
    connection.close()


@pytest.fixture
def rewrites(monkeypatch):
    """The queries Django's own rewrite was asked for, from an empty cache."""
    monkeypatch.setattr(base, "_converted", {})
    asked = []
    rewrite = django_sqlite.SQLiteCursorWrapper.convert_query

    def counted(self, query, *, param_names=None):
        asked.append(query)
        return rewrite(self, query, param_names=param_names)

    monkeypatch.setattr(django_sqlite.SQLiteCursorWrapper, "convert_query", counted)
    return asked


def test_positional_parameters_run_and_are_rewritten_once(cursor, rewrites):
    for value in (1, 2, 3):
        cursor.execute("SELECT %s, %s", [value, "text"])
        assert cursor.fetchone() == (value, "text")
    assert rewrites == ["SELECT %s, %s"]


def test_named_parameters_run_and_are_rewritten_once_per_set_of_names(cursor, rewrites):
    for value in (1, 2):
        cursor.execute("SELECT %(a)s, %(b)s", {"a": value, "b": "text"})
        assert cursor.fetchone() == (value, "text")
    cursor.execute("SELECT %(a)s, %(b)s", {"b": "other", "a": 9})
    assert cursor.fetchone() == (9, "other")
    assert rewrites == ["SELECT %(a)s, %(b)s"] * 2


def test_double_percent_is_a_literal_percent(cursor, rewrites):
    for _ in range(2):
        cursor.execute("SELECT '100%%', '%%s', %s", [7])
        assert cursor.fetchone() == ("100%", "%s", 7)
        cursor.execute("SELECT '50%%', %(n)s", {"n": 8})
        assert cursor.fetchone() == ("50%", 8)
    assert len(rewrites) == 2


def test_executemany_uses_the_remembered_rewrite(cursor, rewrites):
    cursor.execute("CREATE TABLE pairs (a, b)")
    cursor.executemany("INSERT INTO pairs VALUES (%s, %s)", [(1, 2), (3, 4)])
    cursor.executemany("INSERT INTO pairs VALUES (%s, %s)", [(5, 6)])
    cursor.execute("SELECT a, b FROM pairs ORDER BY a")
    assert cursor.fetchall() == [(1, 2), (3, 4), (5, 6)]
    assert rewrites.count("INSERT INTO pairs VALUES (%s, %s)") == 1


def test_the_cache_stays_within_its_size(cursor, rewrites, monkeypatch):
    monkeypatch.setattr(base, "CACHE_SIZE", 4)
    for width in range(1, 11):
        cursor.execute(f"SELECT {', '.join(['%s'] * width)}", list(range(width)))
        assert cursor.fetchone() == tuple(range(width))
        assert len(base._converted) <= 4
    assert len(rewrites) == 10


def test_sqlite_settings_use_this_backend():
    engine = settings.DATABASES["default"]["ENGINE"]
    assert engine == "pipelit.backends.sqlite3" or engine.startswith("django.db.backends.postgresql")
