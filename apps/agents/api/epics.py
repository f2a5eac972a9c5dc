"""/api/v1/epics/: list with filters, create, detail, patch (checked lifecycle), delete, batch-delete, tasks."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from pipelit.api import paginate

from .. import selectors, services
from ..models import EpicStatus, TaskStatus
from ..payloads import epic_payload, task_payload
from .common import AgentsAPIView, envelope
from .registry_common import (
    OptionalUsd,
    Text,
    count_field,
    priority_field,
    query_filters,
    tags_field,
    workflow_by_id,
)
from .tasks import TaskOut

TAG = ["epics"]


class EpicCreate(serializers.Serializer):
    title = Text(max_length=500)
    description = Text(allow_blank=True, default="")
    tags = tags_field(default=list)
    priority = priority_field(default=2)
    budget_tokens = count_field(allow_null=True, default=None)
    budget_usd = OptionalUsd(allow_null=True, default=None)
    workflow_id = serializers.IntegerField(allow_null=True, default=None)


class EpicPatch(serializers.Serializer):
    title = Text(max_length=500, required=False)
    description = Text(allow_blank=True, required=False)
    tags = tags_field(required=False)
    status = serializers.ChoiceField(choices=EpicStatus.values, required=False)
    priority = priority_field(required=False)
    budget_tokens = count_field(allow_null=True, required=False)
    budget_usd = OptionalUsd(allow_null=True, required=False)
    result_summary = Text(allow_blank=True, required=False)


class EpicIds(serializers.Serializer):
    epic_ids = serializers.ListField(child=Text(max_length=32), max_length=1000)


class EpicOut(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=EpicStatus.values)
    priority = serializers.IntegerField()
    spent_tokens = serializers.IntegerField()
    spent_usd = serializers.FloatField()
    total_tasks = serializers.IntegerField()
    completed_tasks = serializers.IntegerField()


LIST_PARAMS = [
    OpenApiParameter("status", str, enum=EpicStatus.values),
    OpenApiParameter("tags", str, description="Comma-separated; any of them matches."),
]


class EpicListView(AgentsAPIView):
    @extend_schema(
        tags=TAG,
        summary="Epics I may see",
        operation_id="epics_list",
        parameters=LIST_PARAMS,
        responses=envelope("Epic", EpicOut),
    )
    def get(self, request):
        epics = selectors.epic_list(user=request.user, **query_filters(request, statuses=EpicStatus.values))
        return paginate(request, epics, lambda page: [epic_payload(e) for e in page])

    @extend_schema(tags=TAG, summary="Create an epic", request=EpicCreate, responses={201: EpicOut})
    def post(self, request):
        data = self.parse(EpicCreate)
        workflow = workflow_by_id(user=request.user, workflow_id=data.pop("workflow_id"))
        epic = services.epic_create(user=request.user, workflow=workflow, **data)
        return Response(epic_payload(epic), status=status.HTTP_201_CREATED)


class EpicDetailView(AgentsAPIView):
    @extend_schema(tags=TAG, summary="One epic", responses=EpicOut)
    def get(self, request, epic_id: str):
        return Response(epic_payload(selectors.epic_get(user=request.user, epic_id=epic_id)))

    @extend_schema(
        tags=TAG,
        summary="Update an epic",
        description="A status change must follow the lifecycle (409 otherwise, naming the legal moves); "
        "`cancelled` cancels the epic's pending, blocked and running tasks.",
        request=EpicPatch,
        responses=EpicOut,
    )
    def patch(self, request, epic_id: str):
        epic = selectors.epic_get(user=request.user, epic_id=epic_id)
        epic = services.epic_update(epic=epic, changes=self.parse(EpicPatch))
        return Response(epic_payload(epic))

    @extend_schema(tags=TAG, summary="Delete an epic and its tasks", responses={204: None})
    def delete(self, request, epic_id: str):
        services.epic_delete(epic=selectors.epic_get(user=request.user, epic_id=epic_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EpicBatchDeleteView(AgentsAPIView):
    @extend_schema(tags=TAG, summary="Delete several epics", request=EpicIds, responses={204: None})
    def post(self, request):
        services.epic_batch_delete(user=request.user, epic_ids=self.parse(EpicIds)["epic_ids"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class EpicTasksView(AgentsAPIView):
    @extend_schema(
        tags=TAG,
        summary="The tasks of an epic",
        operation_id="epic_tasks_list",
        parameters=LIST_PARAMS[:1],
        responses=envelope("EpicTask", TaskOut),
    )
    def get(self, request, epic_id: str):
        epic = selectors.epic_get(user=request.user, epic_id=epic_id)
        filters = query_filters(request, statuses=TaskStatus.values)
        tasks = selectors.task_list(user=request.user, epic_id=epic.pk, **filters)
        return paginate(request, tasks, lambda page: [task_payload(t) for t in page])
