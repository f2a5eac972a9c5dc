"""Who is acting right now: a request (set by the middleware) or an explicit `acting_as` block.

Both live in one context variable, so a Celery task, a thread or an async view each see their own actor.
The request itself is kept, not its user: DRF authenticates inside the view, after the middleware ran,
and writes the user and API key back onto the Django request, where this module reads them.
"""

from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

SOURCE_REST = "rest"
SOURCE_WEB = "web"
SOURCE_ADMIN = "admin"
SOURCE_AGENT = "agent"
SOURCE_SYSTEM = "system"


@dataclass
class AuditContext:
    request: Any = None
    user: Any = None
    key_name: str = ""
    request_id: str = ""
    source: str = SOURCE_SYSTEM
    # The workflow an agent tool runs inside (for the self-modification invariant).
    workflow_id: int | None = None
    # The actor's role when the context began (a mutated user object must not change who acts).
    actor_role: str | None = None
    # Entries recorded in this context; a request with none gets one summary entry.
    recorded: int = 0
    # Refusals to write after the refused transaction rolled back.
    pending: list[dict] = field(default_factory=list)


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("audit_context", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> AuditContext | None:
    return _current.get()


def activate(ctx: AuditContext) -> contextvars.Token:
    return _current.set(ctx)


def deactivate(token: contextvars.Token) -> None:
    _current.reset(token)


def actor() -> tuple[Any, str]:
    """(user or None, API key name) of whoever acts now."""
    ctx = current()
    if ctx is None:
        return None, ""
    if ctx.request is not None:
        user = getattr(ctx.request, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            user = None
        key = getattr(ctx.request, "auth", None)
        return user, getattr(key, "name", "") or ""
    return ctx.user, ctx.key_name


def actor_role() -> str | None:
    """The acting user's role as stored, read once per context: a view that has already changed
    `request.user.role` in memory (before saving it) cannot make an agent look like an admin."""
    ctx = current()
    if ctx is None:
        return None
    if ctx.actor_role is None:
        user, _ = actor()
        if user is None:
            return None
        from django.contrib.auth import get_user_model

        ctx.actor_role = (
            get_user_model().objects.filter(pk=user.pk).values_list("role", flat=True).first() or ""
        )
    return ctx.actor_role


@contextmanager
def acting_as(*, user=None, key_name: str = "", workflow=None, request_id: str = "", source=SOURCE_AGENT):
    """Attribute everything recorded inside the block to `user` (e.g. an agent tool in the worker).

    `workflow` is the workflow the caller runs inside: an agent may not change it unless it allows
    self-modification. Refusals raised inside the block are written when it exits.
    """
    ctx = AuditContext(
        user=user,
        key_name=key_name,
        request_id=request_id or new_request_id(),
        source=source,
        workflow_id=getattr(workflow, "pk", workflow),
    )
    token = activate(ctx)
    try:
        yield ctx
    finally:
        deactivate(token)
        from .services import audit_flush_pending

        audit_flush_pending(ctx)
