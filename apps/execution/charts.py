"""Geometry of the server-drawn SVG charts: daily bars (dashboard) and the Gantt timeline of a run.

Pure functions over plain values; templates turn the returned shapes into <svg> elements.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

BAR_STATUSES = ("completed", "failed", "cancelled", "interrupted", "running", "pending")


@dataclass
class Segment:
    status: str
    value: float
    y: float
    height: float


@dataclass
class DayBar:
    day: date
    x: float
    width: float
    total: float
    title: str
    segments: list[Segment] = field(default_factory=list)


@dataclass
class BarChart:
    width: int
    height: int
    plot_height: int
    max_value: float
    total: float
    bars: list[DayBar]
    ticks: list[tuple[float, str]]  # (x, label) under the axis
    max_label: str


def days_back(today: date, days: int) -> list[date]:
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def daily_bars(
    *,
    days: Sequence[date],
    values: dict[date, dict[str, float]],
    order: Sequence[str],
    describe,
    fmt=lambda v: f"{v:g}",
    width: int = 600,
    height: int = 150,
) -> BarChart:
    """One (stacked) bar per day; `values[day][key]`, stacked in `order`; `describe(day, parts)` -> title."""
    plot_height = height - 20
    totals = {day: sum(values.get(day, {}).values()) for day in days}
    max_value = max(totals.values(), default=0) or 1
    slot = width / max(len(days), 1)
    bars = []
    for index, day in enumerate(days):
        parts = values.get(day, {})
        bar = DayBar(
            day=day,
            x=round(index * slot + 1, 2),
            width=round(max(slot - 2, 1), 2),
            total=totals[day],
            title="",
        )
        bottom = plot_height
        for key in order:
            value = parts.get(key, 0)
            if not value:
                continue
            h = round(value / max_value * (plot_height - 4), 2)
            bottom -= h
            bar.segments.append(Segment(status=key, value=value, y=round(bottom, 2), height=h))
        bar.title = describe(day, parts)
        bars.append(bar)
    tick_indexes = sorted({0, len(days) // 2, len(days) - 1}) if days else []
    ticks = [(round(i * slot + slot / 2, 2), days[i].strftime("%b %d")) for i in tick_indexes]
    return BarChart(
        width=width,
        height=height,
        plot_height=plot_height,
        max_value=max_value,
        total=sum(totals.values()),
        bars=bars,
        ticks=ticks,
        max_label=fmt(max_value) if any(totals.values()) else "",
    )


def money(value: float | Decimal) -> str:
    return f"${Decimal(value):.4f}" if value and value < 1 else f"${Decimal(value):.2f}"


# --- Gantt ------------------------------------------------------------------------------------


@dataclass
class GanttBar:
    x: float
    width: float
    status: str
    title: str
    start_ms: int
    duration_ms: int


@dataclass
class GanttRow:
    node_id: str
    y: float
    bars: list[GanttBar] = field(default_factory=list)


@dataclass
class Gantt:
    width: int
    height: int
    label_width: int
    row_height: int
    total_ms: int
    rows: list[GanttRow]
    ticks: list[tuple[float, str]]


@dataclass(frozen=True)
class Span:
    node_id: str
    status: str
    started_at: datetime | None
    duration_ms: int
    finished_at: datetime | None = None  # when the row was written; a fallback for a missing start


def _start(span: Span) -> datetime | None:
    if span.started_at is not None:
        return span.started_at
    if span.finished_at is not None:
        return span.finished_at - timedelta(milliseconds=span.duration_ms)
    return None


def gantt(
    spans: Iterable[Span],
    *,
    origin: datetime | None = None,
    width: int = 760,
    label_width: int = 170,
    row_height: int = 26,
) -> Gantt:
    """One row per node (first-seen order), one bar per log row from its start offset to its end.

    Offsets are measured from `origin` (the execution's start) or the earliest span, so branches that
    ran at the same time overlap on the time axis.
    """
    spans = [span for span in spans if _start(span) is not None]
    starts = [_start(span) for span in spans]
    origin = min([*starts, *([origin] if origin else [])], default=None)
    offsets = [int((start - origin).total_seconds() * 1000) for start in starts] if origin else []
    total_ms = max((off + span.duration_ms for off, span in zip(offsets, spans, strict=True)), default=0) or 1
    plot = width - label_width - 10
    rows: dict[str, GanttRow] = {}
    for offset, span in zip(offsets, spans, strict=True):
        row = rows.get(span.node_id)
        if row is None:
            row = rows[span.node_id] = GanttRow(node_id=span.node_id, y=len(rows) * row_height + 4)
        x = label_width + offset / total_ms * plot
        bar_width = max(span.duration_ms / total_ms * plot, 2)
        row.bars.append(
            GanttBar(
                x=round(x, 2),
                width=round(bar_width, 2),
                status=span.status,
                start_ms=offset,
                duration_ms=span.duration_ms,
                title=f"{span.node_id}: {span.status}, started at +{offset} ms, took {span.duration_ms} ms",
            )
        )
    height = len(rows) * row_height + 30
    ticks = [
        (round(label_width + fraction * plot, 2), f"{round(total_ms * fraction)} ms")
        for fraction in (0, 0.25, 0.5, 0.75, 1)
    ]
    return Gantt(
        width=width,
        height=height,
        label_width=label_width,
        row_height=row_height,
        total_ms=total_ms,
        rows=list(rows.values()),
        ticks=ticks,
    )
