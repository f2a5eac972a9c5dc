"""Paused executions: the run ends `interrupted`, its state stays in the LangGraph checkpoint, and no
worker waits for it (see orchestrator/interrupts.py for the engine side).

- wait (`_delay_seconds`): a delayed task (`apply_async(countdown=...)`) resumes it; the watchdog
  re-sends the resume of a wait that is long overdue (a broker that lost the delayed task);
- human_confirmation (`_interrupt`) and breakpoints (`interrupt_before`/`interrupt_after`):
  `POST /api/v1/executions/<id>/resume/ {"input": "..."}` or a chat message in the execution's thread
  enqueues the resume with the answer.

The pause is the latest ExecutionLog row with status `waiting` (timer) or `interrupted` (answer or
breakpoint; metadata `reason` = confirmation | before | after). A resume task names the node it resumes,
so a late or repeated task never resumes a later pause. The resume task claims `interrupted -> running`
(exactly once; a cancelled run is never resumed), broadcasts `execution_resumed` and continues the graph
from its checkpoint: nodes that finished before the pause are not run again.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from pipelit import events

from ..models import ExecutionLog, ExecutionStatus, LogStatus, WorkflowExecution
from ..reporting import execution_channels

PAUSE_STATUSES = (LogStatus.WAITING, LogStatus.INTERRUPTED)
WAIT = "wait"
OVERDUE_SECONDS = 60


def execution_pause(*, execution: WorkflowExecution, outcome) -> WorkflowExecution:
    """running -> interrupted, then schedule the resume of a wait (a cancel that landed meanwhile wins)."""
    from ..tasks import resume_execution

    pause = outcome.pause or {}
    updated = WorkflowExecution.objects.filter(pk=execution.pk, status=ExecutionStatus.RUNNING).update(
        status=ExecutionStatus.INTERRUPTED, heartbeat_at=None
    )
    execution.refresh_from_db()
    if not updated:
        return execution
    delay = pause.get("delay_seconds")
    execution_id = str(execution.execution_id)
    data = {"execution_id": execution_id, "node_id": pause.get("node_id"), "reason": pause.get("reason")}
    if delay is None:
        data["prompt"] = pause.get("prompt")
    else:
        data["resume_in"] = float(delay)
    events.broadcast_many(execution_channels(execution), "execution_interrupted", data)
    if delay is not None:
        resume_execution.apply_async((execution_id, pause.get("node_id")), countdown=float(delay))
    return execution


def current_pause(execution: WorkflowExecution) -> ExecutionLog | None:
    """The log row of the pause an `interrupted` execution sits in."""
    return ExecutionLog.objects.filter(execution=execution, status__in=PAUSE_STATUSES).order_by("-id").first()


def pause_reason(log: ExecutionLog | None) -> str | None:
    if log is None:
        return None
    metadata = log.metadata if isinstance(log.metadata, dict) else {}
    return WAIT if log.status == LogStatus.WAITING else metadata.get("reason") or "confirmation"


def waited_child(log: ExecutionLog | None) -> str | None:
    """The child execution a subworkflow pause waits for (its `_interrupt` names it), else None."""
    metadata = log.metadata if log is not None and isinstance(log.metadata, dict) else {}
    interrupt = (metadata.get("directives") or {}).get("_interrupt")
    return interrupt.get("child_execution_id") if isinstance(interrupt, dict) else None


def execution_resume_request(*, execution: WorkflowExecution, answer: str) -> WorkflowExecution:
    """The answer to a pause: 409 unless the run waits for one; the run continues on a worker."""
    from pipelit.api import Conflict

    from ..tasks import resume_execution

    if execution.status != ExecutionStatus.INTERRUPTED:
        raise Conflict(f"Execution is {execution.status}, not waiting for input.")
    log = current_pause(execution)
    if log is None or pause_reason(log) == WAIT:
        raise Conflict("Execution is waiting for a timer, not for input.")
    child = waited_child(log)
    if child:  # only the child's end resumes it (services/subworkflows.py)
        raise Conflict(f"Execution is waiting for child execution {child}, not for input.")
    execution_id, node_id = str(execution.execution_id), log.node_id
    transaction.on_commit(lambda: resume_execution.delay(execution_id, node_id, answer))
    return execution


def execution_resume_claim(*, execution_id: str, owner: str) -> WorkflowExecution | None:
    now = timezone.now()
    claimed = WorkflowExecution.objects.filter(
        execution_id=execution_id, status=ExecutionStatus.INTERRUPTED
    ).update(status=ExecutionStatus.RUNNING, worker_hostname=owner, heartbeat_at=now)
    if not claimed:
        return None
    execution = WorkflowExecution.objects.select_related("workflow").get(execution_id=execution_id)
    events.broadcast_many(
        execution_channels(execution), "execution_resumed", {"execution_id": str(execution.execution_id)}
    )
    return execution


def overdue_waits_resend(*, overdue_seconds: float = OVERDUE_SECONDS) -> list[str]:
    """Re-send the resume of waits past due by `overdue_seconds`, at most once per that period (the
    claim makes a duplicate harmless)."""
    from .. import cancel_flags
    from ..tasks import resume_execution

    sent = []
    now = timezone.now()
    client = cancel_flags._client()
    for execution in WorkflowExecution.objects.filter(status=ExecutionStatus.INTERRUPTED)[:500]:
        log = current_pause(execution)
        if pause_reason(log) != WAIT:
            continue
        delay = float((log.metadata or {}).get("delay_seconds") or 0)
        if log.timestamp + timedelta(seconds=delay + overdue_seconds) >= now:
            continue
        key = f"pipelit:wait-resent:{execution.execution_id}"
        if client.set(key, b"1", nx=True, ex=max(1, int(overdue_seconds))):
            resume_execution.delay(str(execution.execution_id), log.node_id)
            sent.append(str(execution.execution_id))
    return sent


def execution_resume_from_chat(*, workflow, thread_id: str, text: str) -> WorkflowExecution | None:
    """A chat message answers the pause of the latest execution in its thread when that execution is
    `interrupted` waiting for input (a confirmation or a breakpoint); else None (start a new run)."""
    latest = (
        WorkflowExecution.objects.filter(workflow=workflow, thread_id=thread_id)
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None or latest.status != ExecutionStatus.INTERRUPTED:
        return None
    log = current_pause(latest)
    if pause_reason(log) in (None, WAIT) or waited_child(log):  # a child's end resumes that one
        return None
    return execution_resume_request(execution=latest, answer=text)
