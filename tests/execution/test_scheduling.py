"""ScheduledJob semantics: next runs, backoff, state transitions, once-only catch-up. Fixed datetimes."""

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.execution.scheduling import (
    ScheduleError,
    ScheduleStatus,
    ScheduleTransitionError,
    after_failure,
    after_skip,
    after_success,
    backoff_seconds,
    due_tick,
    pause,
    reconfigure,
    resume,
    schedule_new,
    stop,
    trigger_payload,
)


def utc(*args, **kwargs):
    return datetime(*args, tzinfo=UTC, **kwargs)


T0 = utc(2026, 11, 25, 10, 0)


def hourly(**kwargs):
    return schedule_new(interval_seconds=3600, now=T0, **kwargs)


class TestCreate:
    def test_first_run_is_one_interval_after_creation_on_whole_seconds(self):
        state = schedule_new(interval_seconds=3600, now=T0 + timedelta(microseconds=500_000))
        assert state.status == ScheduleStatus.ACTIVE
        assert state.anchor_at == T0
        assert state.next_run_at == utc(2026, 11, 25, 11, 0)
        assert (state.run_count, state.error_count, state.current_repeat, state.current_retry) == (0, 0, 0, 0)

    def test_cron_schedule_first_run_follows_the_expression_in_its_timezone(self):
        state = schedule_new(interval_seconds=3600, cron="0 9 * * *", timezone="Europe/Paris", now=T0)
        assert state.next_run_at == utc(2026, 11, 26, 8, 0)

    def test_datetimes_are_stored_in_utc(self):
        paris = datetime(2026, 11, 25, 11, 0, tzinfo=ZoneInfo("Europe/Paris"))
        state = schedule_new(interval_seconds=60, now=paris)
        assert state.anchor_at == T0 and state.anchor_at.tzinfo is UTC

    @pytest.mark.parametrize(
        ("kwargs", "field", "message"),
        [
            ({"interval_seconds": 0}, "interval_seconds", "interval_seconds must be an integer >= 1"),
            ({"interval_seconds": 1.5}, "interval_seconds", "must be an integer"),
            ({"total_repeats": -1}, "total_repeats", "total_repeats must be an integer >= 0"),
            ({"max_retries": -1}, "max_retries", "max_retries must be an integer >= 0"),
            ({"max_retries": True}, "max_retries", "must be an integer"),
            ({"cron": "61 * * * *"}, "cron", "minute value 61 is out of range 0-59"),
            ({"timezone": "Nowhere/Town"}, "timezone", "Unknown timezone 'Nowhere/Town'"),
        ],
    )
    def test_invalid_settings_name_the_field(self, kwargs, field, message):
        settings = {"interval_seconds": 60, **kwargs}
        with pytest.raises(ScheduleError, match=message) as caught:
            schedule_new(now=T0, **settings)
        assert caught.value.field == field

    def test_naive_now_is_refused(self):
        with pytest.raises(ScheduleError, match="timezone-aware"):
            schedule_new(interval_seconds=60, now=datetime(2026, 11, 25, 10))

    def test_state_is_frozen_and_status_strings_from_the_database_are_accepted(self):
        state = hourly()
        with pytest.raises(dataclasses.FrozenInstanceError):
            state.run_count = 5
        assert dataclasses.replace(state, status="paused").status is ScheduleStatus.PAUSED


class TestDueTick:
    def test_not_due_before_next_run(self):
        assert due_tick(utc(2026, 11, 25, 10, 59, 59), hourly()) is None

    def test_due_at_and_after_next_run(self):
        assert due_tick(utc(2026, 11, 25, 11, 0), hourly()) == utc(2026, 11, 25, 11, 0)
        assert due_tick(utc(2026, 11, 25, 11, 0, 30), hourly()) == utc(2026, 11, 25, 11, 0)

    def test_paused_done_and_dead_jobs_are_never_due(self):
        later = utc(2026, 12, 1)
        assert due_tick(later, pause(hourly())) is None
        assert due_tick(later, stop(hourly())) is None
        dead = after_failure(hourly(max_retries=0), "boom", now=utc(2026, 11, 25, 11))
        assert due_tick(later, dead) is None

    def test_catch_up_after_downtime_fires_once_not_once_per_missed_tick(self):
        state = schedule_new(interval_seconds=600, now=T0)  # next 10:10
        back_up = utc(2026, 11, 25, 13, 7)  # 17 ticks were missed
        tick = due_tick(back_up, state)
        assert tick == utc(2026, 11, 25, 10, 10)

        state = after_success(state, now=back_up)

        assert state.run_count == 1
        assert state.next_run_at == utc(2026, 11, 25, 13, 10)  # back on the 10-minute grid
        assert due_tick(utc(2026, 11, 25, 13, 9, 59), state) is None

    def test_racing_callers_get_the_same_tick_key(self):
        state = schedule_new(interval_seconds=600, now=T0)
        assert due_tick(utc(2026, 11, 25, 10, 10, 1), state) == due_tick(utc(2026, 11, 25, 10, 29, 59), state)

    def test_tick_keys_strictly_increase_across_runs_and_retries(self):
        state, ticks, now = schedule_new(interval_seconds=60, now=T0), [], T0
        for outcome in ("ok", "fail", "fail", "ok", "ok"):
            now = state.next_run_at + timedelta(milliseconds=300)
            ticks.append(due_tick(now, state))
            state = after_success(state, now=now) if outcome == "ok" else after_failure(state, "x", now=now)
        assert ticks == sorted(set(ticks))
        assert ticks == [
            utc(2026, 11, 25, 10, 1),
            utc(2026, 11, 25, 10, 2),
            utc(2026, 11, 25, 10, 3),  # retry 1: +60 s
            utc(2026, 11, 25, 10, 5),  # retry 2: +120 s
            utc(2026, 11, 25, 10, 6),  # back on the grid
        ]


class TestSuccess:
    def test_success_counts_and_schedules_the_next_tick_on_the_grid(self):
        state = after_success(hourly(), now=utc(2026, 11, 25, 11, 0, 2))
        assert (state.run_count, state.current_repeat, state.current_retry) == (1, 1, 0)
        assert state.last_run_at == utc(2026, 11, 25, 11, 0, 2)
        assert state.next_run_at == utc(2026, 11, 25, 12, 0)

    def test_a_run_longer_than_the_interval_skips_to_the_next_future_tick(self):
        state = schedule_new(interval_seconds=60, now=T0)
        state = after_success(state, now=utc(2026, 11, 25, 10, 3, 30))
        assert state.next_run_at == utc(2026, 11, 25, 10, 4)

    def test_total_repeats_reached_is_done(self):
        state = hourly(total_repeats=2)
        state = after_success(state, now=utc(2026, 11, 25, 11))
        assert state.status == ScheduleStatus.ACTIVE
        state = after_success(state, now=utc(2026, 11, 25, 12))
        assert state.status == ScheduleStatus.DONE
        assert state.next_run_at is None
        assert (state.run_count, state.current_repeat) == (2, 2)

    def test_zero_total_repeats_runs_forever(self):
        state = hourly(total_repeats=0)
        for hour in range(11, 23):
            state = after_success(state, now=utc(2026, 11, 25, hour))
        assert state.status == ScheduleStatus.ACTIVE and state.run_count == 12

    def test_success_after_retries_resets_the_retry_and_clears_the_error(self):
        state = schedule_new(interval_seconds=60, now=T0)
        state = after_failure(state, "timeout", now=utc(2026, 11, 25, 10, 1, 0, 200_000))
        assert state.next_run_at == utc(2026, 11, 25, 10, 2)
        state = after_success(state, now=utc(2026, 11, 25, 10, 2, 0, 500_000))
        assert (state.current_retry, state.error_count, state.last_error) == (0, 1, "")
        assert state.next_run_at == utc(2026, 11, 25, 10, 3)

    def test_cron_schedule_moves_to_the_next_cron_time(self):
        state = schedule_new(interval_seconds=3600, cron="0 9 * * *", timezone="Europe/Paris", now=T0)
        state = after_success(state, now=utc(2026, 11, 26, 8, 0, 1))
        assert state.next_run_at == utc(2026, 11, 27, 8, 0)


class TestFailure:
    @pytest.mark.parametrize(
        ("interval", "expected"),
        [(60, [60, 120, 240, 480, 600, 600, 600]), (300, [300, 600, 1200, 2400, 3000, 3000, 3000])],
    )
    def test_backoff_doubles_and_caps_at_ten_intervals(self, interval, expected):
        assert [backoff_seconds(interval, retry) for retry in range(1, 8)] == expected

    def test_backoff_for_huge_retry_counts_stays_capped(self):
        assert backoff_seconds(60, 10_000) == 600

    def test_failures_back_off_then_the_job_dies_when_retries_exceed_max_retries(self):
        state = schedule_new(interval_seconds=60, max_retries=3, now=T0)
        now, next_runs = utc(2026, 11, 25, 10, 1), []
        for attempt in range(4):
            state = after_failure(state, f"error {attempt + 1}", now=now)
            next_runs.append(state.next_run_at)
            now = state.next_run_at or now
        assert next_runs == [
            utc(2026, 11, 25, 10, 2),  # retry 1 after 60 s
            utc(2026, 11, 25, 10, 4),  # retry 2 after 120 s
            utc(2026, 11, 25, 10, 8),  # retry 3 after 240 s
            None,  # the 4th consecutive failure exceeds max_retries=3
        ]
        assert state.status == ScheduleStatus.DEAD
        assert (state.error_count, state.current_retry, state.last_error) == (4, 4, "error 4")
        assert state.last_run_at == utc(2026, 11, 25, 10, 8)

    def test_zero_max_retries_dies_on_the_first_failure(self):
        state = after_failure(hourly(max_retries=0), RuntimeError("no trigger"), now=utc(2026, 11, 25, 11))
        assert state.status == ScheduleStatus.DEAD
        assert state.last_error == "no trigger"

    def test_error_count_is_total_while_retry_is_consecutive(self):
        state = schedule_new(interval_seconds=60, max_retries=1, now=T0)
        for minute, outcome in enumerate(["fail", "ok", "fail", "ok", "fail"], start=1):
            now = utc(2026, 11, 25, 10, minute * 10)
            state = after_success(state, now=now) if outcome == "ok" else after_failure(state, "x", now=now)
        assert state.status == ScheduleStatus.ACTIVE
        assert (state.error_count, state.current_retry, state.run_count) == (3, 1, 2)

    def test_retry_of_a_cron_schedule_uses_the_interval_backoff(self):
        state = schedule_new(interval_seconds=900, cron="0 9 * * *", now=T0)
        state = after_failure(state, "x", now=utc(2026, 11, 26, 9, 0, 0, 300))
        assert state.next_run_at == utc(2026, 11, 26, 9, 15)


class TestPauseResumeStop:
    def test_pause_keeps_counters_and_clears_next_run(self):
        state = after_failure(
            after_success(hourly(), now=utc(2026, 11, 25, 11)), "x", now=utc(2026, 11, 25, 12)
        )
        paused = pause(state)
        assert paused.status == ScheduleStatus.PAUSED and paused.next_run_at is None
        assert (paused.run_count, paused.error_count, paused.current_repeat, paused.current_retry) == (
            1,
            1,
            1,
            1,
        )

    def test_resume_restarts_one_interval_from_now_keeping_counters(self):
        paused = pause(after_success(hourly(), now=utc(2026, 11, 25, 11)))
        resumed = resume(paused, now=utc(2026, 11, 25, 15, 20, 7))
        assert resumed.status == ScheduleStatus.ACTIVE
        assert resumed.next_run_at == utc(2026, 11, 25, 16, 20, 7)
        assert (resumed.run_count, resumed.current_repeat) == (1, 1)

    def test_resume_of_a_cron_schedule_waits_for_the_next_cron_time(self):
        state = schedule_new(interval_seconds=60, cron="0 */6 * * *", now=T0)
        assert resume(pause(state), now=utc(2026, 11, 25, 13)).next_run_at == utc(2026, 11, 25, 18)

    def test_pause_only_from_active_and_resume_only_from_paused(self):
        paused = pause(hourly())
        with pytest.raises(ScheduleTransitionError, match="Cannot pause job with status 'paused'."):
            pause(paused)
        with pytest.raises(ScheduleTransitionError, match="Cannot resume job with status 'active'."):
            resume(hourly(), now=T0)
        with pytest.raises(ScheduleTransitionError, match="Cannot resume job with status 'done'."):
            resume(stop(hourly()), now=T0)

    def test_stop_is_final_and_keeps_counters(self):
        stopped = stop(pause(after_success(hourly(), now=utc(2026, 11, 25, 11))))
        assert stopped.status == ScheduleStatus.DONE and stopped.next_run_at is None
        assert stopped.run_count == 1
        with pytest.raises(ScheduleTransitionError, match="Cannot stop job with status 'done'."):
            stop(stopped)

    def test_a_run_finishing_after_pause_counts_but_does_not_reschedule(self):
        paused = pause(hourly())
        state = after_success(paused, now=utc(2026, 11, 25, 11))
        assert state.status == ScheduleStatus.PAUSED and state.next_run_at is None and state.run_count == 1
        state = after_failure(paused, "late", now=utc(2026, 11, 25, 11))
        assert state.status == ScheduleStatus.PAUSED and state.error_count == 1


class TestSkipAndReconfigure:
    def test_overlap_skip_moves_to_the_next_tick_and_keeps_counters(self):
        state = hourly()
        skipped = after_skip(state, now=utc(2026, 11, 25, 11, 0, 1))
        assert skipped.next_run_at == utc(2026, 11, 25, 12)
        assert dataclasses.replace(skipped, next_run_at=state.next_run_at) == state

    def test_new_interval_restarts_the_grid_now(self):
        state = reconfigure(hourly(), now=utc(2026, 11, 25, 10, 30), interval_seconds=300)
        assert state.next_run_at == utc(2026, 11, 25, 10, 35)

    def test_lowering_total_repeats_below_the_runs_done_finishes_the_job(self):
        state = after_success(after_success(hourly(), now=utc(2026, 11, 25, 11)), now=utc(2026, 11, 25, 12))
        assert reconfigure(state, now=utc(2026, 11, 25, 12, 5), total_repeats=2).status == ScheduleStatus.DONE

    def test_invalid_or_unknown_changes_are_refused(self):
        with pytest.raises(ScheduleError) as caught:
            reconfigure(hourly(), now=T0, interval_seconds=0)
        assert caught.value.field == "interval_seconds"
        with pytest.raises(ScheduleError, match="'status' cannot be changed here"):
            reconfigure(hourly(), now=T0, status="active")


def test_trigger_payload_has_timestamp_and_job_identity():
    state = after_success(hourly(), now=utc(2026, 11, 25, 11))
    payload = trigger_payload(
        job_id="a1b2", job_name="Hourly check", state=state, fired_at=utc(2026, 11, 25, 12), payload={"k": 1}
    )
    assert payload == {
        "timestamp": "2026-11-25T12:00:00+00:00",
        "scheduled_job_id": "a1b2",
        "scheduled_job_name": "Hourly check",
        "repeat_number": 1,
        "payload": {"k": 1},
    }
