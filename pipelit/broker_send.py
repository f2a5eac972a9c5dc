"""`send(task, arg)`: Celery's `task.delay(arg)` as one LPUSH of the message Celery would push.

Building a task message through Celery and kombu (options, router, amqp headers, serializer, body
encoding, exchange lookup) costs the web process ~0.2 ms of CPU per publish; this, about half that.
For a task called with one plain string from outside any task, everything in that message is the
same on every send but the task id (headers id/root_id, correlation_id), the argument (body,
argsrepr), kombu's delivery tag and the calling thread's reply_to. So the first send in a process
goes through Celery, with the channel's `_put` watched: the message it pushes (protocol 2, JSON,
base64 body) becomes the template, and later sends fill the fresh values in and LPUSH it to the same
list. The template is checked when it is made: rebuilt with the first send's values it must give the
first send's bytes, or this process keeps using Celery.

Anything unusual is sent by Celery itself: eager mode, sent events, publish signal receivers, a call
from inside a task (parent and root ids), routes, a shadow name or execution options on the task,
a task that keeps its result (a result backend acts on every send), a task whose delay/apply_async
is replaced, an argument that is not a short plain string, a transport other than Redis, queue
expiry, celery or kombu versions other than the checked ones, and a failed LPUSH (Celery then
retries as it does).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
from typing import Any, NamedTuple

import celery
import kombu
from celery import signals
from celery._state import get_current_worker_task
from celery.app.task import Task
from kombu.transport import redis as kombu_redis
from kombu.utils.json import dumps
from kombu.utils.uuid import uuid

logger = logging.getLogger(__name__)

#: (celery, kombu) versions whose message building this was checked against.
CHECKED_VERSIONS = ((5, 7), (5, 7))
VERSIONS_CHECKED = (tuple(celery.VERSION[:2]), tuple(kombu.VERSION[:2])) == CHECKED_VERSIONS

#: The channels whose `_put` is one LPUSH to a list (kombu's Redis channel and pipelit.broker's).
REDIS_CHANNEL = kombu_redis.Channel

# JSON and repr() write such a string the same way: between quotes, nothing escaped or truncated.
PLAIN_ARGUMENT = re.compile(r"[A-Za-z0-9_.:@-]{1,128}")


class Template(NamedTuple):
    pid: int
    key: str  # the Redis list of the task's queue
    message: dict  # the envelope kombu pushed, body encoded
    body: tuple[bytes, bytes]  # the decoded body around the JSON of the argument


_templates: dict[str, Template | None] = {}  # task name -> template; None: always through Celery


def send(task: Task, arg: Any) -> None:
    """`task.delay(arg)`, pushed from the process's template when nothing about the call is unusual."""
    task = getattr(task, "_get_current_object", lambda: task)()  # shared_task gives a Proxy
    if not _plain(task, arg):
        task.delay(arg)
        return
    template = _templates.get(task.name, False)
    if template is None:
        task.delay(arg)
        return
    if template is False or template.pid != os.getpid():
        _templates[task.name] = _send_and_capture(task, arg)
        return
    _push(task, template, arg)


def _push(task: Task, template: Template, arg: str) -> None:
    app = task._get_app()
    task_id = uuid()
    payload = dumps(_message(template, task_id, uuid(), app.thread_oid, arg))
    try:
        with app.producer_or_acquire() as producer, producer.channel.conn_or_acquire() as client:
            client.lpush(template.key, payload)
    except Exception as exc:  # noqa: BLE001 - any failure: Celery sends it, and retries as it does
        logger.warning("sending %s from its template failed (%s); sending through Celery", task.name, exc)
        task.apply_async((arg,), task_id=task_id)


def _plain(task: Task, arg: Any) -> bool:
    """Whether Celery's message for `task.delay(arg)` is the template's with fresh values."""
    app = task._get_app()
    conf = app.conf
    return (
        VERSIONS_CHECKED
        and type(arg) is str
        and PLAIN_ARGUMENT.fullmatch(arg) is not None
        and not conf.task_always_eager
        and not conf.task_send_sent_event
        and conf.task_protocol == 2
        and not conf.task_routes
        and task.ignore_result
        and not signals.before_task_publish.receivers
        and not signals.after_task_publish.receivers
        and get_current_worker_task() is None
        and type(task).shadow_name is Task.shadow_name
        and type(task).apply_async is Task.apply_async
        and type(task).delay is Task.delay
        and "delay" not in vars(task)  # replaced on the task itself (a test's stand-in)
        and "apply_async" not in vars(task)
        and _no_exec_options(task._get_exec_options())
    )


def _no_exec_options(options: dict) -> bool:
    """No queue, route, priority, expiry, limits ... on the task; JSON (the app's default) or none."""
    return options.get("serializer") in (None, "json") and all(
        value is None for name, value in options.items() if name != "serializer"
    )


def _message(template: Template, task_id: str, delivery_tag: str, reply_to: str, arg: str) -> dict:
    message = template.message
    headers = {**message["headers"], "id": task_id, "root_id": task_id, "argsrepr": repr((arg,))}
    properties = {
        **message["properties"],
        "correlation_id": task_id,
        "reply_to": reply_to,
        "delivery_tag": delivery_tag,
    }
    before, after = template.body
    body = base64.b64encode(before + json.dumps(arg).encode() + after).decode()
    return {**message, "body": body, "headers": headers, "properties": properties}


def _send_and_capture(task: Task, arg: str) -> Template | None:
    """Send through Celery, watching what its channel pushes: the template, or None when that was
    not one plain LPUSH this module can reproduce."""
    app = task._get_app()
    pushed: list[tuple[str, str, dict]] = []
    with app.producer_or_acquire() as producer:
        channel = producer.channel
        if not isinstance(channel, REDIS_CHANNEL):  # another transport: no list to push to
            task.apply_async((arg,), producer=producer)
            return None
        put = channel._put

        def watched_put(queue, message, **kwargs):
            priority = channel._get_message_priority(message, reverse=False)
            # Batched, or with the queue's expiry set after it: not one LPUSH, no template.
            unusual = kwargs.get("_publish_batch") is not None or queue in channel._expires
            pushed.append((queue, None if unusual else channel._q_for_pri(queue, priority), message))
            return put(queue, message, **kwargs)

        channel._put = watched_put
        try:
            result = task.apply_async((arg,), producer=producer)
        finally:
            del channel._put  # the class's method again
    if len(pushed) != 1 or pushed[0][1] is None:
        return None
    _queue, key, message = pushed[0]
    return _template(json.loads(dumps(message)), key, result.id, app.thread_oid, arg)


def _template(message: dict, key: str, task_id: str, reply_to: str, arg: str) -> Template | None:
    properties = message.get("properties", {})
    plain = (
        message.get("content-type") == "application/json"
        and message.get("content-encoding") == "utf-8"
        and properties.get("body_encoding") == "base64"
        and properties.get("correlation_id") == task_id
        and properties.get("reply_to") == reply_to
        and "compression" not in message.get("headers", {})
    )
    if not plain:
        return None
    body = base64.b64decode(message["body"])
    parts = body.split(json.dumps(arg).encode())
    if len(parts) != 2:
        return None
    template = Template(os.getpid(), key, message, (parts[0], parts[1]))
    rebuilt = _message(template, task_id, properties["delivery_tag"], reply_to, arg)
    if dumps(rebuilt) != dumps(message):
        logger.info("Celery's message for %s is not reproducible from a template", message["headers"]["task"])
        return None
    return template
