"""Reads of the agents app."""

from .credentials import credential_get, credential_list, credential_model_for
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
    "user_get",
    "user_get_by_username",
    "user_get_mfa_pending",
    "user_list",
    "user_needs_setup",
]
