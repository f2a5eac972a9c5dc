"""parse_instant: ISO-8601 input to an aware UTC datetime every backend accepts."""

from datetime import UTC, datetime

import pytest

from pipelit.dates import parse_instant


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02T03:04:05", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        # PostgreSQL refuses offsets past ±15:59; folded into UTC they are fine (found by the fuzzer).
        ("0556-04-12T03:06:01+23:00", datetime(556, 4, 11, 4, 6, 1, tzinfo=UTC)),
    ],
)
def test_valid_input_becomes_aware_utc(raw, expected):
    value = parse_instant(raw)
    assert value == expected and value.tzinfo is UTC


@pytest.mark.parametrize("raw", ["yesterday", "2026-13-01T00:00:00", "0001-01-01T00:00:00+05:00", ""])
def test_invalid_or_unrepresentable_input_is_none(raw):
    assert parse_instant(raw) is None
