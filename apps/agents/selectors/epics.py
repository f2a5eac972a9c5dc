"""Reads of the task registry, scoped to who may see an epic: its owner, the human who created that
owner (for agent users), and admins."""

from functools import cache

from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404

from pipelit import sql

from ..models import Epic, EpicStatus, Task
from ..models.epics import EPIC_FINISHED


def epic_visible_q(user, prefix: str = "") -> Q:
    return Q(**{f"{prefix}user": user}) | Q(**{f"{prefix}user__created_by": user})


def _tags_q(tags: list[str]) -> Q:
    """Any of `tags` (JSON list): match the quoted tag in the serialized text, on every backend."""
    q = Q()
    for tag in tags:
        q |= Q(tags__icontains=f'"{tag}"')
    return q


def epic_list(
    *, user, status: str | None = None, tags: list[str] | None = None, query: str = ""
) -> QuerySet[Epic]:
    epics = Epic.objects.select_related("user")
    if not user.is_admin:
        epics = epics.filter(epic_visible_q(user))
    if query:
        epics = epics.filter(Q(title__icontains=query) | Q(description__icontains=query))
    if status:
        epics = epics.filter(status=status)
    if tags:
        epics = epics.filter(_tags_q(tags))
    return epics.order_by("-id")


def epic_outcome_stats(*, epics: QuerySet[Epic]) -> dict:
    """Of the finished epics in `epics`: completed / finished, and the mean spend of completed ones."""
    totals = epics.order_by().aggregate(
        finished=Count("pk", filter=Q(status__in=EPIC_FINISHED)),
        completed=Count("pk", filter=Q(status=EpicStatus.COMPLETED)),
        avg_usd=Avg("spent_usd", filter=Q(status=EpicStatus.COMPLETED)),
        avg_tokens=Avg("spent_tokens", filter=Q(status=EpicStatus.COMPLETED)),
    )
    finished = totals["finished"]
    return {
        "success_rate": round(totals["completed"] / finished, 4) if finished else None,
        "avg_cost": {
            "usd": float(totals["avg_usd"]) if totals["avg_usd"] is not None else None,
            "tokens": float(totals["avg_tokens"]) if totals["avg_tokens"] is not None else None,
        },
    }


def epic_get(*, user, epic_id: str) -> Epic:
    epic = Epic.objects.select_related("user").filter(pk=epic_id).first()
    if epic is None or not epic_user_can_see(user=user, epic=epic):
        raise Http404("Epic not found.")
    return epic


def epic_user_can_see(*, user, epic: Epic) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.is_admin or epic.user_id == user.pk or epic.user.created_by_id == user.pk


def epic_subscribable(user, epic_id: str) -> bool:
    """Channel authorizer for `epic:<id>` (see pipelit.events.register_channel_authorizer)."""
    epic = Epic.objects.select_related("user").filter(pk=epic_id).first()
    return epic is not None and epic_user_can_see(user=user, epic=epic)


def task_list(
    *,
    user,
    epic_id: str | None = None,
    status: str | None = None,
    tags: list[str] | None = None,
) -> QuerySet[Task]:
    tasks = Task.objects.all()
    if not user.is_admin:
        tasks = tasks.filter(epic_visible_q(user, prefix="epic__"))
    if epic_id:
        tasks = tasks.filter(epic_id=epic_id)
    if status:
        tasks = tasks.filter(status=status)
    if tags:
        tasks = tasks.filter(_tags_q(tags))
    return tasks.select_related("execution").order_by("id")


def task_get(*, user, task_id: str) -> Task:
    task = Task.objects.select_related("epic__user", "execution").filter(pk=task_id).first()
    if task is None or not epic_user_can_see(user=user, epic=task.epic):
        raise Http404("Task not found.")
    return task


def task_links_execution(*, execution_id: int) -> bool:
    """Whether some task links the execution (asked after every run, so written out: pipelit/sql.py)."""
    return sql.exists(_task_links_sql(), [execution_id])


@cache
def _task_links_sql() -> str:
    return f"SELECT 1 FROM {sql.column(Task)} WHERE {sql.column(Task, 'execution')} = %s LIMIT 1"
