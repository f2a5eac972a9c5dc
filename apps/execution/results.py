"""NodeResult: what one node's run produced (success, failed or skipped), as reported and stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class NodeStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"
    WAITING = "waiting"  # paused by a timer (wait)
    INTERRUPTED = "interrupted"  # paused for an answer or at a breakpoint


class NodeError(Exception):
    """Raise from a component to fail the node with a machine-readable `error_code`."""

    def __init__(self, message: str, error_code: str = "node_error", *, retryable: bool = True) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.retryable = retryable


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class NodeResult:
    status: NodeStatus
    data: dict[str, Any] | None = None
    error: str | None = None
    error_code: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    started_at: datetime | None = None
    completed_at: datetime = field(default_factory=_now)

    @classmethod
    def success(cls, data: dict[str, Any], **metadata: Any) -> NodeResult:
        return cls(status=NodeStatus.SUCCESS, data=data, metadata=metadata)

    @classmethod
    def failed(cls, error: str, error_code: str, **metadata: Any) -> NodeResult:
        return cls(status=NodeStatus.FAILED, error=error[:2000], error_code=error_code, metadata=metadata)

    @classmethod
    def skipped(cls, reason: str, **metadata: Any) -> NodeResult:
        return cls(status=NodeStatus.SKIPPED, metadata={"reason": reason, **metadata})

    @property
    def ok(self) -> bool:
        return self.status == NodeStatus.SUCCESS

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": str(self.status),
            "data": self.data,
            "error": self.error,
            "error_code": self.error_code,
            "metadata": self.metadata,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "completed_at": self.completed_at.isoformat(),
        }
