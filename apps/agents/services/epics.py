"""Epic writes: create, update with a checked lifecycle (cancel cascades to open tasks), delete, recount.

Every write that touches an epic's totals first locks the epic row (select_for_update), so concurrent
task updates and cost records serialize per epic and the totals are recounted from committed rows.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from pipelit import events

from .. import errors
from ..models import Epic, EpicStatus, Task, TaskStatus
from ..models.epics import EPIC_FINISHED, EPIC_TRANSITIONS, TASK_OPEN
from ..payloads import epic_payload, task_payload
from ..selectors.epics import epic_visible_q

EPIC_EDITABLE = (
    "title",
    "description",
    "tags",
    "priority",
    "budget_tokens",
    "budget_usd",
    "result_summary",
    "workflow",
)


def channel(epic_id: str) -> str:
    return f"epic:{epic_id}"


def epic_lock(*, epic_id: str) -> Epic:
    """The epic row, locked until the surrounding transaction ends. Caller is inside transaction.atomic."""
    return Epic.objects.select_for_update(of=("self",)).select_related("user").get(pk=epic_id)


def epic_recount(*, epic: Epic) -> Epic:
    """Task counters and spent totals from the epic's tasks. Caller holds epic_lock."""
    totals = Task.objects.filter(epic_id=epic.pk).aggregate(
        total=Count("pk"),
        completed=Count("pk", filter=Q(status=TaskStatus.COMPLETED)),
        failed=Count("pk", filter=Q(status=TaskStatus.FAILED)),
        tokens=Sum("actual_tokens"),
        usd=Sum("actual_usd"),
    )
    epic.total_tasks = totals["total"]
    epic.completed_tasks = totals["completed"]
    epic.failed_tasks = totals["failed"]
    epic.spent_tokens = totals["tokens"] or 0
    epic.spent_usd = totals["usd"] or Decimal(0)
    epic.save(
        update_fields=[
            "total_tasks",
            "completed_tasks",
            "failed_tasks",
            "spent_tokens",
            "spent_usd",
            "updated_at",
        ]
    )
    return epic


def epic_emit_updated(*, epic: Epic) -> None:
    events.broadcast_on_commit(channel(epic.pk), "epic_updated", epic_payload(epic))


def epic_check_transition(*, epic: Epic, status: str) -> None:
    allowed = EPIC_TRANSITIONS[epic.status]
    if status not in allowed:
        raise errors.IllegalTransition(
            entity="epic", entity_id=epic.pk, current=epic.status, requested=status, allowed=allowed
        )
    if status == EpicStatus.COMPLETED:
        open_ids = list(epic.tasks.filter(status__in=TASK_OPEN).values_list("pk", flat=True))
        if open_ids:
            raise errors.RegistryConflict(
                f"Cannot complete epic {epic.pk}: tasks still open ({', '.join(open_ids)}). "
                "Finish or cancel them first."
            )


@transaction.atomic
def epic_create(
    *,
    user,
    title: str,
    description: str = "",
    tags: Iterable[str] = (),
    priority: int = 2,
    budget_tokens: int | None = None,
    budget_usd: Decimal | None = None,
    workflow=None,
    created_by_node_id: str = "",
) -> Epic:
    epic = Epic.objects.create(
        user=user,
        title=title,
        description=description,
        tags=list(tags),
        priority=priority,
        budget_tokens=budget_tokens,
        budget_usd=budget_usd,
        workflow=workflow,
        created_by_node_id=created_by_node_id,
    )
    events.broadcast_on_commit(channel(epic.pk), "epic_created", epic_payload(epic))
    return epic


def _cancel_open_tasks(*, epic: Epic) -> None:
    now = timezone.now()
    for task in (
        epic.tasks.select_for_update(of=("self",)).filter(status__in=TASK_OPEN).select_related("execution")
    ):
        task.status = TaskStatus.CANCELLED
        task.completed_at = now
        task.save(update_fields=["status", "completed_at", "updated_at"])
        events.broadcast_on_commit(channel(epic.pk), "task_updated", task_payload(task))


@transaction.atomic
def epic_update(*, epic: Epic, changes: dict) -> Epic:
    """Apply `changes` (EPIC_EDITABLE fields and `status`); a status change must be legal."""
    unknown = set(changes) - set(EPIC_EDITABLE) - {"status"}
    if unknown:
        raise errors.InvalidInput(f"Epic fields not editable: {', '.join(sorted(unknown))}.")
    epic = epic_lock(epic_id=epic.pk)
    status = changes.get("status")
    if status is not None and status != epic.status:
        epic_check_transition(epic=epic, status=status)
        epic.status = status
        epic.completed_at = timezone.now() if status in EPIC_FINISHED else None
        if status == EpicStatus.CANCELLED:
            _cancel_open_tasks(epic=epic)
    for field in EPIC_EDITABLE:
        if field in changes:
            value = changes[field]
            setattr(epic, field, list(value) if field == "tags" else value)
    epic.save()
    epic = epic_recount(epic=epic)
    epic_emit_updated(epic=epic)
    return epic


@transaction.atomic
def epic_record_agent_overhead(*, epic: Epic, tokens: int, usd: Decimal) -> Epic:
    """Add the orchestrating agent's own spend (planning, tool calls), kept apart from task spend."""
    epic = epic_lock(epic_id=epic.pk)
    Epic.objects.filter(pk=epic.pk).update(
        agent_overhead_tokens=F("agent_overhead_tokens") + tokens,
        agent_overhead_usd=F("agent_overhead_usd") + usd,
    )
    epic.refresh_from_db()
    epic_emit_updated(epic=epic)
    return epic


@transaction.atomic
def epic_delete(*, epic: Epic) -> None:
    epic_id = epic.pk
    epic_lock(epic_id=epic_id).delete()
    events.broadcast_on_commit(channel(epic_id), "epic_deleted", {"id": epic_id})


@transaction.atomic
def epic_batch_delete(*, user, epic_ids: Iterable[str]) -> int:
    """Deletes the listed epics the user may see; ids of others are ignored, not revealed."""
    epics = Epic.objects.filter(pk__in=list(epic_ids))
    if not user.is_admin:
        epics = epics.filter(epic_visible_q(user))
    deleted = 0
    for epic in epics:
        epic_delete(epic=epic)
        deleted += 1
    return deleted
