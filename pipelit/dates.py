"""Date-times from user input (query parameters), made safe for every database backend."""

from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime


def parse_instant(raw: str) -> datetime | None:
    """An ISO-8601 date-time as an aware UTC datetime; None when it is not one.

    Naive values are read as UTC. Offsets are folded into UTC here because PostgreSQL refuses
    displacements beyond ±15:59 that ISO-8601 (and Python) allow, e.g. `+23:00`.
    """
    try:
        moment = parse_datetime(raw)
        if moment is None:
            return None
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
