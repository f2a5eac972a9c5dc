"""Paused executions: the run ends `interrupted` and no worker waits for it.

- wait (`_delay_seconds`): a delayed task (`apply_async(countdown=...)`) resumes it;
- human_confirmation (`_interrupt`): `POST /api/v1/executions/<id>/resume/ {"input": "..."}` enqueues
  the resume with the answer (the node re-runs with `ctx.resume_input`). A resume task names the node
  it resumes, so a late or repeated task never resumes a later pause.

Design (the orchestrator runs a graph in one invoke, so there is no LangGraph checkpoint here): the
state to resume from is what the ExecutionLog already holds. A wait node returns `_delay_seconds`; the
orchestrator logs it `waiting`, stops starting nodes and returns an `interrupted` outcome. We set the
execution `interrupted`, broadcast `execution_interrupted` and schedule `pipelit.resume_execution`
with `apply_async(countdown=delay)`. The resume task claims `interrupted -> running` (exactly once;
a cancelled run is never resumed), broadcasts `execution_resumed` and runs the graph again with every
logged success/skipped result replayed (not re-run, not re-logged) and the waiting node re-run with its
pause ignored; that node gets a second log row (`success`).
"""

from __future__ import annotations

from django.utils import timezone

from pipelit import events

from ..models import ExecutionLog, ExecutionStatus, WorkflowExecution
from ..reporting import execution_channels
from ..results import NodeResult, NodeStatus

REPLAYED = {str(NodeStatus.SUCCESS), str(NodeStatus.SKIPPED)}


def execution_pause(*, execution: WorkflowExecution, outcome) -> WorkflowExecution:
    """running -> interrupted, then schedule the resume (a cancel that landed meanwhile wins)."""
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
    data = {"execution_id": execution_id, "node_id": pause.get("node_id")}
    if delay is None:  # waits for an answer: POST /executions/<id>/resume/
        data.update(reason="confirmation", prompt=pause.get("prompt"))
    else:
        data.update(reason="wait", resume_in=float(delay))
    events.broadcast_many(execution_channels(execution), "execution_interrupted", data)
    if delay is not None:
        resume_execution.apply_async((execution_id, pause.get("node_id")), countdown=float(delay))
    return execution


def paused_node(execution: WorkflowExecution) -> tuple[str | None, dict]:
    """(the node the run is paused at, its waiting log metadata)."""
    preset, waiting = resume_point(execution)
    if waiting is None:
        return None, {}
    log = ExecutionLog.objects.filter(execution=execution, node_id=waiting, status="waiting").last()
    return waiting, (log.metadata or {}) if log else {}


def execution_resume_request(*, execution: WorkflowExecution, answer: str) -> WorkflowExecution:
    """The answer to a confirmation pause: 409 unless the run waits for one; the run continues on a worker."""
    from django.db import transaction

    from pipelit.api import Conflict

    from ..tasks import resume_execution

    if execution.status != ExecutionStatus.INTERRUPTED:
        raise Conflict(f"Execution is {execution.status}, not waiting for input.")
    node_id, metadata = paused_node(execution)
    if node_id is None or metadata.get("delay_seconds") is not None:
        raise Conflict("Execution is waiting for a timer, not for input.")
    interrupt = (metadata.get("directives") or {}).get("_interrupt")
    if isinstance(interrupt, dict) and interrupt.get("child_execution_id"):  # resumed by the child's end
        raise Conflict(
            f"Execution is waiting for child execution {interrupt['child_execution_id']}, not for input."
        )
    execution_id = str(execution.execution_id)
    transaction.on_commit(lambda: resume_execution.delay(execution_id, node_id, answer))
    return execution


def resume_point(execution: WorkflowExecution) -> tuple[dict[str, NodeResult], str | None]:
    """(results to replay, the node the run paused at) from the execution's log."""
    preset: dict[str, NodeResult] = {}
    waiting = None
    for log in ExecutionLog.objects.filter(execution=execution).order_by("id"):
        if log.status == "waiting":
            waiting = log.node_id
        elif log.status in REPLAYED:
            preset[log.node_id] = NodeResult(
                status=NodeStatus(log.status), data=log.output, metadata=log.metadata or {}
            )
    if waiting in preset:  # already resumed past it
        waiting = None
    return preset, waiting


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
