"""Writing audit entries: from model signals, from explicit calls, and refusals after their rollback."""

from __future__ import annotations

import datetime
import decimal
import logging
import uuid
from typing import Any

from django.db import models, transaction

from . import context
from .models import AuditEntry

logger = logging.getLogger(__name__)

MAX_VALUE_CHARS = 500
SECRET_MARKERS = ("password", "secret", "encrypted", "key_hash", "token_value", "api_key", "raw_key")
# Bookkeeping columns: a save that changes only these is not an action anyone took.
NOISE_FIELDS = frozenset(
    {
        "updated_at",
        "last_login",
        "last_used_at",
        "last_seen_at",
        "last_accessed_at",
        "access_count",
        "mfa_failed_attempts",
        "mfa_locked_until",
        "mfa_pending_until",
        "mfa_last_used_step",
    }
)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        text = repr(value)
        return value if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def _is_secret(name: str) -> bool:
    return any(marker in name for marker in SECRET_MARKERS)


def instance_summary(instance: models.Model) -> dict[str, Any]:
    """Concrete field values (foreign keys as ids), secrets replaced by a marker, long values cut."""
    summary = {}
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.OneToOneField) and field.remote_field.parent_link:
            continue
        name = field.attname
        summary[name] = "[redacted]" if _is_secret(name) else _jsonable(getattr(instance, name, None))
    return summary


def summary_diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed (noise columns left out): (before, after)."""
    changed = [k for k in after if k not in NOISE_FIELDS and before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}


def _actor_fields() -> dict[str, Any]:
    ctx = context.current()
    user, key_name = context.actor()
    return {
        "actor_id": getattr(user, "pk", None),
        "actor_username": getattr(user, "username", "") or "",
        "actor_is_agent": user is not None and context.actor_role() == "agent",
        "api_key_name": key_name,
        "request_id": ctx.request_id if ctx else "",
        "source": ctx.source if ctx else context.SOURCE_SYSTEM,
    }


def audit_record(
    *,
    action: str,
    target_type: str = "",
    target_id: Any = "",
    target_repr: str = "",
    workflow_slug: str = "",
    before: dict | None = None,
    after: dict | None = None,
    detail: str = "",
    outcome: str = AuditEntry.Outcome.OK,
) -> AuditEntry:
    """Append one entry attributed to the current actor (inside the caller's transaction)."""
    entry = AuditEntry(
        action=action,
        target_type=target_type,
        target_id=str(target_id or "")[:255],
        target_repr=str(target_repr or "")[:255],
        workflow_slug=workflow_slug or "",
        before=before,
        after=after,
        detail=detail,
        outcome=outcome,
        **_actor_fields(),
    )
    entry.save()
    ctx = context.current()
    if ctx is not None:
        ctx.recorded += 1
    return entry


def audit_change(*, action: str, instance: models.Model, before: dict, detail: str = "") -> AuditEntry | None:
    """One entry for a write that bypassed model signals (a queryset `.update()`).

    `before` is `instance_summary()` taken before the write, `instance` holds the row after it; only the
    changed fields are kept (secrets redacted, noise columns dropped). Nothing changed → no entry.
    """
    before_out, after_out = summary_diff(before, instance_summary(instance))
    if not after_out:
        return None
    return audit_record(
        action=action,
        target_type=instance._meta.model_name,
        target_id=instance.pk,
        target_repr=str(instance),
        before=before_out,
        after=after_out,
        detail=detail,
    )


def audit_refusal_defer(*, action: str, target_type: str, target_id: Any, detail: str, workflow_slug=""):
    """A refused action, written when the surrounding (rolled-back) request or block ends."""
    ctx = context.current()
    fields = {
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "detail": detail,
        "workflow_slug": workflow_slug,
        "outcome": AuditEntry.Outcome.DENIED,
    }
    if ctx is None:
        audit_record(**fields)
        return
    ctx.pending.append(fields)


def audit_flush_pending(ctx: context.AuditContext) -> None:
    if not ctx.pending:
        return
    pending, ctx.pending = ctx.pending, []
    token = context.activate(ctx)
    try:
        with transaction.atomic():
            for fields in pending:
                audit_record(**fields)
    except Exception:
        logger.exception("could not write %d refused-action audit entries", len(pending))
    finally:
        context.deactivate(token)
