"""Agent users: password-less accounts whose API key a workflow or agent uses."""

import re
from collections.abc import Iterable
from datetime import timedelta

import pyotp
from django.db import transaction
from django.utils import timezone

from .. import errors
from ..models import ApiKey, Role, User
from .mfa import mfa_enable, mfa_setup
from .users import api_key_create, api_keys_revoke, user_create_checked

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


# --- agent users provisioned by the create_agent_user tool ------------------------------------------
TOOL_KEY_NAME = "agent-tool"
TOOL_KEYS_KEPT = 5  # a key handed to an earlier execution keeps working while newer ones are issued
SESSION_KEY_NAME = "agent-session"
SESSION_KEY_LIFETIME = timedelta(minutes=15)
_USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")


def agent_username(*, workflow_slug: str, agent_node_id: str) -> str:
    """`agent_{workflow_slug}_{agent_node_id}`, reduced to what a username may hold (150 chars)."""
    return _USERNAME_UNSAFE.sub("_", f"agent_{workflow_slug}_{agent_node_id}")[:150]


def agent_user_for_node(*, owner: User, workflow_slug: str, agent_node_id: str) -> User | None:
    """The owner's agent user of this agent node; a same-named account that is not one is refused."""
    username = agent_username(workflow_slug=workflow_slug, agent_node_id=agent_node_id)
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        return None
    if not user.is_agent or user.created_by_id != owner.pk or not user.is_active:
        raise errors.AgentsError(f"Username '{username}' belongs to another account; it cannot be used.")
    return user


def _agent_mfa_enable(*, user: User) -> None:
    """Agent users get TOTP from the start (get_totp_code reads it); enabled with its own first code."""
    secret, _ = mfa_setup(user=user)
    user.refresh_from_db()
    mfa_enable(user=user, code=pyotp.TOTP(secret).now())


def _tool_key(*, user: User) -> str:
    """A fresh key for the tool's caller; only the newest TOOL_KEYS_KEPT tool keys stay active."""
    issued = api_key_create(user=user, name=TOOL_KEY_NAME)
    stale = (
        ApiKey.objects.filter(user=user, name=TOOL_KEY_NAME, is_active=True)
        .order_by("-id")
        .values_list("pk", flat=True)[TOOL_KEYS_KEPT:]
    )
    api_keys_revoke(keys=ApiKey.objects.filter(pk__in=list(stale)))
    return issued.raw_key


@transaction.atomic
def agent_user_ensure(
    *, owner: User, workflow, agent_node_id: str, purpose: str = ""
) -> tuple[User, str, bool]:
    """(agent user, raw API key, already existed) for an agent node of `owner`'s workflow.

    Created by the owner (never an admin), password-less, with TOTP; it becomes a collaborator of the
    workflow so its key can edit that workflow (self-modification) and nothing the owner could not.
    Agent users cannot provision further agent users.
    """
    if owner.is_agent:
        raise errors.AgentsError("An agent user cannot create agent users.")
    user = agent_user_for_node(owner=owner, workflow_slug=workflow.slug, agent_node_id=agent_node_id)
    existed = user is not None
    if user is None:
        username = agent_username(workflow_slug=workflow.slug, agent_node_id=agent_node_id)
        user = user_create_checked(
            username=username, password=None, role=Role.AGENT, purpose=purpose[:500], created_by=owner
        )
        _agent_mfa_enable(user=user)
    elif purpose and purpose[:500] != user.purpose:
        User.objects.filter(pk=user.pk).update(purpose=purpose[:500])
    if workflow.owner_id == owner.pk:
        workflow.collaborators.add(user)
    return user, _tool_key(user=user), existed


@transaction.atomic
def agent_session_key(*, agent: User) -> str:
    """A short-lived key for one tool call of `agent` (platform_api without an explicit key)."""
    expires_at = timezone.now() + SESSION_KEY_LIFETIME
    ApiKey.objects.filter(user=agent, name=SESSION_KEY_NAME, expires_at__lt=timezone.now()).delete()
    return api_key_create(user=agent, name=SESSION_KEY_NAME, expires_at=expires_at).raw_key
