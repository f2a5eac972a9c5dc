"""Light plans: a run made only of quick nodes without outside effects is not checkpointed per step and
writes its log rows in one batch; a plan with anything else (or a breakpoint) keeps both."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from langgraph.checkpoint.memory import InMemorySaver

from apps.execution import checkpoints
from apps.execution.graph import snapshot_from_dict
from apps.execution.models import ExecutionLog
from apps.execution.orchestrator import InMemoryReporter, compiler, run_graph
from apps.execution.reporting import DbReporter
from apps.execution.results import NodeResult, NodeStatus
from apps.execution.services.executions import execution_create, execution_run
from apps.workflows.models import WorkflowNode
from tests.execution.builders import code_chain


def snapshot(*extra_nodes, **code_fields):
    return snapshot_from_dict(
        {
            "slug": "light",
            "nodes": [
                {"id": "t", "type": "trigger_manual"},
                {"id": "c", "type": "code", "config": {"code": "result = 1"}, **code_fields},
                {"id": "s", "type": "switch", "config": {"rules": []}},
                *extra_nodes,
            ],
            "edges": ["t -> c", "c -> s", *[f"s -> {n['id']}" for n in extra_nodes]],
        }
    )


def test_quick_nodes_make_a_light_plan_and_a_pause_or_a_breakpoint_does_not():
    assert compiler.compile_plan(snapshot(), "t").light
    assert not compiler.compile_plan(snapshot({"id": "w", "type": "wait"}), "t").light
    assert not compiler.compile_plan(snapshot(interrupt_before=True), "t").light


class CountingSaver(InMemorySaver):
    def __init__(self):
        super().__init__(serde=checkpoints.serde())
        self.puts = 0

    def put(self, *args, **kwargs):
        self.puts += 1
        return super().put(*args, **kwargs)


@pytest.fixture
def process_saver(monkeypatch):
    saver = CountingSaver()
    monkeypatch.setattr(checkpoints, "checkpointer", lambda: saver)
    return saver


def test_a_light_run_never_touches_the_process_checkpointer(process_saver):
    outcome = run_graph(snapshot(), "t", {}, InMemoryReporter(), execution_id="light-1")
    assert outcome.status == "completed"
    assert outcome.final_output is not None
    assert process_saver.puts == 0


def test_a_plan_that_is_not_light_is_checkpointed_every_step(process_saver, step_types):
    graph = snapshot_from_dict(
        {"slug": "heavy", "nodes": [{"id": "t", "type": "trigger_manual"}, {"id": "a", "type": "t_step"}]}
        | {"edges": ["t -> a"]}
    )
    assert run_graph(graph, "t", {}, InMemoryReporter(), execution_id="heavy-1").status == "completed"
    assert process_saver.puts >= 2


def pending_chain_run(user, *, count: int):
    """A pending, not enqueued execution of trigger -> `count` code nodes."""
    workflow = code_chain(owner=user, count=count)
    trigger = WorkflowNode.objects.get(workflow=workflow, node_id="trigger")
    return execution_create(workflow=workflow, trigger_node=trigger, payload={}, user=user, enqueue=False)


@pytest.mark.django_db
def test_a_light_execution_writes_all_its_log_rows_in_one_insert(user):
    execution = pending_chain_run(user, count=3)
    with CaptureQueriesContext(connection) as queries:
        done = execution_run(execution_id=str(execution.execution_id))
    assert done.status == "completed" and done.final_output == {"output": 3}
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "execution_executionlog"')]
    assert len(inserts) == 1
    logs = list(ExecutionLog.objects.filter(execution=execution).order_by("id"))
    assert [log.node_id for log in logs] == ["trigger", "code_1", "code_2", "code_3"]
    assert [log.output for log in logs[1:]] == [{"output": 1}, {"output": 2}, {"output": 3}]


@pytest.mark.django_db
def test_a_batching_reporter_writes_rows_that_waited_too_long_on_its_tick(user):
    execution = pending_chain_run(user, count=1)
    reporter = DbReporter(execution, {"trigger": "trigger_manual"})
    reporter.set_batching(True)
    reporter.node_running("trigger", {})
    reporter.node_finished("trigger", NodeResult(status=NodeStatus.SUCCESS, data={"payload": {}}))
    reporter.tick()
    assert not ExecutionLog.objects.filter(execution=execution).exists()  # too young to write yet
    reporter._pending_since -= 10
    reporter.tick()
    assert list(ExecutionLog.objects.filter(execution=execution).values_list("node_id", "status")) == [
        ("trigger", "success")
    ]
    with CaptureQueriesContext(connection) as queries:
        reporter.flush()  # nothing left
    assert len(queries) == 0


class ThreadNotingReporter(InMemoryReporter):
    """Notes the thread of every node call; batches like DbReporter when `batch_thread_safe`."""

    def __init__(self, thread_safe: bool):
        super().__init__()
        self.batch_thread_safe = thread_safe
        self.threads: set[str] = set()
        self.batching = False

    def set_batching(self, enabled: bool) -> None:
        self.batching = enabled

    def node_running(self, node_id, input):
        self.threads.add(threading.current_thread().name)
        super().node_running(node_id, input)

    def node_finished(self, node_id, result):
        self.threads.add(threading.current_thread().name)
        super().node_finished(node_id, result)


@pytest.mark.parametrize("thread_safe", [True, False])
def test_a_light_run_calls_a_thread_safe_batching_reporter_from_the_steps(thread_safe):
    reporter = ThreadNotingReporter(thread_safe)
    outcome = run_graph(snapshot(), "t", {}, reporter, execution_id=f"light-direct-{thread_safe}")
    assert outcome.status == "completed" and reporter.batching
    assert reporter.sequence() == [
        ("running", "t"), ("success", "t"), ("running", "c"), ("success", "c"), ("running", "s"), ("success", "s")
    ]  # fmt: skip
    caller = threading.current_thread().name
    # Thread-safe: straight from the graph's thread, the caller is not woken per node; otherwise every
    # call is handed back to the calling thread (bridge.py).
    assert (caller not in reporter.threads) if thread_safe else (reporter.threads == {caller})
