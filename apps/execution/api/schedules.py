"""`/api/v1/schedules/` (list, create, detail, patch, delete, pause, resume, batch-delete) and the node-level
`workflows/<slug>/nodes/<node_id>/schedule/start|pause|stop` actions. Scoped to workflows the caller
owns or collaborates on."""

from __future__ import annotations

from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.workflows.models import Workflow, WorkflowNode
from apps.workflows.selectors import node_get, workflow_get_for_user, workflow_visible_q
from apps.workflows.serializers import serialize_node
from pipelit.api import UnprocessableEntity, paginate

from ..models import ScheduledJob, ScheduleStatus
from ..scheduling import ScheduleError, ScheduleTransitionError
from ..selectors import schedule_get_for_user, schedule_list
from ..services import schedules as services


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Bad request."


def iso(value):
    return value.isoformat() if value else None


def serialize_schedule(job: ScheduledJob) -> dict:
    return {
        "id": str(job.pk),
        "name": job.name,
        "description": job.description,
        "workflow_id": job.workflow_id,
        "trigger_node_id": job.trigger_node.node_id,
        "user_profile_id": job.user_id,
        "interval_seconds": job.interval_seconds,
        "cron": job.cron,
        "timezone": job.timezone,
        "total_repeats": job.total_repeats,
        "max_retries": job.max_retries,
        "timeout_seconds": job.timeout_seconds,
        "trigger_payload": job.trigger_payload,
        "status": job.status,
        "current_repeat": job.current_repeat,
        "current_retry": job.current_retry,
        "last_run_at": iso(job.last_run_at),
        "next_run_at": iso(job.next_run_at),
        "run_count": job.run_count,
        "error_count": job.error_count,
        "last_error": job.last_error,
        "created_at": iso(job.created_at),
        "updated_at": iso(job.updated_at),
    }


class _ScheduleFields(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    interval_seconds = serializers.IntegerField(min_value=1)
    cron = serializers.CharField(required=False, allow_blank=True, default="")
    timezone = serializers.CharField(required=False, default="UTC")
    total_repeats = serializers.IntegerField(min_value=0, required=False, default=0)
    max_retries = serializers.IntegerField(min_value=0, required=False, default=3)
    timeout_seconds = serializers.IntegerField(min_value=1, required=False, default=600)
    trigger_payload = serializers.DictField(required=False, allow_null=True, default=None)


class ScheduleCreateSerializer(_ScheduleFields):
    workflow_id = serializers.IntegerField()
    trigger_node_id = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)


class ScheduleBatchDeleteSerializer(serializers.Serializer):
    schedule_ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=True)


def _validated(serializer_cls, data, *, partial=False) -> dict:
    serializer = serializer_cls(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    if partial:  # partial validation still fills defaults; keep only what was sent
        return {k: v for k, v in serializer.validated_data.items() if k in (data or {})}
    return dict(serializer.validated_data)


def _schedule_error(exc: ScheduleError) -> UnprocessableEntity:
    return UnprocessableEntity([{"loc": ["body", exc.field], "msg": exc.message, "type": "value_error"}])


def _resolve_node(workflow: Workflow, node_id: str | None) -> WorkflowNode:
    nodes = WorkflowNode.objects.filter(workflow=workflow)
    node = nodes.filter(node_id=node_id).first() if node_id else None
    if node_id and node is None:
        raise UnprocessableEntity(
            [{"loc": ["body", "trigger_node_id"], "msg": "Node not found.", "type": "value_error"}]
        )
    node = node or nodes.filter(component_type=services.SCHEDULE_COMPONENT).order_by("id").first()
    if node is None:
        raise UnprocessableEntity(
            [
                {
                    "loc": ["body", "trigger_node_id"],
                    "msg": "Workflow has no trigger_schedule node.",
                    "type": "value_error",
                }
            ]
        )
    return node


class ScheduleListView(APIView):
    def get(self, request):
        jobs = schedule_list(user=request.user)
        status_filter = request.query_params.get("status")
        if status_filter:
            if status_filter not in ScheduleStatus.values:
                raise BadRequest(f"Unknown status '{status_filter}'.")
            jobs = jobs.filter(status=status_filter)
        workflow_id = request.query_params.get("workflow_id")
        if workflow_id:
            if not workflow_id.isdigit():
                raise BadRequest("workflow_id must be an integer.")
            jobs = jobs.filter(workflow_id=int(workflow_id))
        return paginate(request, jobs, lambda page: [serialize_schedule(j) for j in page])

    def post(self, request):
        data = _validated(ScheduleCreateSerializer, request.data)
        workflow = Workflow.objects.alive().filter(workflow_visible_q(request.user), pk=data["workflow_id"])
        workflow = workflow.first()
        if workflow is None:
            raise Http404("Workflow not found.")
        node = _resolve_node(workflow, data.pop("trigger_node_id"))
        data.pop("workflow_id")
        data["timezone_name"] = data.pop("timezone")
        try:
            job = services.schedule_create(workflow=workflow, trigger_node=node, user=request.user, **data)
        except ScheduleError as exc:
            raise _schedule_error(exc) from None
        return Response(serialize_schedule(job), status=status.HTTP_201_CREATED)


class ScheduleBatchDeleteView(APIView):
    def post(self, request):
        data = _validated(ScheduleBatchDeleteSerializer, request.data)
        jobs = schedule_list(user=request.user).filter(pk__in=data["schedule_ids"])
        services.schedule_batch_delete(jobs=ScheduledJob.objects.filter(pk__in=jobs.values("pk")))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScheduleDetailView(APIView):
    def get(self, request, job_id):
        return Response(serialize_schedule(schedule_get_for_user(user=request.user, job_id=job_id)))

    def patch(self, request, job_id):
        job = schedule_get_for_user(user=request.user, job_id=job_id)
        changes = _validated(_ScheduleFields, request.data, partial=True)
        if "timezone" in changes:
            changes["timezone_name"] = changes.pop("timezone")
        try:
            job = services.schedule_update(job=job, changes=changes)
        except ScheduleError as exc:
            raise _schedule_error(exc) from None
        return Response(serialize_schedule(job))

    def delete(self, request, job_id):
        services.schedule_delete(job=schedule_get_for_user(user=request.user, job_id=job_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _transition(action, job: ScheduledJob) -> ScheduledJob:
    try:
        return action(job=job)
    except ScheduleTransitionError as exc:
        raise BadRequest(str(exc)) from None


class SchedulePauseView(APIView):
    def post(self, request, job_id):
        job = _transition(services.schedule_pause, schedule_get_for_user(user=request.user, job_id=job_id))
        return Response(serialize_schedule(job))


class ScheduleResumeView(APIView):
    def post(self, request, job_id):
        job = _transition(services.schedule_resume, schedule_get_for_user(user=request.user, job_id=job_id))
        return Response(serialize_schedule(job))


class NodeScheduleView(APIView):
    """POST .../nodes/<node_id>/schedule/<action>/ with action start | pause | stop -> the node object."""

    action = "start"

    def post(self, request, slug, node_id):
        workflow = workflow_get_for_user(user=request.user, slug=slug, write=True)
        node = node_get(workflow=workflow, node_id=node_id)
        if node.component_type != services.SCHEDULE_COMPONENT:
            raise BadRequest("Node is not a trigger_schedule.")
        if self.action == "start":
            try:
                job = services.node_schedule_start(node=node, user=request.user)
            except ScheduleError as exc:
                raise _schedule_error(exc) from None
        elif self.action == "pause":
            job = _transition(services.schedule_pause, services.node_schedule_get(node=node))
        else:
            job = _transition(services.schedule_stop, services.node_schedule_get(node=node))
        return Response({**serialize_node(node), "schedule_job": serialize_schedule(job)})
