"""Reads of the agents app."""

from .credentials import credential_get, credential_list, credential_model_for
from .epics import (
    epic_get,
    epic_list,
    epic_subscribable,
    epic_user_can_see,
    epic_visible_q,
    task_get,
    task_list,
)
from .memory import (
    memory_episode_list,
    memory_fact_list,
    memory_procedure_list,
    memory_user_list,
)
from .users import (
    admin_count,
    agent_key_prefix,
    agent_user_get,
    agent_user_list,
    api_key_authenticate,
    api_key_get,
    api_key_list,
    api_key_usable_count,
    user_get,
    user_get_by_username,
    user_get_mfa_pending,
    user_list,
    user_needs_setup,
)

__all__ = [
    "admin_count",
    "agent_key_prefix",
    "agent_user_get",
    "agent_user_list",
    "api_key_authenticate",
    "api_key_get",
    "api_key_list",
    "api_key_usable_count",
    "credential_get",
    "credential_list",
    "credential_model_for",
    "epic_get",
    "epic_list",
    "epic_subscribable",
    "epic_user_can_see",
    "epic_visible_q",
    "memory_episode_list",
    "memory_fact_list",
    "memory_procedure_list",
    "memory_user_list",
    "task_get",
    "task_list",
    "user_get",
    "user_get_by_username",
    "user_get_mfa_pending",
    "user_list",
    "user_needs_setup",
]
