"""What the agents app records when an execution finishes (registered in AgentsConfig.ready)."""

from __future__ import annotations

from django.db import transaction

from apps.execution.results import NodeStatus

from ..models import Task
from ..selectors.epics import task_links_execution
from .episodes import episode_log_for_execution
from .tasks import task_record_execution_cost


def log_episode(execution) -> None:
    """Every finished execution leaves one memory episode."""
    episode_log_for_execution(execution=execution)


def forget_agent_loops(execution) -> None:
    """An execution that ended while an agent waited on a child (failed, cancelled) leaves that
    agent's loop checkpoint behind; a finished agent forgets its own."""
    from apps.agents import durable_agent
    from apps.execution.models import ExecutionStatus

    if execution.status == ExecutionStatus.COMPLETED:
        return
    paused = execution.logs.filter(status=NodeStatus.INTERRUPTED).values_list("node_id", flat=True).distinct()
    for node_id in paused:
        durable_agent.forget(execution_id=str(execution.execution_id), node_id=node_id)


def charge_linked_tasks(execution) -> None:
    """Tasks that link this execution are charged its tokens and USD (idempotent per task+execution)."""
    if not task_links_execution(execution_id=execution.pk):
        return
    for task in Task.objects.filter(execution=execution):
        with transaction.atomic():
            task_record_execution_cost(task=task, execution=execution)
