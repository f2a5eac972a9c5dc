"""Writes of the agents app: users and keys, MFA, agent users, credentials, the task registry, memory."""

from .agents import agent_user_batch_delete, agent_user_create, agent_user_delete
from .credentials import credential_batch_delete, credential_create, credential_delete, credential_update
from .epics import epic_batch_delete, epic_create, epic_delete, epic_record_agent_overhead, epic_update
from .episodes import episode_log_for_execution
from .memory import (
    memory_batch_delete,
    memory_episode_search,
    memory_fact_lookup,
    memory_fact_remember,
    memory_fact_search,
    memory_procedure_search,
    memory_recall,
    memory_remember,
)
from .memory_users import identify_user, memory_user_context, memory_user_identify
from .mfa import mfa_check_code, mfa_disable, mfa_enable, mfa_login_verify, mfa_reset, mfa_setup
from .tasks import (
    epic_budget_check,
    task_batch_delete,
    task_create,
    task_delete,
    task_record_execution_cost,
    task_update,
)
from .users import (
    IssuedKey,
    admin_ensure,
    api_key_create,
    api_key_revoke,
    first_admin_create,
    login_with_password,
    setup_first_admin,
    user_create,
    user_delete,
    user_register,
    user_update,
)

__all__ = [
    "IssuedKey",
    "admin_ensure",
    "agent_user_batch_delete",
    "agent_user_create",
    "agent_user_delete",
    "api_key_create",
    "api_key_revoke",
    "credential_batch_delete",
    "credential_create",
    "credential_delete",
    "credential_update",
    "epic_batch_delete",
    "epic_budget_check",
    "epic_create",
    "epic_delete",
    "epic_record_agent_overhead",
    "epic_update",
    "episode_log_for_execution",
    "first_admin_create",
    "identify_user",
    "login_with_password",
    "memory_batch_delete",
    "memory_episode_search",
    "memory_fact_lookup",
    "memory_fact_remember",
    "memory_fact_search",
    "memory_procedure_search",
    "memory_recall",
    "memory_remember",
    "memory_user_context",
    "memory_user_identify",
    "mfa_check_code",
    "mfa_disable",
    "mfa_enable",
    "mfa_login_verify",
    "mfa_reset",
    "mfa_setup",
    "setup_first_admin",
    "task_batch_delete",
    "task_create",
    "task_delete",
    "task_record_execution_cost",
    "task_update",
    "user_create",
    "user_delete",
    "user_register",
    "user_update",
]
