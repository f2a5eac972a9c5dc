"""Date & Time tool: the current time in a timezone, formatted, optionally shifted by an offset."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from langchain_core.tools import StructuredTool, ToolException
from pydantic import BaseModel, Field

DEFAULT_FORMAT = "%Y-%m-%d %H:%M:%S %Z"
DEFAULT_TIMEZONE = "UTC"
MAX_OFFSET_DAYS = 365_000  # ~1,000 years either way; beyond that datetime overflows anyway


class DateTimeError(ValueError):
    """Unknown timezone, bad format string, unparsable base date or an offset out of range."""


def resolve_timezone(name: str | None) -> ZoneInfo:
    name = (name or DEFAULT_TIMEZONE).strip()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DateTimeError(
            f"unknown timezone '{name}'; use an IANA name such as UTC, Europe/London or Asia/Tokyo"
        ) from exc


def _parse_base(base: str, zone: ZoneInfo) -> datetime:
    try:
        parsed = datetime.fromisoformat(base.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise DateTimeError(
            f"cannot read '{base}' as an ISO-8601 date/time (e.g. 2026-02-16T14:30:00)"
        ) from exc
    # A naive base is read in the requested timezone; an aware one is converted to it.
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed.astimezone(zone)


def datetime_compute(
    *,
    timezone: str | None = None,
    format: str | None = None,  # noqa: A002 - the tool argument the model sees
    base: str | None = None,
    days: float = 0,
    hours: float = 0,
    minutes: float = 0,
    weeks: float = 0,
    now: Callable[[], datetime] | None = None,
) -> str:
    """`base` (ISO-8601, default now) in `timezone`, shifted by the offsets, rendered with `format`."""
    zone = resolve_timezone(timezone)
    moment = _parse_base(base, zone) if base else (now or (lambda: datetime.now(UTC)))().astimezone(zone)
    try:
        calendar = timedelta(days=days, weeks=weeks)
        elapsed = timedelta(hours=hours, minutes=minutes)
    except OverflowError as exc:
        raise DateTimeError("offset is out of range") from exc
    if abs(calendar) + abs(elapsed) > timedelta(days=MAX_OFFSET_DAYS):
        raise DateTimeError(f"offset is larger than {MAX_OFFSET_DAYS} days")
    try:
        # Days and weeks move the calendar (same wall-clock time across a DST change);
        # hours and minutes are elapsed time.
        local = (moment.replace(tzinfo=None) + calendar).replace(tzinfo=zone)
        shifted = (local.astimezone(UTC) + elapsed).astimezone(zone)
    except OverflowError as exc:
        raise DateTimeError("resulting date is out of range") from exc
    try:
        return shifted.strftime(format or DEFAULT_FORMAT)
    except ValueError as exc:
        raise DateTimeError(f"invalid format string '{format}': {exc}") from exc


class DateTimeInput(BaseModel):
    timezone: str | None = Field(default=None, description="IANA timezone, e.g. America/New_York")
    format: str | None = Field(default=None, description=f"strftime format, default '{DEFAULT_FORMAT}'")
    base: str | None = Field(default=None, description="ISO-8601 date/time to start from instead of now")
    days: float = Field(default=0, description="days to add (negative to subtract)")
    hours: float = Field(default=0, description="hours to add")
    minutes: float = Field(default=0, description="minutes to add")
    weeks: float = Field(default=0, description="weeks to add")


def datetime_tool(extra_config: dict[str, Any] | None = None) -> StructuredTool:
    """`get_datetime`: the node's `extra_config["timezone"]` is the default when the model gives none."""
    default_zone = (extra_config or {}).get("timezone") or DEFAULT_TIMEZONE
    resolve_timezone(default_zone)  # a misconfigured node fails at build time, not mid-conversation

    def get_datetime(
        timezone: str | None = None,
        format: str | None = None,  # noqa: A002
        base: str | None = None,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        weeks: float = 0,
    ) -> str:
        try:
            return datetime_compute(
                timezone=timezone or default_zone,
                format=format,
                base=base,
                days=days,
                hours=hours,
                minutes=minutes,
                weeks=weeks,
            )
        except DateTimeError as exc:
            raise ToolException(f"Error: {exc}") from exc

    return StructuredTool.from_function(
        func=get_datetime,
        name="get_datetime",
        description=(
            "Current date and time (format YYYY-MM-DD HH:MM:SS TZ by default). Optional: timezone, "
            "strftime format, base ISO date instead of now, and days/hours/minutes/weeks to add or subtract."
        ),
        args_schema=DateTimeInput,
        handle_tool_error=True,
    )
