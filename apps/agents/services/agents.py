"""Agent users: password-less accounts whose API key a workflow or agent uses."""

from collections.abc import Iterable

from django.db import transaction

from ..models import ApiKey, Role, User
from .users import api_key_create, user_create_checked

AGENT_KEY_NAME = "agent"


@transaction.atomic
def agent_user_create(*, created_by: User | None, username: str, purpose: str) -> tuple[User, str]:
    """Returns (agent user, raw API key); the raw key is not stored and cannot be shown again."""
    user = user_create_checked(
        username=username, password=None, role=Role.AGENT, purpose=purpose or "", created_by=created_by
    )
    return user, api_key_create(user=user, name=AGENT_KEY_NAME).raw_key


@transaction.atomic
def agent_user_delete(*, agent: User) -> None:
    # Revoke first: should the delete ever be deferred or fail, the key is already dead.
    ApiKey.objects.filter(user=agent).update(is_active=False)
    agent.delete()


@transaction.atomic
def agent_user_batch_delete(*, agents: Iterable[User]) -> int:
    count = 0
    for agent in agents:
        agent_user_delete(agent=agent)
        count += 1
    return count
