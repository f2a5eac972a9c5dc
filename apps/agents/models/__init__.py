"""Models of the agents app, one module per concern."""

from .credentials import (
    Credential,
    CredentialType,
    GatewayCredential,
    GitCredential,
    LLMCredential,
    ProviderType,
    TelegramCredential,
    ToolCredential,
)
from .users import ApiKey, Role, User

__all__ = [
    "ApiKey",
    "Credential",
    "CredentialType",
    "GatewayCredential",
    "GitCredential",
    "LLMCredential",
    "ProviderType",
    "Role",
    "TelegramCredential",
    "ToolCredential",
    "User",
]
