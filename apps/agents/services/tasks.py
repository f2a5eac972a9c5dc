"""Task writes: dependencies decide blocked/pending, a checked lifecycle, budgets, and cost roll-up.

Lock order is always epic, then task (see services.epics.epic_lock).
"""

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from pipelit import events

from .. import errors
from ..models import Epic, Task, TaskExecutionCost, TaskStatus
from ..models.epics import EPIC_ACCEPTS_RUNNING_TASKS, EPIC_FINISHED, TASK_FINISHED, TASK_TRANSITIONS
from ..payloads import task_payload
from ..selectors.epics import epic_visible_q
from .epics import channel, epic_emit_updated, epic_lock, epic_recount

TASK_EDITABLE = (
    "title",
    "description",
    "tags",
    "priority",
    "workflow",
    "workflow_slug",
    "workflow_source",
    "execution",
    "result_summary",
    "error_message",
    "notes",
    "estimated_tokens",
    "max_retries",
    "requirements",
    "tool_invocations",
)


def _emit(task: Task, event_type: str = "task_updated") -> None:
    events.broadcast_on_commit(channel(task.epic_id), event_type, task_payload(task))


def epic_budget_check(*, epic: Epic, estimated_tokens: int | None) -> None:
    """Refuse work that would take the epic past a budget. Caller holds epic_lock."""
    estimated = estimated_tokens or 0
    if epic.budget_tokens is not None and (
        epic.spent_tokens >= epic.budget_tokens or epic.spent_tokens + estimated > epic.budget_tokens
    ):
        raise errors.BudgetExceeded(
            f"Task would exceed the token budget of epic {epic.pk}: spent {epic.spent_tokens} "
            f"+ estimated {estimated} > budget {epic.budget_tokens}."
        )
    if epic.budget_usd is not None and epic.spent_usd >= epic.budget_usd:
        raise errors.BudgetExceeded(
            f"Epic {epic.pk} has used its USD budget: spent ${epic.spent_usd:.6f} of ${epic.budget_usd:.6f}."
        )


def _dependencies(*, epic: Epic, depends_on: Iterable[str]) -> list[str]:
    ids = list(dict.fromkeys(depends_on))
    known = set(Task.objects.filter(epic_id=epic.pk, pk__in=ids).values_list("pk", flat=True))
    missing = [task_id for task_id in ids if task_id not in known]
    if missing:
        raise errors.InvalidInput(f"depends_on names tasks not in epic {epic.pk}: {', '.join(missing)}.")
    return ids


def _unmet(*, epic_id: str, depends_on: list[str]) -> list[str]:
    done = set(
        Task.objects.filter(epic_id=epic_id, pk__in=depends_on, status=TaskStatus.COMPLETED).values_list(
            "pk", flat=True
        )
    )
    return [task_id for task_id in depends_on if task_id not in done]


@transaction.atomic
def task_create(
    *,
    epic: Epic,
    title: str,
    description: str = "",
    tags: Iterable[str] = (),
    depends_on: Iterable[str] = (),
    priority: int = 2,
    workflow=None,
    workflow_slug: str = "",
    estimated_tokens: int | None = None,
    max_retries: int = 2,
    requirements: dict | None = None,
    created_by_node_id: str = "",
) -> Task:
    """A task starts `blocked` while any dependency is not completed, else `pending`."""
    epic = epic_lock(epic_id=epic.pk)
    if epic.status in EPIC_FINISHED:
        raise errors.RegistryConflict(f"Epic {epic.pk} is {epic.status}; no tasks can be added to it.")
    epic_budget_check(epic=epic, estimated_tokens=estimated_tokens)
    depends_on = _dependencies(epic=epic, depends_on=depends_on)
    blocked = bool(_unmet(epic_id=epic.pk, depends_on=depends_on))
    task = Task.objects.create(
        epic=epic,
        title=title,
        description=description,
        tags=list(tags),
        depends_on=depends_on,
        status=TaskStatus.BLOCKED if blocked else TaskStatus.PENDING,
        priority=priority,
        workflow=workflow,
        workflow_slug=workflow_slug or (workflow.slug if workflow else ""),
        estimated_tokens=estimated_tokens,
        max_retries=max_retries,
        requirements=requirements,
        created_by_node_id=created_by_node_id,
    )
    _emit(task, "task_created")
    epic_emit_updated(epic=epic_recount(epic=epic))
    return task


def _check_transition(*, task: Task, epic: Epic, status: str) -> None:
    allowed = TASK_TRANSITIONS[task.status]
    if status not in allowed:
        raise errors.IllegalTransition(
            entity="task", entity_id=task.pk, current=task.status, requested=status, allowed=allowed
        )
    if task.status == TaskStatus.BLOCKED and status == TaskStatus.PENDING:
        unmet = _unmet(epic_id=epic.pk, depends_on=task.depends_on)
        if unmet:
            raise errors.RegistryConflict(
                f"Task {task.pk} stays blocked: dependencies not completed: {', '.join(unmet)}."
            )
    if task.status == TaskStatus.FAILED and task.retry_count >= task.max_retries:
        raise errors.RegistryConflict(
            f"Task {task.pk} has used its {task.max_retries} retries; it cannot be retried again."
        )
    if status == TaskStatus.RUNNING:
        if epic.status not in EPIC_ACCEPTS_RUNNING_TASKS:
            raise errors.RegistryConflict(f"Epic {epic.pk} is {epic.status}; its tasks cannot start.")
        epic_budget_check(epic=epic, estimated_tokens=task.estimated_tokens)


def _apply_status(*, task: Task, status: str) -> None:
    now = timezone.now()
    if task.status == TaskStatus.FAILED and status == TaskStatus.PENDING:
        task.retry_count += 1
        task.completed_at = None
    if status == TaskStatus.RUNNING:
        task.started_at = now
        task.completed_at = None
    if status in TASK_FINISHED:
        task.completed_at = now
        if task.started_at:
            task.duration_ms = int((now - task.started_at).total_seconds() * 1000)
    task.status = status


def _unblock_dependents(*, epic: Epic, completed_id: str) -> None:
    """Dependents of `completed_id` whose dependencies are now all completed become pending."""
    for other in (
        epic.tasks.select_for_update(of=("self",))
        .filter(status=TaskStatus.BLOCKED)
        .select_related("execution")
    ):
        if completed_id in other.depends_on and not _unmet(epic_id=epic.pk, depends_on=other.depends_on):
            other.status = TaskStatus.PENDING
            other.save(update_fields=["status", "updated_at"])
            _emit(other)


@transaction.atomic
def task_update(*, task: Task, changes: dict) -> Task:
    """Apply `changes` (TASK_EDITABLE fields and `status`); a status change must be legal."""
    unknown = set(changes) - set(TASK_EDITABLE) - {"status"}
    if unknown:
        raise errors.InvalidInput(f"Task fields not editable: {', '.join(sorted(unknown))}.")
    epic = epic_lock(epic_id=task.epic_id)
    task = Task.objects.select_for_update().get(pk=task.pk)
    status = changes.get("status")
    changed_status = status is not None and status != task.status
    if changed_status:
        _check_transition(task=task, epic=epic, status=status)
        _apply_status(task=task, status=status)
    for field in TASK_EDITABLE:
        if field in changes:
            setattr(task, field, changes[field])
    if "workflow" in changes and changes["workflow"] is not None and "workflow_slug" not in changes:
        task.workflow_slug = changes["workflow"].slug
    task.save()
    _emit(task)
    if changed_status and status == TaskStatus.COMPLETED:
        _unblock_dependents(epic=epic, completed_id=task.pk)
    if changed_status:
        epic_emit_updated(epic=epic_recount(epic=epic))
    return task


def _forget_dependency(*, epic: Epic, removed_ids: set[str]) -> None:
    """Drop deleted tasks from siblings' depends_on; a blocked sibling with nothing unmet left unblocks."""
    for other in epic.tasks.select_for_update(of=("self",)).select_related("execution"):
        if not removed_ids.intersection(other.depends_on):
            continue
        other.depends_on = [task_id for task_id in other.depends_on if task_id not in removed_ids]
        if other.status == TaskStatus.BLOCKED and not _unmet(epic_id=epic.pk, depends_on=other.depends_on):
            other.status = TaskStatus.PENDING
        other.save(update_fields=["depends_on", "status", "updated_at"])
        _emit(other)


@transaction.atomic
def task_delete(*, task: Task) -> None:
    epic = epic_lock(epic_id=task.epic_id)
    task_id = task.pk
    Task.objects.filter(pk=task_id).delete()
    events.broadcast_on_commit(channel(epic.pk), "task_deleted", {"id": task_id, "epic_id": epic.pk})
    _forget_dependency(epic=epic, removed_ids={task_id})
    epic_emit_updated(epic=epic_recount(epic=epic))


@transaction.atomic
def task_batch_delete(*, user, task_ids: Iterable[str]) -> int:
    """Deletes the listed tasks the user may see; ids of others are ignored, not revealed."""
    tasks = Task.objects.filter(pk__in=list(task_ids))
    if not user.is_admin:
        tasks = tasks.filter(epic_visible_q(user, prefix="epic__"))
    deleted = 0
    for task in tasks.order_by("epic_id", "id"):
        task_delete(task=task)
        deleted += 1
    return deleted


@transaction.atomic
def task_record_execution_cost(*, task: Task, execution) -> Task:
    """Charge `execution`'s tokens, USD and LLM calls to `task` and roll up to its epic.

    Idempotent per (task, execution): recording an execution again applies only what changed since,
    so the engine may call it at every finalisation (and after resumes) without double counting.
    """
    epic = epic_lock(epic_id=task.epic_id)
    Task.objects.select_for_update().filter(pk=task.pk).first()
    charge, _ = TaskExecutionCost.objects.select_for_update().get_or_create(
        task_id=task.pk, execution=execution
    )
    tokens = int(execution.total_tokens or 0)
    usd = Decimal(execution.total_cost_usd or 0)
    calls = int(execution.llm_calls or 0)
    Task.objects.filter(pk=task.pk).update(
        actual_tokens=F("actual_tokens") + (tokens - charge.tokens),
        actual_usd=F("actual_usd") + (usd - charge.usd),
        llm_calls=F("llm_calls") + (calls - charge.llm_calls),
        execution=execution,
        updated_at=timezone.now(),
    )
    charge.tokens, charge.usd, charge.llm_calls = tokens, usd, calls
    charge.save()
    task = Task.objects.select_related("execution").get(pk=task.pk)
    _emit(task)
    epic_emit_updated(epic=epic_recount(epic=epic))
    return task
