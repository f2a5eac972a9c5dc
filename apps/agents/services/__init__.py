"""Writes of the agents app: users and keys, MFA, agent users, credentials."""

from .agents import agent_user_batch_delete, agent_user_create, agent_user_delete
from .credentials import credential_batch_delete, credential_create, credential_delete, credential_update
from .mfa import mfa_check_code, mfa_disable, mfa_enable, mfa_login_verify, mfa_reset, mfa_setup
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
    "first_admin_create",
    "login_with_password",
    "mfa_check_code",
    "mfa_disable",
    "mfa_enable",
    "mfa_login_verify",
    "mfa_reset",
    "mfa_setup",
    "setup_first_admin",
    "user_create",
    "user_delete",
    "user_register",
    "user_update",
]
