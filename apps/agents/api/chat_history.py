"""Chat history of the caller's conversation with a workflow (agents with conversation_memory)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.workflows.selectors import workflow_get_for_user
from pipelit.api import UnprocessableEntity
from pipelit.dates import parse_instant

from .. import conversations

DEFAULT_LIMIT = 10
MAX_LIMIT = 500

_HISTORY = inline_serializer(
    "ChatHistory",
    {
        "messages": serializers.ListField(child=serializers.DictField()),
        "thread_id": serializers.CharField(),
        "has_more": serializers.BooleanField(),
    },
)


def _limit(raw: str | None) -> int:
    if raw in (None, ""):
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise UnprocessableEntity("limit must be an integer") from None
    if not 1 <= value <= MAX_LIMIT:
        raise UnprocessableEntity(f"limit must be between 1 and {MAX_LIMIT}")
    return value


def _before(raw: str | None):
    if not raw:
        return None
    value = parse_instant(raw)
    if value is None:
        raise UnprocessableEntity("before must be an ISO-8601 datetime")
    return value


class ChatHistoryView(APIView):
    @extend_schema(
        operation_id="workflow_chat_history",
        parameters=[
            OpenApiParameter("limit", int, description="Max messages (default 10)"),
            OpenApiParameter("before", str, description="ISO datetime: only older messages"),
        ],
        responses={200: _HISTORY},
    )
    def get(self, request, slug):
        workflow = workflow_get_for_user(user=request.user, slug=slug)
        limit = _limit(request.query_params.get("limit"))
        before = _before(request.query_params.get("before"))
        thread_id = conversations.thread_id_for(user_id=request.user.pk, workflow_id=workflow.pk)
        messages, has_more = conversations.history_page(thread_id=thread_id, limit=limit, before=before)
        return Response({"messages": messages, "thread_id": thread_id, "has_more": has_more})

    @extend_schema(operation_id="workflow_chat_history_clear", responses={204: None})
    def delete(self, request, slug):
        workflow = workflow_get_for_user(user=request.user, slug=slug)
        thread_id = conversations.thread_id_for(user_id=request.user.pk, workflow_id=workflow.pk)
        conversations.history_clear(thread_id=thread_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
