"""Date & Time: now in a timezone, formats, calendar and elapsed-time arithmetic."""

import re
from datetime import UTC, datetime

import pytest

from apps.agents.tools.datetime_tool import DateTimeError, datetime_compute, datetime_tool


def fixed_now():
    return datetime(2026, 2, 16, 14, 30, 0, tzinfo=UTC)


def test_default_is_utc_in_the_documented_format():
    assert datetime_compute(now=fixed_now) == "2026-02-16 14:30:00 UTC"


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Tokyo", "2026-02-16 23:30:00 JST"),
        ("America/New_York", "2026-02-16 09:30:00 EST"),
        ("Europe/London", "2026-02-16 14:30:00 GMT"),
    ],
)
def test_now_in_a_timezone(zone, expected):
    assert datetime_compute(timezone=zone, now=fixed_now) == expected


def test_custom_format():
    assert datetime_compute(format="%A %d %B %Y", now=fixed_now) == "Monday 16 February 2026"


def test_offsets_from_now():
    assert datetime_compute(days=-20, hours=2, now=fixed_now) == "2026-01-27 16:30:00 UTC"
    assert datetime_compute(weeks=2, minutes=45, now=fixed_now) == "2026-03-02 15:15:00 UTC"


def test_days_keep_the_wall_clock_across_dst_but_hours_are_elapsed_time():
    base = "2026-03-07T12:00:00"  # US DST starts 2026-03-08 02:00
    fmt = "%Y-%m-%d %H:%M %Z"
    assert (
        datetime_compute(timezone="America/New_York", base=base, days=1, format=fmt) == "2026-03-08 12:00 EDT"
    )
    assert (
        datetime_compute(timezone="America/New_York", base=base, hours=24, format=fmt)
        == "2026-03-08 13:00 EDT"
    )


def test_an_aware_base_is_converted_to_the_timezone():
    result = datetime_compute(timezone="Asia/Tokyo", base="2026-02-16T14:30:00Z", format="%H:%M %Z")
    assert result == "23:30 JST"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown timezone 'Mars/Olympus'"),
        ({"base": "next tuesday"}, "cannot read 'next tuesday' as an ISO-8601"),
        ({"days": 10**6}, "offset is larger than"),
        ({"days": 10**10}, "offset is out of range"),
        ({"base": "9999-12-31T00:00:00", "days": 2}, "out of range"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, message):
    with pytest.raises(DateTimeError) as info:
        datetime_compute(now=fixed_now, **kwargs)
    assert message in str(info.value)


def test_tool_uses_the_configured_timezone_unless_the_model_names_one():
    tool = datetime_tool({"timezone": "Asia/Tokyo"})
    assert tool.name == "get_datetime"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST", tool.invoke({}))
    assert tool.invoke({"timezone": "UTC", "format": "%Z"}) == "UTC"
    assert tool.invoke({"timezone": "Nowhere/Land"}).startswith("Error: unknown timezone 'Nowhere/Land'")


def test_a_misconfigured_node_timezone_fails_when_the_tool_is_built():
    with pytest.raises(DateTimeError, match="unknown timezone 'Bad/Zone'"):
        datetime_tool({"timezone": "Bad/Zone"})
