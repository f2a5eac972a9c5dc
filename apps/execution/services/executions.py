"""Execution lifecycle: create + enqueue (web side), run + finalise (worker side), cancel, delete."""

from __future__ import annotations

import functools
import json
import logging
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from apps.workflows.models import Workflow, WorkflowNode
from pipelit import broker_send, events, sql
from pipelit.api import ServiceUnavailable

from .. import cancel_flags, hooks
from ..hooks import run_finish_hooks
from ..models import ACTIVE_STATUSES, ExecutionStatus, WorkflowExecution
from ..reporting import DbReporter, execution_channels, jsonable
from ..snapshots import graph_snapshot

logger = logging.getLogger(__name__)

FINISH_EVENT = {
    ExecutionStatus.COMPLETED: "execution_completed",
    ExecutionStatus.FAILED: "execution_failed",
    ExecutionStatus.CANCELLED: "execution_cancelled",
}


QUEUE_UNAVAILABLE = "The task queue (Redis) is unavailable; the execution was not started. Try again shortly."


def execution_enqueue(execution: WorkflowExecution) -> None:
    """Send the run to a worker once the creating transaction has committed.

    When the broker cannot be reached the run is failed (`queue_unavailable`) and ServiceUnavailable
    (503) is raised to the caller: a trigger is either accepted and queued, or refused, never left
    pending in silence."""
    execution_id = str(execution.execution_id)
    transaction.on_commit(lambda: _send(execution_id))


def _send(execution_id: str) -> None:
    from ..tasks import execute_workflow

    try:
        broker_send.send(execute_workflow, execution_id)  # execute_workflow.delay(execution_id)
    except (KombuOperationalError, RedisError, OSError) as exc:
        logger.warning("could not enqueue execution %s: %s", execution_id, exc)
        WorkflowExecution.objects.filter(execution_id=execution_id, status=ExecutionStatus.PENDING).update(
            status=ExecutionStatus.FAILED,
            error_code="queue_unavailable",
            error_message=QUEUE_UNAVAILABLE,
            completed_at=timezone.now(),
        )
        raise ServiceUnavailable(QUEUE_UNAVAILABLE) from exc


@transaction.atomic
def execution_create(
    *,
    workflow: Workflow,
    trigger_node: WorkflowNode,
    payload: dict[str, Any],
    user=None,
    execution_id: uuid.UUID | None = None,
    parent_execution: WorkflowExecution | None = None,
    parent_node_key: str = "",
    thread_id: str = "",
    finish_channel: str = "",
    enqueue: bool = True,
) -> WorkflowExecution:
    """A pending run, sent to a worker after commit (`enqueue`). `finish_channel`: an internal event
    channel that also gets the finish event (a waiting caller, apps/execution/waiting.py)."""
    execution = WorkflowExecution(
        execution_id=execution_id or uuid.uuid4(),
        workflow=workflow,
        trigger_node=trigger_node,
        trigger_node_key=trigger_node.node_id,
        triggered_by=user,
        trigger_payload=jsonable(payload),
        parent_execution=parent_execution,
        parent_node_key=parent_node_key,
        depth=(parent_execution.depth + 1) if parent_execution else 0,
        thread_id=thread_id,
        finish_channel=finish_channel,
    )
    _insert(execution)
    if enqueue:
        execution_enqueue(execution)
    return execution


def _insert(execution: WorkflowExecution) -> None:
    """Write a new run as `save(force_insert=True)` writes it (the same columns and values: each field's
    pre_save, then get_db_prep_save), with the statement written out (pipelit/sql.py): every trigger
    creates one, and compiling the ORM's INSERT cost more than the database's work. The model has no
    save() override and no save signal receivers (tests/execution/services/test_execution_insert.py
    fails when one appears, since this path would skip it)."""
    connection = connections["default"]
    statement, fields, returned = _insert_statement(connection.features.can_return_columns_from_insert)
    params = [field.get_db_prep_save(field.pre_save(execution, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        if returned is None:
            meta = WorkflowExecution._meta
            execution.pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
        else:
            (execution.pk,) = sql.convert(cursor.fetchone(), returned, connection)
    execution._state.adding = False
    execution._state.db = "default"


@functools.cache
def _insert_statement(returning: bool) -> tuple[str, tuple, dict | None]:
    """The INSERT (every concrete field but the generated id, in field order), its fields, and the
    converters of the id it returns (None: read it with last_insert_id)."""
    meta = WorkflowExecution._meta
    fields = tuple(field for field in meta.local_concrete_fields if field is not meta.auto_field)
    column = functools.partial(sql.column, WorkflowExecution)
    statement = (
        f"INSERT INTO {column()} ({', '.join(column(field.name) for field in fields)}) "
        f"VALUES {sql.values(len(fields), 1)}"
    )
    if not returning:
        return statement, fields, None
    return f"{statement} RETURNING {column('id')}", fields, sql.converters(WorkflowExecution, ("id",))


def _claim(execution_id: str, owner: str) -> WorkflowExecution | None:
    """pending -> running, exactly once; a redelivered task for a claimed run gets None. Both
    statements run for every execution, so they are written out and compiled once (pipelit/sql.py)."""
    connection = connections["default"]
    now = WorkflowExecution._meta.get_field("started_at").get_db_prep_value(timezone.now(), connection)
    key = WorkflowExecution._meta.get_field("execution_id").get_db_prep_value(
        uuid.UUID(execution_id), connection
    )
    # A recovered run keeps its first start.
    if not sql.execute(
        _claim_sql(), [ExecutionStatus.RUNNING.value, now, owner, now, key, ExecutionStatus.PENDING.value]
    ):
        return None
    return _claimed(key)


@functools.cache
def _claim_sql() -> str:
    column = functools.partial(sql.column, WorkflowExecution)
    status, started = column("status"), column("started_at")
    return (
        f"UPDATE {column()} SET {status} = %s, {started} = COALESCE({started}, %s), "
        f"{column('worker_hostname')} = %s, {column('heartbeat_at')} = %s "
        f"WHERE {column('execution_id')} = %s AND {status} = %s"
    )


@functools.cache
def _claimed_query() -> tuple[sql.CompiledSelect, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The run with every column of itself, its workflow and its trigger node, compiled once."""
    fields = sql.attnames(WorkflowExecution), sql.attnames(Workflow), sql.attnames(WorkflowNode)
    columns = (*fields[0], *(f"workflow__{n}" for n in fields[1]), *(f"trigger_node__{n}" for n in fields[2]))
    sentinel = uuid.UUID(int=0)  # no uuid4 is all zeros
    rows = WorkflowExecution.objects.filter(execution_id=sentinel).values_list(*columns)
    key = WorkflowExecution._meta.get_field("execution_id").get_db_prep_value(
        sentinel, connections["default"]
    )
    return sql.compile_select(rows, {"key": key}), *fields


def _claimed(key) -> WorkflowExecution:
    """The claimed run with its workflow and trigger node loaded, as select_related loads them."""
    query, execution_fields, workflow_fields, node_fields = _claimed_query()
    row = sql.select_row(query, key=key)
    e, w = len(execution_fields), len(execution_fields) + len(workflow_fields)
    execution = sql.loaded(WorkflowExecution, "default", execution_fields, row[:e])
    execution.workflow = sql.loaded(Workflow, "default", workflow_fields, row[e:w])
    node = row[w:]
    execution.trigger_node = (
        sql.loaded(WorkflowNode, "default", node_fields, node) if node[0] is not None else None
    )
    return execution


def _claim_redelivered(execution_id: str, owner: str) -> WorkflowExecution | None:
    """A task delivered again for a `running` run: if its worker is gone, apply the lost-run rule
    (services/recovery.py): continue it here from its checkpoint, or it is failed `worker_lost`."""
    from .recovery import execution_recover, owner_lost

    execution = WorkflowExecution.objects.filter(
        execution_id=execution_id, status=ExecutionStatus.RUNNING
    ).first()
    if execution is None or execution.worker_hostname == owner or not owner_lost(execution):
        return None
    if execution_recover(execution=execution, enqueue=False) == "requeued":
        return _claim(execution_id, owner)
    return None


def execution_run(*, execution_id: str, worker: str | None = None) -> WorkflowExecution | None:
    """Worker side: run the graph from the trigger node and finalise. Idempotent per execution.

    `worker` is the Celery node name (task.request.hostname) recorded as the run's owner."""
    from .recovery import owner_id

    owner = owner_id(worker)
    execution = _claim(execution_id, owner) or _claim_redelivered(execution_id, owner)
    if execution is None:
        return None
    _broadcast_started(execution)
    return _run_claimed(execution)


def execution_resume_run(
    *, execution_id: str, worker: str | None = None, node_id: str | None = None, resume_input=None
) -> WorkflowExecution | None:
    """Worker side: continue an `interrupted` run from its checkpoint (services/pauses.py). With
    `node_id`, only when it is still paused at that node (a late or repeated task does nothing)."""
    from ..orchestrator.interrupts import Resume
    from .pauses import current_pause, execution_resume_claim
    from .recovery import owner_id

    paused = WorkflowExecution.objects.filter(
        execution_id=execution_id, status=ExecutionStatus.INTERRUPTED
    ).first()
    if paused is None:
        return None
    pause = current_pause(paused)
    if node_id is not None and (pause is None or pause.node_id != node_id):
        return None
    execution = execution_resume_claim(execution_id=execution_id, owner=owner_id(worker))
    if execution is None:
        return None
    resume = Resume(node_id=pause.node_id if pause else None, input=resume_input)
    return _run_claimed(execution, resume=resume)


def _broadcast_started(execution: WorkflowExecution) -> None:
    events.broadcast_many(
        execution_channels(execution),
        "execution_started",
        {
            "execution_id": str(execution.execution_id),
            "workflow_slug": execution.workflow.slug,
            "trigger_node_id": execution.trigger_node_key,
        },
    )


def _run_claimed(execution: WorkflowExecution, *, resume=None) -> WorkflowExecution:
    """Run (or continue) the graph. Without `resume` this may be a run recovered after its worker died:
    it continues from the last checkpoint, and nodes already logged are replayed, not run again."""
    from ..orchestrator import run_graph  # LangGraph loads in workers only, not in web or beat

    snapshot = graph_snapshot(workflow=execution.workflow)
    reporter = DbReporter(execution, {n.node_id: n.component_type for n in snapshot.nodes})
    fresh = resume is None and _first_attempt(execution)
    outcome = run_graph(
        snapshot,
        execution.trigger_node_key,
        execution.trigger_payload,
        reporter,
        execution_id=str(execution.execution_id),
        sub_component_resolver=sub_component_resolver(),
        preset=None if fresh or resume is not None else logged_results(execution),
        resume=resume,
        recover=resume is None,
    )
    if fresh:  # a first attempt logged every row of the run through this reporter
        hooks.finished_nodes_set(execution, reporter.logged_nodes())
    return execution_finalize(execution=execution, outcome=outcome)


def _first_attempt(execution: WorkflowExecution) -> bool:
    """A run claimed for the first time has nothing logged yet (no query needed): `_claim` set its
    heartbeat and its start to the same instant, while a recovered run keeps its first start."""
    return execution.started_at is not None and execution.started_at == execution.heartbeat_at


def logged_results(execution: WorkflowExecution) -> dict:
    """node id -> NodeResult for every node logged success/skipped (empty for a fresh run)."""
    from ..results import NodeResult, NodeStatus

    return {
        log.node_id: NodeResult(status=NodeStatus(log.status), data=log.output, metadata=log.metadata or {})
        for log in execution.logs.filter(status__in=("success", "skipped")).order_by("id")
    }


def sub_component_resolver():
    """The configured resolver (settings.PIPELIT_SUB_COMPONENT_RESOLVER), or None when unset."""
    path = getattr(settings, "PIPELIT_SUB_COMPONENT_RESOLVER", "")
    return import_string(path) if path else None


def execution_finalize(*, execution: WorkflowExecution, outcome) -> WorkflowExecution:
    if outcome.status == ExecutionStatus.INTERRUPTED:
        from .pauses import execution_pause

        return execution_pause(execution=execution, outcome=outcome)
    _forget_checkpoints(execution)
    status = ExecutionStatus(outcome.status)
    usage = outcome.token_usage or {}
    now = timezone.now()
    started = execution.started_at or now
    fields = {
        "status": status,
        "final_output": jsonable(outcome.final_output),
        "error_message": outcome.error or "",
        "error_code": outcome.error_code or "",
        "completed_at": now,
        "duration_ms": int((now - started).total_seconds() * 1000),
        "total_tokens": int(usage.get("total_tokens", 0) or 0),
        "total_cost_usd": Decimal(str(usage.get("cost_usd", 0) or 0)),
        "llm_calls": int(usage.get("llm_calls", 0) or 0),
    }
    # A cancel that landed while we ran has already written the final status: keep it.
    if not _finalize_update(execution.pk, fields):
        # Cancelled meanwhile: the row holds the final status, not `fields`; and the cancel's flag is
        # set (or about to be). Only then is there a flag to clear: execution_cancel sets it after
        # committing `cancelled`, a final status, so a run whose own final UPDATE won has none.
        cancel_flags.clear(execution.execution_id)
        execution.refresh_from_db()
        return execution
    for name, value in fields.items():  # what the UPDATE wrote; no second read of the row
        setattr(execution, name, value)
    execution.final_output = json.loads(json.dumps(fields["final_output"]))  # as the JSON column reads
    execution_finished(execution=execution)
    return execution


_FINAL_FIELDS = (
    "status",
    "final_output",
    "error_message",
    "error_code",
    "completed_at",
    "duration_ms",
    "total_tokens",
    "total_cost_usd",
    "llm_calls",
)


def _finalize_update(pk: int, fields: dict) -> bool:
    """`filter(pk=pk, status=running).update(**fields)` (the _FINAL_FIELDS) as the ORM writes it, with
    the statement written out (pipelit/sql.py): it runs for every execution. Whether the row changed."""
    connection = connections["default"]
    as_json = sql.saver(WorkflowExecution, "final_output", connection)
    as_datetime = sql.saver(WorkflowExecution, "completed_at", connection)
    as_decimal = sql.saver(WorkflowExecution, "total_cost_usd", connection)
    params = [
        fields["status"].value,
        as_json(fields["final_output"]),
        fields["error_message"],
        fields["error_code"],
        as_datetime(fields["completed_at"]),
        fields["duration_ms"],
        fields["total_tokens"],
        as_decimal(fields["total_cost_usd"]),
        fields["llm_calls"],
        pk,
        ExecutionStatus.RUNNING.value,
    ]
    return bool(sql.execute(_finalize_sql(), params))


@functools.cache
def _finalize_sql() -> str:
    column = functools.partial(sql.column, WorkflowExecution)
    assigned = ", ".join(f"{column(name)} = %s" for name in _FINAL_FIELDS)
    return f"UPDATE {column()} SET {assigned} WHERE {column('id')} = %s AND {column('status')} = %s"


def _forget_checkpoints(execution: WorkflowExecution) -> None:
    """A finished run needs its graph state no more (best effort: a failure here changes nothing)."""
    from .. import checkpoints

    try:
        checkpoints.checkpoint_delete(thread_id=str(execution.execution_id))
    except Exception:
        logger.exception("execution %s: deleting its checkpoints failed", execution.execution_id)


def execution_finished(*, execution: WorkflowExecution) -> None:
    """After a run reached its final status (committed), in this order: the BEFORE_EVENT finish hooks
    (circuit count), the finish event (a waiting caller gets its answer), the AFTER_EVENT hooks
    (database bookkeeping), and — only when there is such work — the `pipelit.execution_after_finish`
    task for the TASK hooks (a Telegram reply) and, for a failed run, the error handler (hooks.py)."""
    run_finish_hooks(execution, stage=hooks.BEFORE_EVENT)
    _broadcast_finish(execution)
    run_finish_hooks(execution, stage=hooks.AFTER_EVENT)
    if execution.status == ExecutionStatus.FAILED or hooks.task_hooks_apply(execution):
        execution_id = str(execution.execution_id)
        transaction.on_commit(lambda: _send_after_finish(execution_id, execution))


def _send_after_finish(execution_id: str, execution: WorkflowExecution) -> None:
    from ..tasks import execution_after_finish_task

    try:
        execution_after_finish_task.delay(execution_id)
    except (KombuOperationalError, RedisError, OSError) as exc:  # no broker: do it here, now
        logger.warning(
            "execution %s: could not enqueue its finish work (%s); doing it here", execution_id, exc
        )
        _after_finish(execution)


def execution_after_finish(*, execution_id: str) -> None:
    """The TASK-stage finish hooks of a finished run and, when it failed, its workflow's error handler
    (services/error_handlers.py). Run by the `pipelit.execution_after_finish` task."""
    execution = (
        WorkflowExecution.objects.select_related("workflow", "trigger_node")
        .filter(execution_id=execution_id)
        .first()
    )
    if execution is None or execution.status in ACTIVE_STATUSES:
        return
    _after_finish(execution)


def _after_finish(execution: WorkflowExecution) -> None:
    from .error_handlers import error_handler_fire

    run_finish_hooks(execution, stage=hooks.TASK)
    if execution.status == ExecutionStatus.FAILED:
        try:
            error_handler_fire(execution=execution)
        except Exception:  # the failed run stays failed; a broken handler must not hide that
            logger.exception("execution %s: starting the error handler failed", execution.execution_id)


def _broadcast_finish(execution: WorkflowExecution) -> None:
    data = {
        "execution_id": str(execution.execution_id),
        "status": execution.status,
        "duration_ms": execution.duration_ms,
        "final_output": execution.final_output,
    }
    if execution.status == ExecutionStatus.FAILED:
        data.update(error=execution.error_message, error_code=execution.error_code)
    channels = execution_channels(execution)
    if execution.finish_channel:
        channels.append(execution.finish_channel)
    events.broadcast_many(channels, FINISH_EVENT[ExecutionStatus(execution.status)], data)


@transaction.atomic
def execution_cancel(*, execution: WorkflowExecution) -> WorkflowExecution:
    """pending/running/interrupted -> cancelled; finished executions come back unchanged."""
    locked = WorkflowExecution.objects.select_for_update().select_related("workflow").get(pk=execution.pk)
    if locked.status not in ACTIVE_STATUSES:
        return locked
    now = timezone.now()
    locked.status = ExecutionStatus.CANCELLED
    locked.completed_at = now
    if locked.started_at:
        locked.duration_ms = int((now - locked.started_at).total_seconds() * 1000)
    locked.save(update_fields=["status", "completed_at", "duration_ms"])
    execution_id = str(locked.execution_id)
    transaction.on_commit(lambda: cancel_flags.request_cancel(execution_id))
    transaction.on_commit(lambda: _broadcast_finish(locked))
    transaction.on_commit(lambda: run_finish_hooks(locked))
    for child in locked.child_executions.filter(status__in=ACTIVE_STATUSES):
        execution_cancel(execution=child)
    return locked


@transaction.atomic
def execution_batch_delete(*, executions) -> int:
    deleted, _ = executions.delete()
    return deleted
