"""Five-field cron expressions (minute hour day-of-month month day-of-week), evaluated in a timezone.

Vixie-cron semantics: `*`, lists, ranges, steps (`*/15`, `1-10/2`, `5/10`), names (JAN-DEC, SUN-SAT),
day-of-week 0 and 7 both Sunday, @hourly/@daily/@weekly/@monthly/@yearly. When both day fields are
restricted a day matches if either does. Daylight-saving: a wall time skipped by a spring-forward
jump fires as if the clock had not jumped (02:30 -> 03:30 summer time), once; a wall time repeated
by a fall-back fires once, at its first occurrence, unless the hour field is `*`, in which case it
follows real time and fires in both occurrences.
"""

from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTH_NAMES = {name.upper(): index for index, name in enumerate(calendar.month_abbr) if name}
DAY_NAMES = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# (name, lowest, highest, names)
FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, MONTH_NAMES),
    ("day-of-week", 0, 7, DAY_NAMES),
)
SEARCH_DAYS = 366 * 8 + 2  # long enough to reach any Feb 29
_FOLD_WINDOW = timedelta(hours=3)  # larger than any UTC offset change


class CronError(ValueError):
    """An invalid cron expression; the message names the field and the problem."""


@dataclass(frozen=True)
class CronExpression:
    source: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    day_is_star: bool
    weekday_is_star: bool
    hour_is_star: bool

    def matches_date(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        day_ok = day.day in self.days
        weekday_ok = (day.weekday() + 1) % 7 in self.weekdays
        if self.day_is_star or self.weekday_is_star:
            return day_ok and weekday_ok
        return day_ok or weekday_ok

    def next_after(self, after: datetime, tz: ZoneInfo) -> datetime:
        """The first firing instant strictly after `after` (aware), returned in UTC."""
        if after.tzinfo is None:
            raise CronError("cron: 'after' must be timezone-aware.")
        local_after = after.astimezone(tz).replace(tzinfo=None)
        day = local_after.date()
        for _ in range(SEARCH_DAYS):
            if self.matches_date(day):
                if _offset_changes(day, tz):
                    found = self._first_on(day, after, local_after - _FOLD_WINDOW, tz)
                else:
                    found = self._first_steady(day, local_after, tz)
                if found is not None:
                    return found
            day += timedelta(days=1)
        raise CronError(f"cron: '{self.source}' never fires.")

    def _first_steady(self, day: date, local_after: datetime, tz: ZoneInfo) -> datetime | None:
        """A day without an offset change: wall order is instant order."""
        for hour in self.hours:
            if datetime.combine(day, time(hour, 59)) <= local_after:
                continue
            for minute in self.minutes:
                wall = datetime.combine(day, time(hour, minute))
                if wall > local_after:
                    return wall.replace(tzinfo=tz).astimezone(UTC)
        return None

    def _first_on(self, day: date, after: datetime, earliest: datetime, tz: ZoneInfo) -> datetime | None:
        best: datetime | None = None
        best_wall: datetime | None = None
        for hour in self.hours:
            for minute in self.minutes:
                wall = datetime.combine(day, time(hour, minute))
                if wall < earliest:
                    continue
                if best_wall is not None and wall > best_wall + _FOLD_WINDOW:
                    return best
                for instant in self._instants(wall, tz):
                    if instant > after and (best is None or instant < best):
                        best, best_wall = instant, wall
        return best

    def _instants(self, wall: datetime, tz: ZoneInfo) -> list[datetime]:
        first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
        second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
        if first == second:
            return [first]
        exists = first.astimezone(tz).replace(tzinfo=None) == wall
        if not exists:  # in a spring-forward gap; fold=0 reads it with the old offset
            return [] if self.hour_is_star else [first]
        return [first, second] if self.hour_is_star else [first]


def _offset_changes(day: date, tz: ZoneInfo) -> bool:
    start = datetime.combine(day, time()).replace(tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time()).replace(tzinfo=tz)
    return start.utcoffset() != end.utcoffset()


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"Unknown timezone '{name}'.") from None


@functools.lru_cache(maxsize=256)
def parse_cron(expression: str) -> CronExpression:
    source = (expression or "").strip()
    text = ALIASES.get(source.lower(), source)
    if text.startswith("@"):
        raise CronError(f"cron: unknown alias '{source}' (use one of {', '.join(sorted(ALIASES))}).")
    parts = text.split()
    if len(parts) != 5:
        raise CronError(
            f"cron: expected 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}."
        )
    values = [_parse_field(part, *spec) for part, spec in zip(parts, FIELDS, strict=True)]
    minutes, hours, days, months, weekdays = values
    weekdays = {0 if value == 7 else value for value in weekdays}
    cron = CronExpression(
        source=source,
        minutes=tuple(sorted(minutes)),
        hours=tuple(sorted(hours)),
        days=frozenset(days),
        months=frozenset(months),
        weekdays=frozenset(weekdays),
        day_is_star=parts[2].startswith("*"),
        weekday_is_star=parts[4].startswith("*"),
        hour_is_star=parts[1] == "*",
    )
    _check_day_exists(cron)
    return cron


def _parse_field(text: str, name: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    values: set[int] = set()
    for item in text.split(","):
        if not item:
            raise CronError(f"cron: empty list item in {name} field '{text}'.")
        values |= _parse_item(item, name, low, high, names)
    return values


def _parse_item(item: str, name: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) == 0:
            raise CronError(f"cron: step '{step_text}' in {name} field must be a positive number.")
        step = int(step_text)
    if base == "*":
        start, end = low, high
    elif "-" in base:
        start_text, _, end_text = base.partition("-")
        start, end = _value(start_text, name, low, high, names), _value(end_text, name, low, high, names)
        if start > end:
            raise CronError(f"cron: range '{base}' in {name} field goes backwards.")
    else:
        start = _value(base, name, low, high, names)
        end = high if slash else start
    return set(range(start, end + 1, step))


def _value(text: str, name: str, low: int, high: int, names: dict[str, int]) -> int:
    if text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise CronError(f"cron: '{text}' is not a valid {name} value.")
    value = int(text)
    if not low <= value <= high:
        raise CronError(f"cron: {name} value {value} is out of range {low}-{high}.")
    return value


def _check_day_exists(cron: CronExpression) -> None:
    """Refuse day/month pairs that never occur (e.g. 30 2 = Feb 30) unless weekdays can match."""
    if cron.day_is_star or not cron.weekday_is_star:
        return
    longest = {month: calendar.monthrange(2000, month)[1] for month in cron.months}  # 2000: leap
    if not any(day <= longest[month] for month in cron.months for day in cron.days):
        raise CronError(f"cron: '{cron.source}' never fires: no listed day exists in the listed months.")
