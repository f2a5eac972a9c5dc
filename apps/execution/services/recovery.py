"""Crash recovery: runs whose worker died, and pending runs no worker picked up.

Liveness. The worker that claims a run writes `worker_hostname` = "<celery node name>#<pid>" and keeps
`heartbeat_at` fresh while the graph runs (DbReporter.tick, every EXECUTION_HEARTBEAT_INTERVAL_SECONDS,
also while a long node is busy). The owner of a run is alive when
- it is on this host: its process exists (a definitive answer, no waiting);
- else: its Celery node answers a ping.

Rule for a lost run (`execution_recover`): it is put back to `pending` and enqueued again, and the
worker that claims it continues from the run's last LangGraph checkpoint (apps/execution/checkpoints.py,
written after every superstep). Nodes that finished are not run again: those in the checkpoint are
skipped by LangGraph, and a node whose log row was written but whose checkpoint was not (the worker
died in between; the log row is always written first) is replayed from its log. Only the node(s) in
flight when the worker died run again -- at-least-once for that one step; each node is still logged
exactly once. A run lost MAX_RECOVERIES times (a node that kills its worker every time) is `failed`
with error_code `worker_lost` instead.

Who calls it:
- `execution_run` when a task is delivered again for a run that is `running` (acks_late +
  reject_on_worker_lost re-deliver when a worker dies) and its owner is lost;
- the beat-scheduled watchdog (`execution_watchdog`) for `running` runs whose heartbeat is older than
  EXECUTION_HEARTBEAT_TIMEOUT_SECONDS and whose owner is not alive, and for `pending` runs older than
  EXECUTION_PENDING_REQUEUE_SECONDS (re-enqueued at most once per that period; a duplicate delivery is
  harmless: only one task can claim a pending run). It also re-sends the resume of waits long overdue
  (services/pauses.py).
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import cancel_flags
from ..models import ExecutionStatus, WorkflowExecution
from .pauses import overdue_waits_resend

logger = logging.getLogger(__name__)

WORKER_LOST = "worker_lost"
MAX_RECOVERIES = 3
WATCHDOG_TASK_NAME = "pipelit.execution_watchdog"


def owner_id(node_name: str | None = None) -> str:
    return f"{node_name or socket.gethostname()}#{os.getpid()}"


def _parse_owner(owner: str) -> tuple[str, int | None]:
    node, _, pid = owner.rpartition("#")
    if not node:
        return owner, None
    try:
        return node, int(pid)
    except ValueError:
        return owner, None


def _same_host(node: str) -> bool:
    return node.rpartition("@")[2] == socket.gethostname() or node == socket.gethostname()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Liveness:
    """Answers "is this owner alive?"; pings the Celery cluster at most once (only when needed)."""

    def __init__(self) -> None:
        self._nodes: set[str] | None = None

    def _ping(self) -> set[str]:
        if self._nodes is None:
            from pipelit.celery import app

            try:
                replies = app.control.ping(timeout=1.0) or []
            except Exception:  # broker trouble: assume everyone is alive rather than fail runs
                logger.exception("watchdog: ping failed")
                return {"*"}
            self._nodes = {name for reply in replies for name in reply}
        return self._nodes

    def alive(self, owner: str) -> bool:
        if not owner:
            return False
        node, pid = _parse_owner(owner)
        if pid is not None and _same_host(node):
            return _pid_alive(pid)
        nodes = self._ping()
        return "*" in nodes or node in nodes


def owner_lost(execution: WorkflowExecution) -> bool:
    """For a re-delivered task: is the worker that claimed this run gone? On this host the process
    answers at once; a remote owner is lost only once its heartbeat is stale too."""
    node, pid = _parse_owner(execution.worker_hostname)
    if pid is not None and _same_host(node):
        return not _pid_alive(pid)
    timeout = timedelta(seconds=settings.EXECUTION_HEARTBEAT_TIMEOUT_SECONDS)
    beat = execution.heartbeat_at or execution.started_at
    if beat is not None and timezone.now() - beat < timeout:
        return False
    return not _Liveness().alive(execution.worker_hostname)


@transaction.atomic
def execution_recover(*, execution: WorkflowExecution, enqueue: bool = True) -> str | None:
    """Apply the lost-run rule to a `running` execution -> "requeued" | "failed" | None (not running)."""
    from .executions import execution_enqueue, execution_finished

    locked = WorkflowExecution.objects.select_for_update().select_related("workflow").get(pk=execution.pk)
    if locked.status != ExecutionStatus.RUNNING:
        return None
    lost_owner = locked.worker_hostname
    if _count_recovery(str(locked.execution_id)) <= MAX_RECOVERIES:
        locked.status = ExecutionStatus.PENDING
        locked.worker_hostname = ""
        locked.heartbeat_at = None
        locked.save(update_fields=["status", "worker_hostname", "heartbeat_at"])
        if enqueue:
            execution_enqueue(locked)
        logger.warning("execution %s: worker %s lost; resumed from its checkpoint", locked, lost_owner)
        return "requeued"
    now = timezone.now()
    locked.status = ExecutionStatus.FAILED
    locked.error_message = f"the worker running this execution was lost ({lost_owner or 'unknown'})"
    locked.error_code = WORKER_LOST
    locked.completed_at = now
    if locked.started_at:
        locked.duration_ms = int((now - locked.started_at).total_seconds() * 1000)
    locked.save(update_fields=["status", "error_message", "error_code", "completed_at", "duration_ms"])
    execution_id = str(locked.execution_id)
    transaction.on_commit(lambda: cancel_flags.clear(execution_id))
    transaction.on_commit(lambda: execution_finished(execution=locked))
    logger.warning("execution %s failed: worker %s lost", locked, lost_owner)
    return "failed"


def _count_recovery(execution_id: str) -> int:
    client = cancel_flags._client()
    key = f"pipelit:recoveries:{execution_id}"
    count = client.incr(key)
    client.expire(key, 7 * 24 * 3600)
    return int(count)


@dataclass
class WatchdogReport:
    failed: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)  # running runs sent to continue from a checkpoint
    reenqueued: list[str] = field(default_factory=list)  # pending runs sent again
    waits_resent: list[str] = field(default_factory=list)  # overdue waits whose resume was sent again


def execution_watchdog(
    *, stale_seconds: float | None = None, pending_seconds: float | None = None
) -> WatchdogReport:
    """Fail (or re-run) stale `running` runs whose worker is gone; re-enqueue long-`pending` runs."""
    if stale_seconds is None:
        stale_seconds = settings.EXECUTION_HEARTBEAT_TIMEOUT_SECONDS
    if pending_seconds is None:
        pending_seconds = settings.EXECUTION_PENDING_REQUEUE_SECONDS
    now = timezone.now()
    report = WatchdogReport()
    stale_before = now - timedelta(seconds=stale_seconds)
    stale = WorkflowExecution.objects.filter(status=ExecutionStatus.RUNNING).filter(
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, started_at__lt=stale_before)
    )
    liveness = _Liveness()
    for execution in stale.only("pk", "execution_id", "worker_hostname"):
        if liveness.alive(execution.worker_hostname):
            continue
        outcome = execution_recover(execution=execution)
        if outcome == "failed":
            report.failed.append(str(execution.execution_id))
        elif outcome == "requeued":
            report.requeued.append(str(execution.execution_id))
    report.reenqueued = _reenqueue_pending(now - timedelta(seconds=pending_seconds), pending_seconds)
    report.waits_resent = overdue_waits_resend()
    return report


def _reenqueue_pending(created_before, period: float) -> list[str]:
    from ..tasks import execute_workflow

    sent = []
    pending = WorkflowExecution.objects.filter(status=ExecutionStatus.PENDING, created_at__lt=created_before)
    client = cancel_flags._client()
    for execution_id in pending.values_list("execution_id", flat=True)[:500]:
        key = f"pipelit:requeued:{execution_id}"
        if client.set(key, b"1", nx=True, ex=max(1, int(period))):
            execute_workflow.delay(str(execution_id))
            sent.append(str(execution_id))
    return sent


def watchdog_schedule_ensure(**_kwargs) -> None:
    """post_migrate: the beat schedule for the watchdog (idempotent; interval = half the timeout)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every = max(5, int(settings.EXECUTION_HEARTBEAT_TIMEOUT_SECONDS // 2))
    schedule, _ = IntervalSchedule.objects.get_or_create(every=every, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update_or_create(
        name=WATCHDOG_TASK_NAME,
        defaults={"task": WATCHDOG_TASK_NAME, "interval": schedule, "enabled": True},
    )
