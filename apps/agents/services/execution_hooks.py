"""What the agents app records when an execution finishes (registered in AgentsConfig.ready)."""

from __future__ import annotations

from django.db import transaction

from ..models import Task
from .episodes import episode_log_for_execution
from .tasks import task_record_execution_cost


def log_episode(execution) -> None:
    """Every finished execution leaves one memory episode."""
    episode_log_for_execution(execution=execution)


def charge_linked_tasks(execution) -> None:
    """Tasks that link this execution are charged its tokens and USD (idempotent per task+execution)."""
    for task in Task.objects.filter(execution=execution):
        with transaction.atomic():
            task_record_execution_cost(task=task, execution=execution)
