"""Reads of the audit log: the filtered, newest-first list behind the API and the admin."""

from __future__ import annotations

from django.db.models import QuerySet

from pipelit.dates import parse_instant

from .models import AuditEntry

# query parameter -> lookup
EXACT_FILTERS = {
    "action": "action",
    "target_type": "target_type",
    "target_id": "target_id",
    "workflow": "workflow_slug",
    "request_id": "request_id",
    "outcome": "outcome",
    "source": "source",
    "api_key_name": "api_key_name",
}


class BadFilter(ValueError):
    pass


def _bool(value: str) -> bool:
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise BadFilter(f"'{value}' is not a boolean.")


def audit_list(*, params) -> QuerySet[AuditEntry]:
    """Entries matching the query parameters; BadFilter on a value that cannot be a filter."""
    entries = AuditEntry.objects.all().order_by("-id")
    for param, lookup in EXACT_FILTERS.items():
        if params.get(param):
            entries = entries.filter(**{lookup: params[param]})
    if params.get("action_prefix"):
        entries = entries.filter(action__startswith=params["action_prefix"])
    actor = params.get("actor")
    if actor:
        entries = (
            entries.filter(actor_id=int(actor)) if actor.isdigit() else entries.filter(actor_username=actor)
        )
    if params.get("agent"):
        entries = entries.filter(actor_is_agent=_bool(params["agent"]))
    for param, lookup in (("since", "created_at__gte"), ("until", "created_at__lt")):
        if params.get(param):
            moment = parse_instant(params[param])
            if moment is None:
                raise BadFilter(f"{param} must be an ISO-8601 date-time.")
            entries = entries.filter(**{lookup: moment})
    return entries
