"""/api/v1/memories/: list and batch-delete facts, episodes, procedures and memory users.

Memory is global by design (any workflow's agents read and write it), so every signed-in user may
browse it, as the reference specifies. LangGraph checkpoints are not listed here (see the report).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from pipelit.api import paginate

from .. import payloads, selectors, services
from ..models import FactScope, FactType, MemoryEpisode, MemoryFact, MemoryProcedure, MemoryUser
from .common import AgentsAPIView, envelope

TAG = ["memory"]


class UuidIds(serializers.Serializer):
    ids = serializers.ListField(child=serializers.UUIDField(), max_length=1000)


class _BatchDelete(AgentsAPIView):
    model = None

    def post(self, request):
        services.memory_batch_delete(model=self.model, ids=self.parse(UuidIds)["ids"])
        return Response(status=status.HTTP_204_NO_CONTENT)


def _batch_delete_view(name: str, model):
    def post(self, request):
        return _BatchDelete.post(self, request)

    post = extend_schema(
        tags=TAG,
        summary=f"Delete several {name.lower()}",
        request=UuidIds,
        responses={204: None},
        operation_id=f"memories_{name.lower()}_batch_delete",
    )(post)
    return type(f"{name}BatchDeleteView", (_BatchDelete,), {"model": model, "post": post})


def _out(schema_name: str, /, **fields) -> serializers.Serializer:
    item = type(f"{schema_name}Out", (serializers.Serializer,), {"id": serializers.UUIDField(), **fields})
    return envelope(schema_name, item)


FactsOut = _out(
    "MemoryFact",
    key=serializers.CharField(),
    value=serializers.JSONField(),
    scope=serializers.CharField(),
    confidence=serializers.FloatField(),
)
EpisodesOut = _out(
    "MemoryEpisode",
    agent_id=serializers.CharField(),
    success=serializers.BooleanField(),
    summary=serializers.CharField(),
)
ProceduresOut = _out("MemoryProcedure", name=serializers.CharField(), success_rate=serializers.FloatField())
UsersOut = _out(
    "MemoryUser", canonical_id=serializers.CharField(), total_conversations=serializers.IntegerField()
)


SEARCH_PARAM = OpenApiParameter("search", str, description="Case-insensitive text to look for")
AGENT_PARAM = [OpenApiParameter("agent_id", str), SEARCH_PARAM]


def _search(request) -> str | None:
    return (request.query_params.get("search") or "").strip() or None


class FactListView(AgentsAPIView):
    @extend_schema(
        tags=TAG,
        summary="Memory facts",
        operation_id="memories_facts_list",
        responses=FactsOut,
        parameters=[
            OpenApiParameter("scope", str, enum=FactScope.values),
            OpenApiParameter("fact_type", str, enum=FactType.values),
            SEARCH_PARAM,
        ],
    )
    def get(self, request):
        facts = selectors.memory_fact_list(
            scope=request.query_params.get("scope") or None,
            fact_type=request.query_params.get("fact_type") or None,
            search=_search(request),
        )
        return paginate(request, facts, lambda page: [payloads.fact_payload(f) for f in page])


class EpisodeListView(AgentsAPIView):
    @extend_schema(
        tags=TAG,
        summary="Memory episodes",
        operation_id="memories_episodes_list",
        responses=EpisodesOut,
        parameters=AGENT_PARAM,
    )
    def get(self, request):
        episodes = selectors.memory_episode_list(
            agent_id=request.query_params.get("agent_id") or None, search=_search(request)
        )
        return paginate(
            request,
            episodes.select_related("execution"),
            lambda page: [payloads.episode_payload(e) for e in page],
        )


class ProcedureListView(AgentsAPIView):
    @extend_schema(
        tags=TAG,
        summary="Memory procedures",
        operation_id="memories_procedures_list",
        responses=ProceduresOut,
        parameters=AGENT_PARAM,
    )
    def get(self, request):
        procedures = selectors.memory_procedure_list(
            agent_id=request.query_params.get("agent_id") or None, search=_search(request)
        )
        return paginate(request, procedures, lambda page: [payloads.procedure_payload(p) for p in page])


class MemoryUserListView(AgentsAPIView):
    @extend_schema(
        tags=TAG,
        summary="Memory users",
        operation_id="memories_users_list",
        responses=UsersOut,
        parameters=[SEARCH_PARAM],
    )
    def get(self, request):
        return paginate(
            request,
            selectors.memory_user_list(search=_search(request)),
            lambda page: [payloads.memory_user_payload(u) for u in page],
        )


FactBatchDeleteView = _batch_delete_view("Facts", MemoryFact)
EpisodeBatchDeleteView = _batch_delete_view("Episodes", MemoryEpisode)
ProcedureBatchDeleteView = _batch_delete_view("Procedures", MemoryProcedure)
MemoryUserBatchDeleteView = _batch_delete_view("Users", MemoryUser)
