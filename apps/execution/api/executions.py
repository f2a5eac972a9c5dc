"""`/api/v1/executions/`: list, detail with logs, cancel, batch-delete."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from pipelit.api import paginate

from .. import selectors
from ..models import ExecutionStatus, WorkflowExecution
from ..serializers import (
    BatchDeleteExecutionsSerializer,
    serialize_execution,
    serialize_execution_detail,
)
from ..services import executions as services


class ExecutionListView(APIView):
    def get(self, request):
        status_filter = request.query_params.get("status") or None
        if status_filter and status_filter not in ExecutionStatus.values:
            return Response(
                {"detail": f"Unknown status {status_filter!r}; one of {', '.join(ExecutionStatus.values)}."},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        executions = selectors.execution_list(
            user=request.user,
            workflow_slug=request.query_params.get("workflow_slug") or None,
            status=status_filter,
        ).select_related("parent_execution")
        return paginate(request, executions, lambda page: [serialize_execution(e) for e in page])


class ExecutionDetailView(APIView):
    def get(self, request, execution_id):
        execution = selectors.execution_get_for_user(user=request.user, execution_id=execution_id)
        return Response(serialize_execution_detail(execution, selectors.execution_logs(execution=execution)))

    def delete(self, request, execution_id):
        execution = selectors.execution_get_for_user(user=request.user, execution_id=execution_id)
        services.execution_batch_delete(executions=WorkflowExecution.objects.filter(pk=execution.pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExecutionCancelView(APIView):
    def post(self, request, execution_id):
        execution = selectors.execution_get_for_user(user=request.user, execution_id=execution_id)
        return Response(serialize_execution(services.execution_cancel(execution=execution)))


class ExecutionBatchDeleteView(APIView):
    def post(self, request):
        body = BatchDeleteExecutionsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        visible = selectors.execution_list(user=request.user).filter(
            execution_id__in=body.validated_data["execution_ids"]
        )
        services.execution_batch_delete(
            executions=WorkflowExecution.objects.filter(pk__in=visible.values("pk"))
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
