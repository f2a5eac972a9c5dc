"""Schedule semantics, pure and timezone-aware: next runs, backoff, and the ScheduledJob state machine.

Nothing here touches the database or Celery. A beat task is expected to load active jobs, ask
`due_tick(now, state)` which single tick to fire, claim (job, tick) through a unique key, dispatch
the schedule trigger, and store `after_success` / `after_failure`. Because `due_tick` returns the
stored `next_run_at` and both transitions move `next_run_at` past `now`, a job that missed many ticks
during downtime fires once, and two beat processes racing on the same job claim the same key.

Retries follow the reference: a failure schedules a retry after `backoff_seconds`; when the number of
consecutive failed retries exceeds `max_retries` the job is `dead` (so `max_retries=0` dies on the
first failure, `max_retries=3` on the fourth consecutive failure).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from .cron import CronError, parse_cron, zone

BACKOFF_CAP_FACTOR = 10
SCHEDULED_JOB_KEY = "scheduled_job_id"  # in every fired tick's trigger payload


class ScheduleStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DONE = "done"
    DEAD = "dead"


class ScheduleError(ValueError):
    """Invalid schedule settings; `field` names the offending input for a 422 `loc`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class ScheduleTransitionError(ValueError):
    """A pause/resume/stop not allowed from the current status (the API answers 400)."""


@dataclass(frozen=True)
class ScheduleState:
    """What a ScheduledJob row needs for scheduling; all datetimes are aware, in UTC, whole seconds."""

    interval_seconds: int
    anchor_at: datetime  # interval ticks fall on anchor_at + k * interval_seconds
    cron: str = ""  # when set, regular ticks follow it (in `timezone`); retries still use the interval
    timezone: str = "UTC"
    total_repeats: int = 0  # 0 = unlimited
    max_retries: int = 3
    status: ScheduleStatus = ScheduleStatus.ACTIVE
    current_repeat: int = 0
    current_retry: int = 0
    run_count: int = 0
    error_count: int = 0
    last_run_at: datetime | None = None
    next_run_at: datetime | None = None
    last_error: str = ""

    def __post_init__(self) -> None:
        validate_schedule(
            interval_seconds=self.interval_seconds,
            cron=self.cron,
            timezone=self.timezone,
            total_repeats=self.total_repeats,
            max_retries=self.max_retries,
        )
        object.__setattr__(self, "status", ScheduleStatus(self.status))
        for name in ("anchor_at", "last_run_at", "next_run_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _utc_seconds(value, name))


def validate_schedule(
    *,
    interval_seconds: int,
    cron: str = "",
    timezone: str = "UTC",
    total_repeats: int = 0,
    max_retries: int = 3,
) -> None:
    """Raise ScheduleError for the first invalid field."""
    for name, value, minimum in (
        ("interval_seconds", interval_seconds, 1),
        ("total_repeats", total_repeats, 0),
        ("max_retries", max_retries, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ScheduleError(name, f"{name} must be an integer >= {minimum}.")
    try:
        zone(timezone)
    except CronError as exc:
        raise ScheduleError("timezone", str(exc)) from None
    if cron:
        try:
            parse_cron(cron)
        except CronError as exc:
            raise ScheduleError("cron", str(exc)) from None


def schedule_new(
    *,
    interval_seconds: int,
    now: datetime,
    cron: str = "",
    timezone: str = "UTC",
    total_repeats: int = 0,
    max_retries: int = 3,
) -> ScheduleState:
    """An active schedule whose first run is the first tick after `now`."""
    state = ScheduleState(
        interval_seconds=interval_seconds,
        anchor_at=now,
        cron=cron,
        timezone=timezone,
        total_repeats=total_repeats,
        max_retries=max_retries,
    )
    return dataclasses.replace(state, next_run_at=next_regular_run(state, after=now))


def next_regular_run(state: ScheduleState, *, after: datetime) -> datetime:
    """The first regular tick strictly after `after`: the cron expression's, else the interval grid's."""
    after = _aware(after, "after")
    if state.cron:
        return parse_cron(state.cron).next_after(after, zone(state.timezone))
    interval = timedelta(seconds=state.interval_seconds)
    ticks = math.floor((after - state.anchor_at) / interval) + 1
    return state.anchor_at + ticks * interval


def backoff_seconds(interval_seconds: int, retry: int) -> int:
    """Delay before retry number `retry` (1-based): doubling from the interval, capped at 10x."""
    if retry < 1:
        raise ValueError("retry counts from 1.")
    cap = interval_seconds * BACKOFF_CAP_FACTOR
    if retry > 8:  # 2**7 > 10: capped long before; avoids huge powers
        return cap
    return min(interval_seconds * 2 ** (retry - 1), cap)


def due_tick(now: datetime, state: ScheduleState) -> datetime | None:
    """The one tick to fire now, or None. It is the stored next_run_at however many ticks were missed,
    so (job, tick) is a stable exactly-once key."""
    now = _aware(now, "now")
    if state.status != ScheduleStatus.ACTIVE or state.next_run_at is None or state.next_run_at > now:
        return None
    return state.next_run_at


def after_success(state: ScheduleState, *, now: datetime) -> ScheduleState:
    """A run dispatched successfully: count it, clear the retry, and move on (or finish)."""
    now = _aware(now, "now")
    current_repeat = state.current_repeat + 1
    state = dataclasses.replace(
        state,
        run_count=state.run_count + 1,
        current_repeat=current_repeat,
        current_retry=0,
        last_run_at=now,
        last_error="",
    )
    if state.status != ScheduleStatus.ACTIVE:
        return state  # paused or stopped while the run was in flight: keep the counters only
    if state.total_repeats and current_repeat >= state.total_repeats:
        return dataclasses.replace(state, status=ScheduleStatus.DONE, next_run_at=None)
    return dataclasses.replace(state, next_run_at=next_regular_run(state, after=now))


def after_failure(state: ScheduleState, error: object, *, now: datetime) -> ScheduleState:
    """A run failed: count it and retry with backoff, or die once retries exceed max_retries."""
    now = _aware(now, "now")
    retry = state.current_retry + 1
    state = dataclasses.replace(
        state,
        error_count=state.error_count + 1,
        current_retry=retry,
        last_run_at=now,
        last_error=str(error),
    )
    if state.status != ScheduleStatus.ACTIVE:
        return state
    if retry > state.max_retries:
        return dataclasses.replace(state, status=ScheduleStatus.DEAD, next_run_at=None)
    delay = timedelta(seconds=backoff_seconds(state.interval_seconds, retry))
    return dataclasses.replace(state, next_run_at=_utc_seconds(now, "now") + delay)


def after_skip(state: ScheduleState, *, now: datetime) -> ScheduleState:
    """The previous execution is still running: skip this tick, keep every counter."""
    if state.status != ScheduleStatus.ACTIVE:
        return state
    return dataclasses.replace(state, next_run_at=next_regular_run(state, after=now))


def pause(state: ScheduleState) -> ScheduleState:
    if state.status != ScheduleStatus.ACTIVE:
        raise ScheduleTransitionError(f"Cannot pause job with status '{state.status}'.")
    return dataclasses.replace(state, status=ScheduleStatus.PAUSED, next_run_at=None)


def resume(state: ScheduleState, *, now: datetime) -> ScheduleState:
    """Back to active; the interval grid restarts at `now`, so the next run is one interval away."""
    if state.status != ScheduleStatus.PAUSED:
        raise ScheduleTransitionError(f"Cannot resume job with status '{state.status}'.")
    state = dataclasses.replace(state, status=ScheduleStatus.ACTIVE, anchor_at=now)
    return dataclasses.replace(state, next_run_at=next_regular_run(state, after=now))


def stop(state: ScheduleState) -> ScheduleState:
    """End the schedule for good (status done), keeping its counters."""
    if state.status not in (ScheduleStatus.ACTIVE, ScheduleStatus.PAUSED):
        raise ScheduleTransitionError(f"Cannot stop job with status '{state.status}'.")
    return dataclasses.replace(state, status=ScheduleStatus.DONE, next_run_at=None)


TIMING_FIELDS = frozenset({"interval_seconds", "cron", "timezone"})


def reconfigure(state: ScheduleState, *, now: datetime, **changes: object) -> ScheduleState:
    """Apply a PATCH; new timing restarts the grid at `now`, a lowered total_repeats may finish it."""
    unknown = set(changes) - TIMING_FIELDS - {"total_repeats", "max_retries"}
    if unknown:
        raise ScheduleError(sorted(unknown)[0], f"'{sorted(unknown)[0]}' cannot be changed here.")
    state = dataclasses.replace(state, **changes)
    if state.status != ScheduleStatus.ACTIVE:
        return state
    if state.total_repeats and state.current_repeat >= state.total_repeats:
        return dataclasses.replace(state, status=ScheduleStatus.DONE, next_run_at=None)
    if TIMING_FIELDS & set(changes):
        state = dataclasses.replace(state, anchor_at=now)
        return dataclasses.replace(state, next_run_at=next_regular_run(state, after=now))
    return state


def trigger_payload(
    *, job_id: object, job_name: str, state: ScheduleState, fired_at: datetime, payload: dict | None
) -> dict:
    """The trigger_schedule event: outputs `timestamp` and `payload`, plus the job's identity."""
    return {
        "timestamp": _aware(fired_at, "fired_at").astimezone(UTC).isoformat(),
        SCHEDULED_JOB_KEY: str(job_id),
        "scheduled_job_name": job_name,
        "repeat_number": state.current_repeat,
        "payload": payload or {},
    }


def fired_by_schedule(payload) -> bool:
    """Whether a trigger payload may be a schedule's (every fired tick's carries its job id)."""
    return isinstance(payload, dict) and SCHEDULED_JOB_KEY in payload


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ScheduleError(name, f"{name} must be timezone-aware.")
    return value


def _utc_seconds(value: datetime, name: str) -> datetime:
    return _aware(value, name).astimezone(UTC).replace(microsecond=0)
