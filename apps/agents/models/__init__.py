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
from .epics import Epic, EpicStatus, Task, TaskExecutionCost, TaskStatus, WorkflowSource
from .memory import (
    FactScope,
    FactType,
    MemoryEpisode,
    MemoryFact,
    MemoryProcedure,
    MemoryUser,
    ProcedureType,
)
from .users import ApiKey, Role, User

__all__ = [
    "ApiKey",
    "Credential",
    "Epic",
    "EpicStatus",
    "FactScope",
    "FactType",
    "MemoryEpisode",
    "MemoryFact",
    "MemoryProcedure",
    "MemoryUser",
    "ProcedureType",
    "Task",
    "TaskExecutionCost",
    "TaskStatus",
    "WorkflowSource",
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
