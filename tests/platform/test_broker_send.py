"""pipelit.broker_send pushes the message Celery pushes (but for the fresh ids), a real worker runs it,
and every unusual call goes through Celery instead."""

import base64
import json

import pytest
import redis
from celery import Task, signals
from celery._state import _task_stack

from apps.execution.models import WorkflowExecution
from apps.execution.services.executions import execution_create
from apps.execution.tasks import execute_workflow
from pipelit import broker_send
from pipelit.celery import app
from tests.execution.builders import code_chain
from tests.factories import UserFactory
from tests.integration.test_engine_flows import wait_finished

ARG = "0b8e4c4e-4b1a-4f4e-9a5e-3f1c2d7a9b10"


@app.task(name="tests.broker_send.echo", ignore_result=True)
def echo(value):
    return value


class ShadowedTask(Task):
    def shadow_name(self, args, kwargs, options):
        return "shadowed"


@app.task(name="tests.broker_send.shadowed", base=ShadowedTask, ignore_result=True)
def shadowed(value):
    return value


@app.task(name="tests.broker_send.urgent", priority=5, ignore_result=True)
def urgent(value):
    return value


@app.task(name="tests.broker_send.kept", ignore_result=False)
def kept(value):
    return value


@pytest.fixture
def pushed(monkeypatch):
    """(key, payload) of every LPUSH, kept here instead of reaching Redis; a fresh template per test."""
    calls = []
    monkeypatch.setattr(redis.Redis, "lpush", lambda self, key, *values: calls.append((key, *values)) or 1)
    monkeypatch.setattr(broker_send, "_templates", {})
    return calls


@pytest.fixture
def from_template(monkeypatch):
    """The sends that went out from a template."""
    sent = []
    push = broker_send._push

    def watched(task, template, arg):
        sent.append(arg)
        return push(task, template, arg)

    monkeypatch.setattr(broker_send, "_push", watched)
    return sent


def fresh_ids(payload: bytes | str) -> tuple[str, str]:
    message = json.loads(payload)
    headers, properties = message["headers"], message["properties"]
    assert headers["id"] == headers["root_id"] == properties["correlation_id"]
    return headers["id"], properties["delivery_tag"]


def with_ids_blanked(payload: bytes | str) -> str:
    text = payload.decode() if isinstance(payload, bytes) else payload
    task_id, delivery_tag = fresh_ids(text)
    return text.replace(task_id, "<task id>").replace(delivery_tag, "<delivery tag>")


def test_the_message_pushed_is_celerys_own_but_for_the_fresh_ids(pushed, from_template):
    broker_send.send(execute_workflow, ARG)  # through Celery: the template
    broker_send.send(execute_workflow, ARG)
    broker_send.send(execute_workflow, ARG)
    execute_workflow.delay(ARG)  # Celery's own, for comparison
    assert from_template == [ARG, ARG]
    assert [key for key, _ in pushed] == ["celery"] * 4
    celerys = with_ids_blanked(pushed[3][1])
    assert with_ids_blanked(pushed[1][1]) == celerys
    assert with_ids_blanked(pushed[2][1]) == celerys
    assert with_ids_blanked(pushed[0][1]) == celerys
    ids = [fresh_ids(payload) for _, payload in pushed]
    assert len({task_id for task_id, _ in ids}) == 4 and len({tag for _, tag in ids}) == 4


def test_a_new_argument_is_in_the_body_and_argsrepr_as_celery_writes_them(pushed, from_template):
    broker_send.send(execute_workflow, ARG)
    broker_send.send(execute_workflow, "another-id")
    execute_workflow.delay("another-id")
    assert from_template == ["another-id"]
    assert with_ids_blanked(pushed[1][1]) == with_ids_blanked(pushed[2][1])


def test_a_forked_process_makes_its_own_template(pushed, from_template, monkeypatch):
    broker_send.send(execute_workflow, ARG)
    template = broker_send._templates[execute_workflow.name]
    monkeypatch.setitem(broker_send._templates, execute_workflow.name, template._replace(pid=-1))
    broker_send.send(execute_workflow, ARG)  # the origin header names the process: Celery again
    assert from_template == []
    assert broker_send._templates[execute_workflow.name].pid == template.pid


@pytest.mark.integration
def test_a_real_worker_runs_the_task_sent_from_the_template(
    celery_worker, transactional_db, from_template, monkeypatch
):
    monkeypatch.setattr(broker_send, "_templates", {})  # earlier tests' sends may have made one
    owner = UserFactory()
    workflow = code_chain(owner=owner, count=2, trigger="trigger_webhook")
    trigger = workflow.nodes.get(node_id="trigger")
    executions = [
        execution_create(workflow=workflow, trigger_node=trigger, payload={}, user=owner, enqueue=False)
        for _ in range(2)
    ]
    for execution in executions:
        broker_send.send(execute_workflow, str(execution.execution_id))
    assert from_template == [str(executions[1].execution_id)]  # the first made the template
    for execution in executions:
        finished = wait_finished(execution.execution_id)
        assert finished.status == "completed", finished.error_message
        assert finished.final_output == {"output": 2}
    assert WorkflowExecution.objects.filter(workflow=workflow, status="completed").count() == 2


def primed(task=execute_workflow):
    broker_send.send(task, ARG)  # the template exists: what follows would use it if it could


@pytest.fixture
def conf():
    """app.conf, with what a test sets in it put back."""
    before = dict(app.conf.changes)
    yield app.conf
    app.conf.changes.clear()
    app.conf.changes.update(before)
    app.amqp.flush_routes()
    app.amqp.router = app.amqp.Router()


def test_eager_mode_runs_the_task_in_process(pushed, from_template, conf):
    primed(echo)
    conf.task_always_eager = True
    broker_send.send(echo, ARG)
    assert from_template == [] and len(pushed) == 1


@pytest.mark.parametrize("signal", [signals.before_task_publish, signals.after_task_publish])
def test_publish_signal_receivers_get_their_signal(pushed, from_template, signal):
    primed()
    heard = []

    def receiver(sender=None, **kwargs):
        heard.append(sender)

    signal.connect(receiver, weak=False)
    try:
        broker_send.send(execute_workflow, ARG)
    finally:
        signal.disconnect(receiver)
    assert heard == [execute_workflow.name]
    assert from_template == [] and len(pushed) == 2


def test_a_send_from_inside_a_task_carries_its_parent_and_root(pushed, from_template):
    primed()
    echo.push_request(id="parent-task", root_id="root-task", called_directly=False)
    _task_stack.push(echo)
    try:
        broker_send.send(execute_workflow, ARG)
    finally:
        _task_stack.pop()
        echo.pop_request()
    headers = json.loads(pushed[1][1])["headers"]
    assert (headers["parent_id"], headers["root_id"]) == ("parent-task", "root-task")
    assert from_template == []


def test_routes_are_applied_by_celery(pushed, from_template, conf):
    primed()
    conf.update(task_routes={execute_workflow.name: {"queue": "elsewhere"}})  # Celery rebuilds its router
    broker_send.send(execute_workflow, ARG)
    assert from_template == []
    assert json.loads(pushed[1][1])["properties"]["delivery_info"]["routing_key"] == "elsewhere"


def test_a_shadow_name_and_task_options_are_applied_by_celery(pushed, from_template):
    primed(shadowed)
    primed(urgent)
    broker_send.send(shadowed, ARG)
    broker_send.send(urgent, ARG)
    assert from_template == []
    assert json.loads(pushed[2][1])["headers"]["shadow"] == "shadowed"
    assert json.loads(pushed[3][1])["properties"]["priority"] == 5


def test_a_task_that_keeps_its_result_is_sent_by_celery(pushed, from_template):
    primed(kept)
    broker_send.send(kept, ARG)
    assert from_template == [] and len(pushed) == 2


@pytest.mark.parametrize("arg", ["it's", 'a"quote', "é", "x" * 200, 7, None], ids=repr)
def test_an_argument_that_is_not_a_short_plain_string_goes_through_celery(pushed, from_template, arg):
    primed()
    broker_send.send(execute_workflow, arg)
    assert from_template == []
    body = json.loads(base64.b64decode(json.loads(pushed[1][1])["body"]))
    assert body[0] == [arg]


def test_unchecked_celery_or_kombu_versions_go_through_celery(pushed, from_template, monkeypatch):
    primed()
    monkeypatch.setattr(broker_send, "VERSIONS_CHECKED", False)
    broker_send.send(execute_workflow, ARG)
    assert from_template == [] and len(pushed) == 2


def test_a_task_whose_delay_is_replaced_gets_the_replacement(pushed, from_template, monkeypatch):
    primed()
    called = []
    monkeypatch.setattr(execute_workflow, "delay", lambda *args: called.append(args))
    broker_send.send(execute_workflow, ARG)
    assert called == [(ARG,)] and from_template == [] and len(pushed) == 1


def test_a_failed_lpush_is_sent_by_celery_with_the_same_task_id(pushed, from_template, monkeypatch):
    primed()
    failures = []

    def lpush_once_failing(self, key, *values):
        if not failures:
            failures.append(json.loads(values[0])["headers"]["id"])
            raise redis.ConnectionError("connection reset")
        pushed.append((key, *values))
        return 1

    monkeypatch.setattr(redis.Redis, "lpush", lpush_once_failing)
    broker_send.send(execute_workflow, ARG)
    assert from_template == [ARG] and len(failures) == 1
    assert fresh_ids(pushed[1][1])[0] == failures[0]


def test_another_transport_is_sent_by_celery_and_makes_no_template(pushed, from_template, monkeypatch):
    monkeypatch.setattr(broker_send, "REDIS_CHANNEL", type("AnotherChannel", (), {}))
    broker_send.send(execute_workflow, ARG)
    broker_send.send(execute_workflow, ARG)
    assert broker_send._templates[execute_workflow.name] is None
    assert from_template == [] and len(pushed) == 2
