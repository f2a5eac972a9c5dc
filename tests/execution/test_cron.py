"""Cron parsing and next-run times, with exact datetimes (UTC and real timezones across DST)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from apps.execution.cron import CronError, parse_cron, zone


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def next_run(expression, after, tz="UTC"):
    return parse_cron(expression).next_after(after, ZoneInfo(tz))


def runs(expression, after, count, tz="UTC"):
    found = []
    for _ in range(count):
        after = next_run(expression, after, tz)
        found.append(after)
    return found


class TestParse:
    def test_steps_ranges_and_lists(self):
        cron = parse_cron("*/15 9-17/2 1,15 * *")
        assert cron.minutes == (0, 15, 30, 45)
        assert cron.hours == (9, 11, 13, 15, 17)
        assert cron.days == {1, 15}
        assert cron.months == set(range(1, 13))

    def test_start_with_step_runs_to_the_end_of_the_field(self):
        assert parse_cron("5/20 * * * *").minutes == (5, 25, 45)

    def test_names_are_case_insensitive_and_sunday_is_0_or_7(self):
        cron = parse_cron("0 0 * jan,Mar-MAY sun,7,MON-wed")
        assert cron.months == {1, 3, 4, 5}
        assert cron.weekdays == {0, 1, 2, 3}

    def test_aliases(self):
        assert parse_cron("@daily").minutes == (0,) and parse_cron("@daily").hours == (0,)
        assert parse_cron("@weekly").weekdays == {0}
        assert parse_cron("@hourly").hours == tuple(range(24))

    @pytest.mark.parametrize(
        ("expression", "message"),
        [
            ("* * * *", "expected 5 fields"),
            ("* * * * * *", "expected 5 fields"),
            ("", "expected 5 fields"),
            ("60 * * * *", "minute value 60 is out of range 0-59"),
            ("0 24 * * *", "hour value 24 is out of range 0-23"),
            ("0 0 0 * *", "day-of-month value 0 is out of range 1-31"),
            ("0 0 * 13 *", "month value 13 is out of range 1-12"),
            ("0 0 * * 8", "day-of-week value 8 is out of range 0-7"),
            ("0 0 * FOO *", "'FOO' is not a valid month value"),
            ("0 0 * * MONDAY", "'MONDAY' is not a valid day-of-week value"),
            ("*/0 * * * *", "step '0' in minute field must be a positive number"),
            ("*/x * * * *", "step 'x' in minute field must be a positive number"),
            ("5-1 * * * *", "range '5-1' in minute field goes backwards"),
            ("1,,2 * * * *", "empty list item in minute field"),
            ("0 0 30 2 *", "never fires"),
            ("0 0 31 4,6,9,11 *", "never fires"),
            ("@often", "unknown alias '@often'"),
        ],
    )
    def test_invalid_expressions_say_what_is_wrong(self, expression, message):
        with pytest.raises(CronError, match=message):
            parse_cron(expression)

    def test_impossible_day_is_fine_when_weekdays_can_match(self):
        parse_cron("0 0 30 2 MON")  # either day field matching is enough

    def test_unknown_timezone(self):
        with pytest.raises(CronError, match="Unknown timezone 'Mars/Olympus'"):
            zone("Mars/Olympus")


class TestNextRunUTC:
    def test_every_quarter_hour(self):
        assert next_run("*/15 * * * *", utc(2026, 11, 25, 10, 7, 30)) == utc(2026, 11, 25, 10, 15)

    def test_strictly_after_a_tick(self):
        assert next_run("*/15 * * * *", utc(2026, 11, 25, 10, 15)) == utc(2026, 11, 25, 10, 30)

    def test_rolls_over_hour_day_month_and_year(self):
        assert next_run("0 0 1 1 *", utc(2026, 12, 31, 23, 59, 59)) == utc(2027, 1, 1)

    def test_weekdays_only(self):
        # 2026-11-27 is a Friday: the next weekday 09:00 is Monday the 30th.
        assert next_run("0 9 * * MON-FRI", utc(2026, 11, 27, 10)) == utc(2026, 11, 30, 9)

    def test_restricted_day_and_weekday_match_either(self):
        # Friday the 13th style: the 6th is the first Friday, before the 13th.
        assert runs("0 0 13 * FRI", utc(2026, 11, 1), 3) == [
            utc(2026, 11, 6),
            utc(2026, 11, 13),
            utc(2026, 11, 20),
        ]

    def test_starred_day_field_with_step_still_ands_with_weekday(self):
        # Vixie cron: a field starting with * counts as unrestricted for the either-day rule.
        assert next_run("0 0 */2 * MON", utc(2026, 11, 1)) == utc(2026, 11, 9)

    def test_leap_day_waits_for_a_leap_year(self):
        assert next_run("0 12 29 2 *", utc(2026, 3, 1)) == utc(2028, 2, 29, 12)

    def test_naive_after_is_refused(self):
        with pytest.raises(CronError, match="timezone-aware"):
            parse_cron("* * * * *").next_after(datetime(2026, 1, 1), ZoneInfo("UTC"))


class TestNextRunInTimezones:
    def test_london_winter_and_summer(self):
        assert next_run("0 9 * * MON-FRI", utc(2026, 11, 27, 10), "Europe/London") == utc(2026, 11, 30, 9)
        assert next_run("0 9 * * MON-FRI", utc(2026, 7, 1, 8, 30), "Europe/London") == utc(2026, 7, 2, 8)

    def test_half_hour_offset_zone(self):
        assert next_run("0 9 * * *", utc(2026, 11, 25, 4), "Asia/Kolkata") == utc(2026, 11, 26, 3, 30)

    def test_daily_time_in_the_spring_gap_fires_once_an_hour_later(self):
        # Berlin skips 02:00-03:00 on 2026-03-29; 02:30 runs at 03:30 CEST (01:30 UTC) that day.
        assert runs("30 2 * * *", utc(2026, 3, 28, 1, 30), 3, "Europe/Berlin") == [
            utc(2026, 3, 29, 1, 30),
            utc(2026, 3, 30, 0, 30),
            utc(2026, 3, 31, 0, 30),
        ]

    def test_hourly_follows_real_time_across_the_spring_gap(self):
        assert runs("30 * * * *", utc(2026, 3, 29, 0, 0), 3, "Europe/Berlin") == [
            utc(2026, 3, 29, 0, 30),  # 01:30 CET
            utc(2026, 3, 29, 1, 30),  # 03:30 CEST; 02:30 does not exist
            utc(2026, 3, 29, 2, 30),
        ]

    def test_daily_time_in_the_repeated_autumn_hour_fires_once(self):
        # Berlin repeats 02:00-03:00 on 2026-10-25; 02:30 runs at its first occurrence only.
        assert runs("30 2 * * *", utc(2026, 10, 24, 23), 2, "Europe/Berlin") == [
            utc(2026, 10, 25, 0, 30),
            utc(2026, 10, 26, 1, 30),
        ]

    def test_hourly_fires_in_both_occurrences_of_the_repeated_hour(self):
        assert runs("30 * * * *", utc(2026, 10, 24, 23), 4, "Europe/Berlin") == [
            utc(2026, 10, 24, 23, 30),  # 01:30 CEST
            utc(2026, 10, 25, 0, 30),  # 02:30 CEST
            utc(2026, 10, 25, 1, 30),  # 02:30 CET
            utc(2026, 10, 25, 2, 30),  # 03:30 CET
        ]
