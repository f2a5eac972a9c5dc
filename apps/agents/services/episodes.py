"""Episodic memory: one episode per finished execution, written by the engine's finalisation."""

import functools
from typing import NamedTuple

from django.db import connections
from django.utils import timezone

from apps.execution.hooks import finished_nodes
from pipelit import sql

from ..models import MemoryEpisode, MemoryUser

TEXT_KEYS = ("text", "message", "input", "content", "query", "output", "result")
MAX_ACTIONS = 200
EXCERPT = 200
IDENTIFY_USER = "identify_user"


def _text_of(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in TEXT_KEYS:
            if isinstance(value.get(key), str):
                return value[key]
    return ""


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _trigger_type(execution) -> str:
    node = execution.trigger_node
    name = node.component_type if node else execution.trigger_node_key
    return name.removeprefix("trigger_") if name else ""


def _memory_user(execution, logs) -> MemoryUser | None:
    """The user an identify_user node recognised during this run, if any."""
    if not any(log.component_type == IDENTIFY_USER for log in logs):
        return None
    outputs = (
        execution.logs.filter(component_type=IDENTIFY_USER).order_by("id").values_list("output", flat=True)
    )
    for output in outputs:
        if isinstance(output, dict) and output.get("user_id"):
            return MemoryUser.objects.filter(canonical_id=output["user_id"]).first()
    return None


def _logs(execution) -> list:
    """The run's log rows (the columns the episode shows): as the finishing worker handed them over,
    or read."""
    logs = finished_nodes(execution)
    if logs is not None:
        return logs
    return list(
        execution.logs.only(
            "id", "execution_id", "node_id", "component_type", "status", "duration_ms"
        ).order_by("id")
    )


def _summary(*, slug: str, trigger_type: str, status: str, said: str, answered: str) -> str:
    summary = f"{slug} ({trigger_type or 'run'}) {status}"
    if said:
        summary += f": “{_excerpt(said)}”"
    if answered:
        summary += f" → “{_excerpt(answered)}”"
    return summary


def episode_log_for_execution(*, execution) -> MemoryEpisode:
    """Record (or refresh) the episode of `execution`. Idempotent: one episode per execution.

    `agent_id` is the workflow's slug — in Pipelit the workflow is the unit that acts.
    """
    from apps.execution.models import ExecutionStatus

    logs = _logs(execution)
    slug = execution.workflow.slug
    trigger_type = _trigger_type(execution)
    said = _text_of(execution.trigger_payload)
    answered = _text_of(execution.final_output)
    conversation = [{"role": "user", "content": said}] if said else []
    if answered:
        conversation.append({"role": "assistant", "content": answered})
    fields = {
        "agent_id": slug,
        "workflow_slug": slug,
        "user": _memory_user(execution, logs),
        "trigger_type": trigger_type,
        "trigger_input": execution.trigger_payload,
        "conversation": conversation,
        "actions_taken": [
            {
                "node_id": log.node_id,
                "component_type": log.component_type,
                "status": log.status,
                "duration_ms": log.duration_ms,
            }
            for log in logs[:MAX_ACTIONS]
        ],
        "final_output": execution.final_output,
        "success": execution.status == ExecutionStatus.COMPLETED,
        "error_code": execution.error_code or None,
        "error_message": execution.error_message,
        "summary": _summary(
            slug=slug, trigger_type=trigger_type, status=execution.status, said=said, answered=answered
        ),
        "started_at": execution.started_at or execution.created_at,
        "ended_at": execution.completed_at,
        "duration_ms": execution.duration_ms,
        "total_tokens": execution.total_tokens,
        "total_cost_usd": execution.total_cost_usd,
    }
    return _upsert(execution=execution, fields=fields)


class _Upsert(NamedTuple):
    statement: str
    fields: tuple  # every concrete field of MemoryEpisode, in the order the statement takes them
    sources: tuple  # for each: its name in `fields`, or None (the execution, a default, created_at)
    savers: tuple  # for each: its get_db_prep_save, or None where the value goes as it is
    returned: dict  # the converters of what it returns (id, created_at)


def _upsert(*, execution, fields: dict) -> MemoryEpisode:
    """One INSERT ... ON CONFLICT (execution) DO UPDATE of `fields` (as update_or_create would, without
    its transaction, read and savepoints); the stored id and created_at come back. Written out
    (pipelit/sql.py), with the values the ORM's `_insert` would send, built by position (not through
    a model instance's keyword arguments and each field's pre_save): it runs after every execution."""
    connection = connections["default"]
    upsert = _upsert_statement(tuple(fields))
    now = timezone.now()
    values = []
    for field, source in zip(upsert.fields, upsert.sources, strict=True):
        if source is not None:
            value = fields[source]
            values.append(value.pk if value is not None and field.is_relation else value)
        elif field.name == "execution":
            values.append(execution.pk)
        elif getattr(field, "auto_now_add", False):
            values.append(now)
        else:
            values.append(field.get_default())
    params = [
        value if save is None else save(value, connection)
        for value, save in zip(values, upsert.savers, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(upsert.statement, params)
        row = cursor.fetchone()
    episode = MemoryEpisode.from_db("default", None, values)
    episode.pk, episode.created_at = sql.convert(row, upsert.returned, connection)
    episode._state.fields_cache["execution"] = execution
    if "user" in fields:
        episode._state.fields_cache["user"] = fields["user"]
    return episode


# Values of these types go to the database as they are (get_db_prep_save leaves a str, an int, a bool
# or None as it is); the others (JSON, datetimes, decimals, UUIDs) are converted.
_AS_THEY_ARE = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


@functools.cache
def _upsert_statement(given: tuple[str, ...]) -> _Upsert:
    """The upsert refreshing the `given` fields (SQLite and PostgreSQL), and how to build its values."""
    fields = tuple(MemoryEpisode._meta.concrete_fields)
    if fields != tuple(MemoryEpisode._meta.local_concrete_fields):
        raise RuntimeError("MemoryEpisode inherits columns: its rows are not one INSERT")
    column = functools.partial(sql.column, MemoryEpisode)
    assigned = ", ".join(f"{column(name)} = EXCLUDED.{column(name)}" for name in given)
    statement = (
        f"INSERT INTO {column()} ({', '.join(column(field.name) for field in fields)}) "
        f"VALUES {sql.values(len(fields), 1)} "
        f"ON CONFLICT({column('execution')}) DO UPDATE SET {assigned} "
        f"RETURNING {column('id')}, {column('created_at')}"
    )
    sources = tuple(field.name if field.name in given else None for field in fields)
    savers = tuple(
        None
        if (field.target_field if field.is_relation else field).get_internal_type() in _AS_THEY_ARE
        else field.get_db_prep_save
        for field in fields
    )
    return _Upsert(statement, fields, sources, savers, sql.converters(MemoryEpisode, ("id", "created_at")))
