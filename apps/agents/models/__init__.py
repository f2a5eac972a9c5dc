"""Models of the agents app, one module per concern."""

from .conversations import ConversationMessage
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
    "ConversationMessage",
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
