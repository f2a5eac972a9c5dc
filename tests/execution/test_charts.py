"""Geometry of the server-drawn charts: daily stacked bars and the Gantt timeline."""

from datetime import UTC, date, datetime, timedelta

from apps.execution import charts

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def span(node_id, status, start_ms, duration_ms, **kwargs):
    return charts.Span(node_id, status, T0 + timedelta(milliseconds=start_ms), duration_ms, **kwargs)


def test_gantt_measures_from_the_execution_start_and_scales_to_the_last_end():
    gantt = charts.gantt([span("a", "success", 50, 50), span("b", "success", 100, 100)], origin=T0)
    a, b = gantt.rows[0].bars[0], gantt.rows[1].bars[0]
    assert gantt.total_ms == 200 and (a.start_ms, b.start_ms) == (50, 100)
    plot = gantt.width - gantt.label_width - 10
    assert a.x == gantt.label_width + plot / 4 and b.x + b.width == gantt.label_width + plot


def test_gantt_puts_repeated_runs_of_a_node_on_its_row_and_keeps_zero_length_bars_visible():
    gantt = charts.gantt(
        [span("loop", "success", 0, 10), span("loop", "failed", 20, 10), span("x", "skipped", 30, 0)]
    )
    assert [row.node_id for row in gantt.rows] == ["loop", "x"]
    assert [bar.status for bar in gantt.rows[0].bars] == ["success", "failed"]
    assert gantt.rows[1].bars[0].width == 2


def test_gantt_falls_back_to_the_row_time_when_the_start_is_missing():
    fallback = charts.Span("late", "success", None, 30, finished_at=T0 + timedelta(milliseconds=80))
    gantt = charts.gantt([span("first", "success", 0, 10), fallback], origin=T0)
    assert gantt.rows[1].bars[0].start_ms == 50
    assert charts.gantt([charts.Span("ghost", "success", None, 5)]).rows == []


def test_daily_bars_stack_statuses_in_order_and_scale_to_the_busiest_day():
    days = charts.days_back(date(2026, 11, 25), 3)
    chart = charts.daily_bars(
        days=days,
        values={days[0]: {"failed": 1, "completed": 3}, days[2]: {"completed": 2}},
        order=("completed", "failed"),
        describe=lambda day, parts: f"{day}: {parts}",
    )
    assert days == [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)]
    first, empty, last = chart.bars
    assert [s.status for s in first.segments] == ["completed", "failed"]
    assert first.segments[0].y > first.segments[1].y  # completed at the bottom, failed stacked above
    assert sum(s.height for s in first.segments) == chart.plot_height - 4
    assert empty.segments == [] and chart.total == 6 and chart.max_label == "4"
    assert last.segments[0].height == (chart.plot_height - 4) / 2


def test_money_shows_cents_or_sub_cent_precision():
    assert charts.money(0) == "$0.00" and charts.money(0.0123) == "$0.0123" and charts.money(12.5) == "$12.50"
