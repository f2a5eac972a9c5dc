"""Scheduled jobs: create/update/pause/resume/stop, the beat tick that fires due jobs, and the finish hook.

Design: beat runs ONE django-celery-beat PeriodicTask, `pipelit.schedules_tick`, every
PIPELIT_SCHEDULE_TICK_SECONDS (1 s). Each tick task asks `scheduling.due_tick` for every active job
whose `next_run_at` has passed and claims (job, tick) by inserting a ScheduledRun row under a unique
constraint, so a tick fires at most once whatever the number of beat processes, duplicated or late tick
tasks, or beat restarts. One PeriodicTask per job was rejected: next_run_at moves on every run (backoff,
pause, catch-up), and rewriting PeriodicTask rows makes beat reload its whole schedule each time, while
beat's own bookkeeping is not exactly-once across two beat processes. Jobs stay visible and editable in
the admin as ScheduledJob rows; the tick entry is visible under django-celery-beat's Periodic tasks.

While a run is in flight the job keeps `next_run_at` at the claimed tick, so later ticks find the claim
and wait; when the execution finishes, `schedule_execution_finished` (a finish hook) applies
`after_success` / `after_failure`. A run in flight longer than `timeout_seconds` is failed and cancelled.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from apps.workflows.models import Workflow, WorkflowNode
from pipelit import events

from .. import scheduling
from ..models import ScheduledJob, ScheduledRun, ScheduleStatus, WorkflowExecution
from ..scheduling import ScheduleError, ScheduleState
from .executions import execution_cancel, execution_create
from .protection import protection_refusal

logger = logging.getLogger(__name__)

SCHEDULE_COMPONENT = "trigger_schedule"
TICK_TASK_NAME = "pipelit.schedules_tick"
STATE_FIELDS = (
    "interval_seconds",
    "anchor_at",
    "cron",
    "timezone",
    "total_repeats",
    "max_retries",
    "status",
    "current_repeat",
    "current_retry",
    "run_count",
    "error_count",
    "last_run_at",
    "next_run_at",
    "last_error",
)
EDITABLE_FIELDS = {"name", "description", "timeout_seconds", "trigger_payload"}


def job_state(job: ScheduledJob) -> ScheduleState:
    return ScheduleState(**{name: getattr(job, name) for name in STATE_FIELDS})


def _store(job: ScheduledJob, state: ScheduleState) -> None:
    for name in STATE_FIELDS:
        setattr(job, name, getattr(state, name))
    job.save()
    job_id = str(job.pk)
    transaction.on_commit(lambda: _announce(job_id))


def _announce(job_id: str) -> None:
    job = ScheduledJob.objects.select_related("workflow").filter(pk=job_id).first()
    if job is not None:
        events.broadcast(
            f"workflow:{job.workflow.slug}",
            "schedule_updated",
            {"id": job_id, "status": job.status, "run_count": job.run_count, "error_count": job.error_count},
        )


def _now() -> datetime:
    return timezone.now().replace(microsecond=0)


def _check_node(*, workflow: Workflow, trigger_node: WorkflowNode) -> None:
    if trigger_node.workflow_id != workflow.pk:
        raise ScheduleError("trigger_node_id", "The trigger node does not belong to this workflow.")
    if trigger_node.component_type != SCHEDULE_COMPONENT:
        raise ScheduleError("trigger_node_id", "Node is not a trigger_schedule.")


@transaction.atomic
def schedule_create(
    *,
    workflow: Workflow,
    trigger_node: WorkflowNode,
    name: str,
    interval_seconds: int,
    user=None,
    description: str = "",
    cron: str = "",
    timezone_name: str = "UTC",
    total_repeats: int = 0,
    max_retries: int = 3,
    timeout_seconds: int = 600,
    trigger_payload: dict | None = None,
) -> ScheduledJob:
    """An active job whose first run is one interval (or the next cron time) from now."""
    _check_node(workflow=workflow, trigger_node=trigger_node)
    if isinstance(timeout_seconds, bool) or not isinstance(timeout_seconds, int) or timeout_seconds < 1:
        raise ScheduleError("timeout_seconds", "timeout_seconds must be an integer >= 1.")
    state = scheduling.schedule_new(
        interval_seconds=interval_seconds,
        now=_now(),
        cron=cron,
        timezone=timezone_name,
        total_repeats=total_repeats,
        max_retries=max_retries,
    )
    job = ScheduledJob(
        name=name,
        description=description,
        workflow=workflow,
        trigger_node=trigger_node,
        user=user,
        timeout_seconds=timeout_seconds,
        trigger_payload=trigger_payload,
    )
    _store(job, state)
    transaction.on_commit(tick_entry_ensure)
    return job


def _locked(job: ScheduledJob) -> ScheduledJob:
    return ScheduledJob.objects.select_for_update().select_related("workflow").get(pk=job.pk)


@transaction.atomic
def schedule_update(*, job: ScheduledJob, changes: dict[str, Any]) -> ScheduledJob:
    """PATCH: plain fields are set; timing/limit changes go through `scheduling.reconfigure`."""
    job = _locked(job)
    timeout = changes.get("timeout_seconds", job.timeout_seconds)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise ScheduleError("timeout_seconds", "timeout_seconds must be an integer >= 1.")
    for name in EDITABLE_FIELDS & set(changes):
        setattr(job, name, changes[name])
    timing = {k: v for k, v in changes.items() if k not in EDITABLE_FIELDS}
    if "timezone_name" in timing:
        timing["timezone"] = timing.pop("timezone_name")
    state = job_state(job)
    if timing:
        scheduling.validate_schedule(
            **{
                k: timing.get(k, getattr(state, k))
                for k in ("interval_seconds", "cron", "timezone", "total_repeats", "max_retries")
            }
        )
        state = scheduling.reconfigure(state, now=_now(), **timing)
    _store(job, state)
    return job


@transaction.atomic
def schedule_pause(*, job: ScheduledJob) -> ScheduledJob:
    job = _locked(job)
    _store(job, scheduling.pause(job_state(job)))
    return job


@transaction.atomic
def schedule_resume(*, job: ScheduledJob) -> ScheduledJob:
    job = _locked(job)
    _store(job, scheduling.resume(job_state(job), now=_now()))
    transaction.on_commit(tick_entry_ensure)
    return job


@transaction.atomic
def schedule_stop(*, job: ScheduledJob) -> ScheduledJob:
    job = _locked(job)
    _store(job, scheduling.stop(job_state(job)))
    return job


@transaction.atomic
def schedule_delete(*, job: ScheduledJob) -> None:
    job.delete()


@transaction.atomic
def schedule_batch_delete(*, jobs) -> int:
    deleted, _ = ScheduledRun.objects.filter(job__in=jobs).delete()
    deleted, _ = jobs.delete()
    return deleted


# --- beat side --------------------------------------------------------------------------------------
def tick_entry_ensure() -> None:
    """The single beat entry firing `pipelit.schedules_tick`; an admin's later edits are kept."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    if PeriodicTask.objects.filter(name=TICK_TASK_NAME).exists():
        return
    every = settings.PIPELIT_SCHEDULE_TICK_SECONDS
    interval = IntervalSchedule.objects.filter(every=every, period=IntervalSchedule.SECONDS).first()
    interval = interval or IntervalSchedule.objects.create(every=every, period=IntervalSchedule.SECONDS)
    try:
        with transaction.atomic():
            _create_tick_entry(interval, every)
    except (IntegrityError, DjangoValidationError):
        pass  # another process (a beat starting, a concurrent create) made it first


def _create_tick_entry(interval, every: int) -> None:
    from django_celery_beat.models import PeriodicTask

    PeriodicTask.objects.get_or_create(
        name=TICK_TASK_NAME,
        defaults={
            "task": TICK_TASK_NAME,
            "interval": interval,
            "expire_seconds": max(every * 5, 5),  # a backlog of ticks while workers were down is dropped
            "description": "Fires due Pipelit scheduled jobs (one claim per job and tick).",
        },
    )


def schedules_tick(*, now: datetime | None = None) -> int:
    """Fire every due job once; returns how many executions were started."""
    now = now or timezone.now()
    due = ScheduledJob.objects.filter(status=ScheduleStatus.ACTIVE, next_run_at__lte=now)
    fired = 0
    for job_id in due.values_list("pk", flat=True):
        try:
            fired += schedule_fire(job_id=job_id, now=now)
        except Exception:
            logger.exception("Scheduled job %s could not be fired", job_id)
    return fired


@transaction.atomic
def schedule_fire(*, job_id, now: datetime) -> bool:
    job = ScheduledJob.objects.select_for_update().select_related("workflow").filter(pk=job_id).first()
    if job is None:
        return False
    state = job_state(job)
    tick = scheduling.due_tick(now, state)
    if tick is None:
        return False
    existing = ScheduledRun.objects.filter(job=job, tick=tick).select_related("execution").first()
    if existing is not None:
        _expire_if_overdue(job, existing, now)
        return False
    try:
        with transaction.atomic():
            run = ScheduledRun.objects.create(job=job, tick=tick)
    except IntegrityError:
        return False  # another tick task claimed this tick
    problem = _unfireable(job) or protection_refusal(workflow=job.workflow)
    if problem:
        _finish(job, run, success=False, error=problem)
        return False
    payload = scheduling.trigger_payload(
        job_id=job.pk, job_name=job.name, state=state, fired_at=tick, payload=job.trigger_payload
    )
    run.execution = execution_create(
        workflow=job.workflow, trigger_node=job.trigger_node, payload=payload, user=job.user
    )
    run.save(update_fields=["execution"])
    return True


def _unfireable(job: ScheduledJob) -> str:
    if not job.workflow.is_active or job.workflow.deleted_at is not None:
        return "Workflow is inactive."
    config = getattr(job.trigger_node, "config", None)
    real = config.get_real_instance() if config is not None else None
    if real is not None and getattr(real, "is_active", True) is False:
        return f"Trigger '{job.trigger_node.node_id}' is inactive."
    return ""


def _expire_if_overdue(job: ScheduledJob, run: ScheduledRun, now: datetime) -> None:
    if run.finished_at is not None or run.created_at + timedelta(seconds=job.timeout_seconds) > now:
        return
    timed_out = _finish(job, run, success=False, error=f"Timed out after {job.timeout_seconds}s.")
    if timed_out and run.execution is not None:
        execution_cancel(execution=run.execution)


def _finish(job: ScheduledJob, run: ScheduledRun, *, success: bool, error: str = "") -> bool:
    """Record a run's outcome once (the run row is the guard) and move the job's state on."""
    claimed = ScheduledRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
        finished_at=timezone.now(), outcome="success" if success else "failure"
    )
    if not claimed:
        return False
    state = job_state(job)
    now = max(_now(), run.tick)  # never before the tick it ran for, so the next tick is a new one
    if success:
        state = scheduling.after_success(state, now=now)
    else:
        state = scheduling.after_failure(state, error or "Execution failed.", now=now)
    _store(job, state)
    return True


def schedule_execution_finished(execution: WorkflowExecution) -> None:
    """Finish hook: a scheduled execution ended; feed its outcome to the job."""
    if not scheduling.fired_by_schedule(execution.trigger_payload):  # no ScheduledRun links it
        return
    run = ScheduledRun.objects.filter(execution=execution, finished_at__isnull=True).first()
    if run is None:
        return
    with transaction.atomic():
        job = ScheduledJob.objects.select_for_update().filter(pk=run.job_id).first()
        if job is None:
            return
        success = execution.status == "completed"
        error = execution.error_message or f"Execution {execution.status}."
        _finish(job, run, success=success, error=error)


def schedule_for_node(*, node: WorkflowNode) -> ScheduledJob | None:
    return ScheduledJob.objects.filter(trigger_node=node).order_by("-created_at").first()


def node_schedule_start(*, node: WorkflowNode, user=None) -> ScheduledJob:
    """(Re)start the node's job from its extra_config; the old job and its counters are replaced."""
    if node.component_type != SCHEDULE_COMPONENT:
        raise ScheduleError("node_id", "Node is not a trigger_schedule.")
    config = getattr(node, "_prefetched_config", None) or getattr(node, "config", None)
    extra = dict(getattr(config, "extra_config", None) or {})
    with transaction.atomic():
        ScheduledJob.objects.filter(trigger_node=node).delete()
        return schedule_create(
            workflow=node.workflow,
            trigger_node=node,
            user=user,
            name=f"schedule:{node.node_id}",
            interval_seconds=extra.get("interval_seconds", 300),
            cron=extra.get("cron", "") or "",
            timezone_name=extra.get("timezone", "UTC") or "UTC",
            total_repeats=extra.get("total_repeats", 0),
            max_retries=extra.get("max_retries", 3),
            timeout_seconds=extra.get("timeout_seconds", 600),
            trigger_payload=extra.get("trigger_payload") or {},
        )


def node_schedule_get(*, node: WorkflowNode) -> ScheduledJob:
    job = schedule_for_node(node=node)
    if job is None:
        raise Http404("No scheduled job for this node.")
    return job
