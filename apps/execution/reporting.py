"""The worker's NodeReporter: one ExecutionLog row and one `node_status` event per node result.

Rows are written as each node finishes, or — when the bridge asks for batching (a light plan, see
orchestrator/bridge.py) — kept and written together: at the end of the run, or on the heartbeat
tick once the oldest has waited BATCH_MAX_AGE_SECONDS (a long node does not hide earlier rows from
the REST API for longer than that).
"""

from __future__ import annotations

import functools
import json
import threading
import time
from datetime import timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from pipelit import events, sql

from . import cancel_flags
from .models import ExecutionLog, ExecutionStatus, LogStatus, WorkflowExecution
from .results import NodeResult, NodeStatus

_CANCEL_CHECK_INTERVAL = 0.05  # seconds; a Redis EXISTS per node boundary at most this often
BATCH_MAX_AGE_SECONDS = 0.25
_LOG_STATUSES = frozenset(LogStatus.values)


# The columns of an ExecutionLog row as the reporter writes it, in its INSERT's order; `timestamp`
# (auto_now_add) is set when the row is written, as the ORM sets it.
_LOG_FIELDS = (
    "execution",
    "node_id",
    "component_type",
    "status",
    "input",
    "output",
    "error",
    "error_code",
    "metadata",
    "started_at",
    "duration_ms",
    "retry_count",
    "timestamp",
)
_LOG_ROWS_PER_INSERT = 64  # 832 parameters: under SQLite's 999


class LogRow(NamedTuple):
    """An ExecutionLog row to write, in Python form (the order of _LOG_FIELDS, less `timestamp`)."""

    execution_id: int
    node_id: str
    component_type: str
    status: str
    input: Any
    output: Any
    error: str
    error_code: str | None
    metadata: Any
    started_at: Any
    duration_ms: int
    retry_count: int


@functools.cache
def _log_insert_sql(count: int) -> str:
    """INSERT of `count` rows (at most _LOG_ROWS_PER_INSERT: the cache stays small)."""
    columns = ", ".join(sql.column(ExecutionLog, name) for name in _LOG_FIELDS)
    return f"INSERT INTO {sql.column(ExecutionLog)} ({columns}) VALUES {sql.values(len(_LOG_FIELDS), count)}"


def log_rows_insert(rows: list[LogRow]) -> None:
    """Write ExecutionLog rows as `ExecutionLog.objects.bulk_create` writes them, with statements
    written out (pipelit/sql.py): compiling the ORM's INSERT cost more than the rest of a batch of
    six. One statement per _LOG_ROWS_PER_INSERT rows; several run in one transaction, as bulk_create's."""
    connection = connections["default"]
    as_json = sql.saver(ExecutionLog, "input", connection)  # the JSON columns share one encoder (none)
    as_datetime = sql.saver(ExecutionLog, "started_at", connection)
    timestamp = as_datetime(timezone.now())
    params = []
    for row in rows:
        params += (
            row.execution_id,
            row.node_id,
            row.component_type,
            row.status,
            as_json(row.input),
            as_json(row.output),
            row.error,
            row.error_code,
            as_json(row.metadata),
            as_datetime(row.started_at),
            row.duration_ms,
            row.retry_count,
            timestamp,
        )
    width, step = len(_LOG_FIELDS), _LOG_ROWS_PER_INSERT
    if len(rows) <= step:
        sql.execute(_log_insert_sql(len(rows)), params)
        return
    with transaction.atomic(savepoint=False):
        for start in range(0, len(rows), step):
            chunk = params[start * width : (start + step) * width]
            sql.execute(_log_insert_sql(len(chunk) // width), chunk)


class LoggedNode(NamedTuple):
    """What the reporter logged for one node result (the columns of its ExecutionLog row)."""

    node_id: str
    component_type: str
    status: str
    duration_ms: int


def jsonable(value: Any) -> Any:
    """What a JSON column and an event can carry (LangChain messages, datetimes ... become text)."""
    if _plain(value, [_PLAIN_BUDGET]):
        return value
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=str))


_PLAIN_BUDGET = 64  # values looked at before handing the check to json.dumps (faster on big values)
_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any, budget: list[int]) -> bool:
    """True when `value` is made only of str-keyed dicts, lists and JSON scalars (exact types), found
    within `budget` values; False means "not sure" (json.dumps decides)."""
    budget[0] -= 1
    if budget[0] < 0:
        return False
    kind = type(value)
    if kind in _SCALARS:
        return True
    # Plain loops: all() over a generator costs twice as much here.
    if kind is dict:
        for key, item in value.items():  # noqa: SIM110
            if type(key) is not str or not _plain(item, budget):
                return False
        return True
    if kind is list:
        for item in value:  # noqa: SIM110
            if not _plain(item, budget):
                return False
        return True
    return False


def execution_channels(execution) -> list[str]:
    return [f"workflow:{execution.workflow.slug}", f"execution:{execution.execution_id}"]


class DbReporter:
    """Thread-safe: parallel branches report from LangGraph's worker threads."""

    # should_cancel reads a Redis flag (redis-py's client is thread-safe), never the ORM: the bridge may
    # call it from the graph's threads, without a round trip to the worker thread (orchestrator/bridge.py).
    cancel_check_thread_safe = True
    # While batching, node_running/node_finished touch no database (the row is kept, the event is
    # queued for the publisher thread): the bridge may call them from the graph's threads.
    batch_thread_safe = True

    def __init__(self, execution, component_types: dict[str, str]):
        self.execution = execution
        self.execution_id = str(execution.execution_id)
        self.channels = execution_channels(execution)
        self.component_types = component_types
        self._inputs: dict[str, Any] = {}
        # Made right after the run was claimed from the database, where a cancel that came first had
        # already won: the Redis flag is first worth a look one interval later.
        self._last_cancel_check = time.monotonic()
        self._cancelled = False
        self._last_beat = time.monotonic()
        self._batching = False
        self._pending: list[LogRow] = []
        self._pending_since = 0.0
        self._pending_lock = threading.Lock()
        self._logged: list[LoggedNode] = []

    def logged_nodes(self) -> list[LoggedNode]:
        """Every row this reporter logged, in order (read-only copy)."""
        return list(self._logged)

    def set_batching(self, enabled: bool) -> None:
        self._batching = enabled

    def flush(self) -> None:
        """Write the rows kept back while batching (one INSERT)."""
        with self._pending_lock:
            rows, self._pending = self._pending, []
        if rows:
            log_rows_insert(rows)

    def tick(self) -> None:
        """The worker's heartbeat (see services/recovery.py): one UPDATE every few seconds at most; and
        batched rows that have waited long enough are written."""
        now = time.monotonic()
        if self._pending and now - self._pending_since >= BATCH_MAX_AGE_SECONDS:
            self.flush()
        if now - self._last_beat < settings.EXECUTION_HEARTBEAT_INTERVAL_SECONDS:
            return
        self._last_beat = now
        WorkflowExecution.objects.filter(pk=self.execution.pk, status=ExecutionStatus.RUNNING).update(
            heartbeat_at=timezone.now()
        )

    def node_running(self, node_id: str, input: Any) -> None:
        self._inputs[node_id] = input
        events.broadcast_many(
            self.channels,
            "node_status",
            {"execution_id": self.execution_id, "node_id": node_id, "status": "running"},
        )

    def node_finished(self, node_id: str, result: NodeResult) -> None:
        status = str(result.status)
        metadata = jsonable(result.metadata or {})
        duration_ms = int(metadata.get("duration_ms") or 0) if isinstance(metadata, dict) else 0
        output = jsonable(result.data) if result.data is not None else None
        completed = result.completed_at or timezone.now()
        row = LogRow(
            execution_id=self.execution.pk,
            node_id=node_id,
            component_type=self.component_types.get(node_id, ""),
            status=status if status in _LOG_STATUSES else LogStatus.FAILED.value,
            input=jsonable(self._inputs.pop(node_id, None)),
            output=output,
            error=result.error or "",
            error_code=result.error_code,
            metadata=metadata,
            started_at=result.started_at or (completed - timedelta(milliseconds=duration_ms)),
            duration_ms=duration_ms,
            retry_count=int(metadata.get("retry_count", 0)) if isinstance(metadata, dict) else 0,
        )
        if self._batching:
            with self._pending_lock:
                if not self._pending:
                    self._pending_since = time.monotonic()
                self._pending.append(row)
        else:
            log_rows_insert([row])
        self._logged.append(LoggedNode(node_id, row.component_type, row.status, duration_ms))
        data = {"execution_id": self.execution_id, "node_id": node_id, "status": status}
        if isinstance(metadata, dict) and "iteration" in metadata:  # a loop body node, once per item
            data.update(loop_node_id=metadata.get("loop_node_id"), iteration=metadata["iteration"])
        if result.status == NodeStatus.SUCCESS:
            data["output"] = output
        elif result.status == NodeStatus.FAILED:
            data["error"] = result.error or ""
            data["error_code"] = result.error_code
        elif result.status == NodeStatus.SKIPPED:
            data["reason"] = (result.metadata or {}).get("reason", "")
        events.broadcast_many(self.channels, "node_status", data)

    def should_cancel(self) -> bool:
        if self._cancelled:
            return True
        now = time.monotonic()
        if now - self._last_cancel_check >= _CANCEL_CHECK_INTERVAL:
            self._last_cancel_check = now
            self._cancelled = cancel_flags.is_cancel_requested(self.execution_id)
        return self._cancelled
