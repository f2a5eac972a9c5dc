"""Reads of global memory for the REST lists (searching lives in services.memory: reads count accesses)."""

from django.db.models import F, QuerySet

from ..models import MemoryEpisode, MemoryFact, MemoryProcedure, MemoryUser


def memory_fact_list(*, scope: str | None = None, fact_type: str | None = None) -> QuerySet[MemoryFact]:
    facts = MemoryFact.objects.all()
    if scope:
        facts = facts.filter(scope=scope)
    if fact_type:
        facts = facts.filter(fact_type=fact_type)
    return facts.order_by("-updated_at", "id")


def memory_episode_list(*, agent_id: str | None = None) -> QuerySet[MemoryEpisode]:
    episodes = MemoryEpisode.objects.all()
    if agent_id:
        episodes = episodes.filter(agent_id=agent_id)
    return episodes.order_by("-created_at", "id")


def memory_procedure_list(*, agent_id: str | None = None) -> QuerySet[MemoryProcedure]:
    procedures = MemoryProcedure.objects.all()
    if agent_id:
        procedures = procedures.filter(agent_id=agent_id)
    return procedures.order_by("-created_at", "id")


def memory_user_list() -> QuerySet[MemoryUser]:
    return MemoryUser.objects.order_by(F("last_seen_at").desc(nulls_last=True), "-created_at", "id")
