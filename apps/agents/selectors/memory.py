"""Reads of global memory for the REST lists and the Memories page (searching as an agent does lives
in services.memory: an agent's reads count accesses, browsing does not)."""

from django.db.models import F, Q, QuerySet

from ..models import MemoryEpisode, MemoryFact, MemoryProcedure, MemoryUser


def _search_q(search: str | None, *fields: str) -> Q:
    q = Q()
    for field in fields if search else ():
        q |= Q(**{f"{field}__icontains": search})
    return q


def memory_fact_list(
    *, scope: str | None = None, fact_type: str | None = None, search: str | None = None
) -> QuerySet[MemoryFact]:
    facts = MemoryFact.objects.filter(_search_q(search, "key", "value"))
    if scope:
        facts = facts.filter(scope=scope)
    if fact_type:
        facts = facts.filter(fact_type=fact_type)
    return facts.order_by("-updated_at", "id")


def memory_episode_list(*, agent_id: str | None = None, search: str | None = None) -> QuerySet[MemoryEpisode]:
    episodes = MemoryEpisode.objects.filter(
        _search_q(search, "summary", "agent_id", "workflow_slug", "trigger_type")
    )
    if agent_id:
        episodes = episodes.filter(agent_id=agent_id)
    return episodes.order_by("-created_at", "id")


def memory_procedure_list(
    *, agent_id: str | None = None, search: str | None = None
) -> QuerySet[MemoryProcedure]:
    procedures = MemoryProcedure.objects.filter(_search_q(search, "name", "description", "agent_id"))
    if agent_id:
        procedures = procedures.filter(agent_id=agent_id)
    return procedures.order_by("-created_at", "id")


def memory_user_list(*, search: str | None = None) -> QuerySet[MemoryUser]:
    users = MemoryUser.objects.filter(_search_q(search, "canonical_id", "display_name", "email"))
    return users.order_by(F("last_seen_at").desc(nulls_last=True), "-created_at", "id")
