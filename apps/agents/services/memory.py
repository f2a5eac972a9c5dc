"""Global memory writes and the searches behind the memory tools (`recall`, `remember`, identify_user).

Search follows the reference: the query's words (spaces, underscores and hyphens are equivalent) must
appear in order (`local time` ~ `%local%time%`), facts below `min_confidence` are dropped, and results
rank by confidence, most confident first. Reads count accesses (`access_count`, `last_accessed_at`).
"""

import json
import re

from django.db import IntegrityError, transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from .. import errors
from ..models import FactScope, FactType, MemoryEpisode, MemoryFact, MemoryProcedure, MemoryUser
from ..models.memory import SCOPE_ORDER

_SEPARATORS = re.compile(r"[\s_\-]+")
CONFIRM_STEP = 0.05


def fuzzy_pattern(text: str) -> str | None:
    """`local time` -> `local.*time` (a case-insensitive regex both SQLite and PostgreSQL run)."""
    words = [word for word in _SEPARATORS.split(text.strip()) if word]
    return ".*".join(re.escape(word) for word in words) if words else None


def _scope_ids(*, agent_id: str, memory_user: MemoryUser | None, session_id: str) -> dict[str, str]:
    """The scopes a caller can see, each with the owner id it is keyed by; global always."""
    ids = {FactScope.GLOBAL: ""}
    if agent_id:
        ids[FactScope.AGENT] = agent_id
    if memory_user is not None:
        ids[FactScope.USER] = str(memory_user.pk)
    if session_id:
        ids[FactScope.SESSION] = session_id
    return ids


def _visible_q(**owner) -> Q:
    q = Q()
    for scope, scope_id in _scope_ids(**owner).items():
        q |= Q(scope=scope, scope_id=scope_id)
    return q


def _touch(facts: list[MemoryFact]) -> list[MemoryFact]:
    if facts:
        now = timezone.now()
        MemoryFact.objects.filter(pk__in=[f.pk for f in facts]).update(
            access_count=F("access_count") + 1, last_accessed_at=now
        )
        for fact in facts:
            fact.access_count += 1
            fact.last_accessed_at = now
    return facts


def memory_fact_lookup(
    *, key: str, agent_id: str = "", memory_user: MemoryUser | None = None, session_id: str = ""
) -> MemoryFact | None:
    """Exact key, most specific scope first (session, user, agent, global)."""
    ids = _scope_ids(agent_id=agent_id, memory_user=memory_user, session_id=session_id)
    found = {
        fact.scope: fact
        for fact in MemoryFact.objects.filter(key=key).filter(
            _visible_q(agent_id=agent_id, memory_user=memory_user, session_id=session_id)
        )
    }
    for scope in SCOPE_ORDER:
        if scope in ids and scope in found:
            return _touch([found[scope]])[0]
    return None


def memory_fact_search(
    *,
    query: str = "",
    min_confidence: float = 0.5,
    limit: int = 10,
    agent_id: str = "",
    memory_user: MemoryUser | None = None,
    session_id: str = "",
) -> list[MemoryFact]:
    """Visible facts whose key or value matches `query` (all visible facts when it is empty)."""
    facts = MemoryFact.objects.filter(
        _visible_q(agent_id=agent_id, memory_user=memory_user, session_id=session_id),
        confidence__gte=min_confidence,
    )
    pattern = fuzzy_pattern(query)
    if pattern:
        facts = facts.annotate(value_text=Cast("value", TextField())).filter(
            Q(key__iregex=pattern) | Q(value_text__iregex=pattern)
        )
    return _touch(list(facts.order_by("-confidence", "-updated_at", "key")[:limit]))


def memory_episode_search(*, query: str = "", limit: int = 10) -> list[MemoryEpisode]:
    episodes = MemoryEpisode.objects.all()
    pattern = fuzzy_pattern(query)
    if pattern:
        episodes = episodes.filter(Q(summary__iregex=pattern) | Q(workflow_slug__iregex=pattern))
    return list(episodes.order_by("-created_at")[:limit])


def memory_procedure_search(*, goal: str, limit: int = 10, scan: int = 1000) -> list[MemoryProcedure]:
    """Active procedures for `goal`: name/description match it, or a `goal_contains` word is in it.

    Ranked by success rate, then use. The newest `scan` procedures are considered.
    """
    pattern = fuzzy_pattern(goal)
    if not pattern:
        return []
    regex = re.compile(pattern, re.IGNORECASE)
    goal_lower = goal.lower()
    matches = []
    for procedure in MemoryProcedure.objects.filter(is_active=True).order_by("-created_at")[:scan]:
        words = (procedure.trigger_conditions or {}).get("goal_contains") or []
        if (
            regex.search(procedure.name)
            or regex.search(procedure.description)
            or any(str(word).lower() in goal_lower for word in words)
        ):
            matches.append(procedure)
    matches.sort(key=lambda p: (p.success_rate, p.times_used), reverse=True)
    return matches[:limit]


def _owner_fields(*, scope: str, agent_id: str, memory_user: MemoryUser | None, session_id: str) -> dict:
    required = {
        FactScope.AGENT: ("agent_id", agent_id),
        FactScope.USER: ("memory_user", memory_user),
        FactScope.SESSION: ("session_id", session_id),
    }
    if scope not in FactScope.values:
        raise errors.InvalidInput(f"Unknown scope '{scope}'; expected one of: {', '.join(FactScope.values)}.")
    if scope in required and not required[scope][1]:
        raise errors.InvalidInput(f"A {scope}-scoped fact needs {required[scope][0]}.")
    scope_id = _scope_ids(agent_id=agent_id, memory_user=memory_user, session_id=session_id)[scope]
    return {
        "scope": scope,
        "scope_id": scope_id,
        "agent_id": agent_id,
        "user": memory_user,
        "session_id": session_id,
    }


@transaction.atomic
def memory_fact_remember(
    *,
    key: str,
    value,
    fact_type: str = FactType.WORLD_KNOWLEDGE,
    overwrite: bool = True,
    scope: str = FactScope.GLOBAL,
    agent_id: str = "",
    memory_user: MemoryUser | None = None,
    session_id: str = "",
    confidence: float | None = None,
) -> tuple[MemoryFact, str]:
    """Upsert a fact; returns it and what happened: `created`, `updated` or `skipped`.

    An existing key is confirmed (`times_confirmed` + 1) when written again; re-asserting the same
    value also raises its confidence a step. With overwrite=False an existing key is left alone.
    """
    if fact_type not in FactType.values:
        raise errors.InvalidInput(
            f"Unknown fact_type '{fact_type}'; expected one of: {', '.join(FactType.values)}."
        )
    owner = _owner_fields(scope=scope, agent_id=agent_id, memory_user=memory_user, session_id=session_id)
    lookup = {"scope": owner["scope"], "scope_id": owner["scope_id"], "key": key}
    fact = MemoryFact.objects.select_for_update().filter(**lookup).first()
    if fact is None:
        try:
            with transaction.atomic():
                fields = {**owner, "key": key, "value": value, "fact_type": fact_type}
                if confidence is not None:
                    fields["confidence"] = confidence
                return MemoryFact.objects.create(**fields), "created"
        except IntegrityError:  # written concurrently: confirm that one instead
            fact = MemoryFact.objects.select_for_update().get(**lookup)
    if not overwrite:
        return fact, "skipped"
    same = fact.value == value
    fact.value = value
    fact.fact_type = fact_type
    fact.times_confirmed += 1
    if confidence is not None:
        fact.confidence = confidence
    elif same:
        fact.confidence = min(1.0, round(fact.confidence + CONFIRM_STEP, 4))
    fact.save()
    return fact, "updated"


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def memory_recall(
    *,
    key: str | None = None,
    query: str | None = None,
    memory_type: str = "facts",
    limit: int = 10,
    min_confidence: float = 0.5,
    agent_id: str = "",
    memory_user: MemoryUser | None = None,
    session_id: str = "",
) -> str:
    """The `recall` tool's answer: `key = value` for an exact key, else a JSON list, else a message."""
    owner = {"agent_id": agent_id, "memory_user": memory_user, "session_id": session_id}
    if key:
        fact = memory_fact_lookup(key=key, **owner)
        if fact is not None:
            return f"{fact.key} = {_text(fact.value)}"
        query = key
    results: list[dict] = []
    if not query or memory_type in ("facts", "all"):
        facts = memory_fact_search(query=query or "", min_confidence=min_confidence, limit=limit, **owner)
        results += [{"key": f.key, "value": f.value, "confidence": f.confidence} for f in facts]
    if query and memory_type in ("procedures", "all"):
        results += [
            {"procedure": p.name, "description": p.description, "success_rate": p.success_rate}
            for p in memory_procedure_search(goal=query, limit=limit)
        ]
    if query and memory_type in ("episodes", "all"):
        results += [
            {"episode": e.summary, "success": e.success, "at": e.created_at.isoformat()}
            for e in memory_episode_search(query=query, limit=limit)
        ]
    if results:
        return json.dumps(results[:limit], default=str)
    if key:
        return f"No memory found for key: {key}"
    return f"No memory found for: {query}" if query else "No memories stored yet."


def memory_remember(
    *, key: str, value, fact_type: str = FactType.WORLD_KNOWLEDGE, overwrite: bool = True
) -> str:
    """The `remember` tool's answer, e.g. `Remembered: user_name = Alice (created)`."""
    fact, action = memory_fact_remember(key=key, value=value, fact_type=fact_type, overwrite=overwrite)
    shown = value if action != "skipped" else fact.value
    return f"Remembered: {key} = {_text(shown)} ({action})"


@transaction.atomic
def memory_batch_delete(*, model, ids) -> int:
    deleted, _ = model.objects.filter(pk__in=list(ids)).delete()
    return deleted
