"""/api/v1/tasks/: list with filters, create (dependencies decide blocked/pending), detail, patch, delete."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from pipelit.api import paginate

from .. import selectors, services
from ..models import TaskStatus, WorkflowSource
from ..payloads import task_payload
from .common import AgentsAPIView, envelope
from .registry_common import (
    Text,
    count_field,
    execution_by_id,
    priority_field,
    query_filters,
    tags_field,
    workflow_by_slug,
)

TAG = ["tasks"]


class TaskCreate(serializers.Serializer):
    epic_id = Text(max_length=32)
    title = Text(max_length=500)
    description = Text(allow_blank=True, default="")
    tags = tags_field(default=list)
    depends_on = serializers.ListField(child=Text(max_length=32), max_length=200, default=list)
    priority = priority_field(allow_null=True, default=2)
    workflow_slug = Text(max_length=255, allow_null=True, allow_blank=True, default=None)
    estimated_tokens = count_field(allow_null=True, default=None)
    max_retries = serializers.IntegerField(min_value=0, max_value=100, default=2)
    requirements = serializers.DictField(allow_null=True, default=None)


class TaskPatch(serializers.Serializer):
    title = Text(max_length=500, required=False)
    description = Text(allow_blank=True, required=False)
    tags = tags_field(required=False)
    status = serializers.ChoiceField(choices=TaskStatus.values, required=False)
    priority = priority_field(required=False)
    workflow_slug = Text(max_length=255, allow_null=True, allow_blank=True, required=False)
    workflow_source = serializers.ChoiceField(choices=WorkflowSource.values, required=False)
    execution_id = serializers.UUIDField(allow_null=True, required=False)
    result_summary = Text(allow_blank=True, allow_null=True, required=False)
    error_message = Text(allow_blank=True, allow_null=True, required=False)
    notes = serializers.ListField(required=False, max_length=1000)
    estimated_tokens = count_field(allow_null=True, required=False)


class TaskIds(serializers.Serializer):
    task_ids = serializers.ListField(child=Text(max_length=32), max_length=1000)


class TaskOut(serializers.Serializer):
    id = serializers.CharField()
    epic_id = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=TaskStatus.values)
    depends_on = serializers.ListField(child=serializers.CharField())
    actual_tokens = serializers.IntegerField()
    actual_usd = serializers.FloatField()


LIST_PARAMS = [
    OpenApiParameter("epic_id", str),
    OpenApiParameter("status", str, enum=TaskStatus.values),
    OpenApiParameter("tags", str, description="Comma-separated; any of them matches."),
]


def _changes(request, data: dict) -> dict:
    """PATCH fields -> service changes: slugs and execution ids become links, nulls become blanks."""
    changes = dict(data)
    if "workflow_slug" in changes:
        slug = changes["workflow_slug"] or ""
        changes["workflow_slug"] = slug
        changes["workflow"] = workflow_by_slug(user=request.user, slug=slug)
    if "execution_id" in changes:
        changes["execution"] = execution_by_id(user=request.user, execution_id=changes.pop("execution_id"))
    for field in ("result_summary", "error_message"):
        if field in changes and changes[field] is None:
            changes[field] = ""
    return changes


class TaskListView(AgentsAPIView):
    @extend_schema(
        tags=TAG,
        summary="Tasks I may see",
        operation_id="tasks_list",
        parameters=LIST_PARAMS,
        responses=envelope("Task", TaskOut),
    )
    def get(self, request):
        filters = query_filters(request, statuses=TaskStatus.values)
        epic_id = request.query_params.get("epic_id") or None
        tasks = selectors.task_list(user=request.user, epic_id=epic_id, **filters)
        return paginate(request, tasks, lambda page: [task_payload(t) for t in page])

    @extend_schema(
        tags=TAG,
        summary="Create a task in an epic",
        description="Starts `blocked` while a dependency is not completed. 409 when the epic is finished "
        "or the task would exceed the epic's budget.",
        request=TaskCreate,
        responses={201: TaskOut},
    )
    def post(self, request):
        data = self.parse(TaskCreate)
        epic = selectors.epic_get(user=request.user, epic_id=data.pop("epic_id"))
        slug = data.pop("workflow_slug") or ""
        task = services.task_create(
            epic=epic,
            workflow=workflow_by_slug(user=request.user, slug=slug),
            workflow_slug=slug,
            **{**data, "priority": data["priority"] or 2},
        )
        return Response(task_payload(task), status=status.HTTP_201_CREATED)


class TaskDetailView(AgentsAPIView):
    @extend_schema(tags=TAG, summary="One task", responses=TaskOut)
    def get(self, request, task_id: str):
        return Response(task_payload(selectors.task_get(user=request.user, task_id=task_id)))

    @extend_schema(
        tags=TAG,
        summary="Update a task",
        description="A status change must follow the lifecycle (409 otherwise, naming the legal moves). "
        "Completing a task unblocks dependents whose dependencies are all completed.",
        request=TaskPatch,
        responses=TaskOut,
    )
    def patch(self, request, task_id: str):
        task = selectors.task_get(user=request.user, task_id=task_id)
        task = services.task_update(task=task, changes=_changes(request, self.parse(TaskPatch)))
        return Response(task_payload(task))

    @extend_schema(tags=TAG, summary="Delete a task", responses={204: None})
    def delete(self, request, task_id: str):
        services.task_delete(task=selectors.task_get(user=request.user, task_id=task_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TaskBatchDeleteView(AgentsAPIView):
    @extend_schema(tags=TAG, summary="Delete several tasks", request=TaskIds, responses={204: None})
    def post(self, request):
        services.task_batch_delete(user=request.user, task_ids=self.parse(TaskIds)["task_ids"])
        return Response(status=status.HTTP_204_NO_CONTENT)
