"""Firing triggers over REST: manual `execute/` and `chat/` on a workflow the caller may write."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.workflows.selectors import workflow_get_for_user

from ..serializers import ChatSerializer, ExecuteSerializer
from ..services.pauses import execution_resume_from_chat
from ..services.triggers import trigger_fire


class WorkflowExecuteView(APIView):
    def post(self, request, slug):
        workflow = workflow_get_for_user(user=request.user, slug=slug, write=True)
        body = ExecuteSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        payload = {"text": body.validated_data["text"], **body.validated_data["payload"]}
        payload.setdefault("payload", dict(body.validated_data["payload"]))
        execution = trigger_fire(
            workflow=workflow,
            component_type="trigger_manual",
            payload=payload,
            user=request.user,
            trigger_node_id=body.validated_data["trigger_node_id"] or None,
        )
        return Response(
            {"execution_id": str(execution.execution_id), "status": execution.status},
            status=status.HTTP_202_ACCEPTED,
        )


class WorkflowChatView(APIView):
    def post(self, request, slug):
        workflow = workflow_get_for_user(user=request.user, slug=slug, write=True)
        body = ChatSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        text = body.validated_data["text"]
        thread_id = f"{request.user.pk}:{workflow.pk}"
        resumed = execution_resume_from_chat(workflow=workflow, thread_id=thread_id, text=text)
        if resumed is not None:  # the message answers the confirmation this thread's run waits for
            return Response(
                {
                    "execution_id": str(resumed.execution_id),
                    "status": resumed.status,
                    "response": "",
                    "resumed": True,
                }
            )
        execution = trigger_fire(
            workflow=workflow,
            component_type="trigger_chat",
            payload={"text": text, "files": [], "payload": {"text": text, "user_id": request.user.pk}},
            user=request.user,
            trigger_node_id=body.validated_data["trigger_node_id"] or None,
            thread_id=thread_id,
        )
        return Response(
            {"execution_id": str(execution.execution_id), "status": execution.status, "response": ""}
        )
