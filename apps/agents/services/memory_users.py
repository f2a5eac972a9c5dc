"""Who is talking: memory users across channels, their context, and episodes logged per execution."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.audit.services import audit_record

from ..models import FactScope, MemoryEpisode, MemoryFact, MemoryUser

CANONICAL_PREFIX = {"gateway": "gw", "telegram": "tg", "email": "email"}


def canonical_id_for(*, channel: str, external_id: str) -> str:
    return f"{CANONICAL_PREFIX.get(channel, channel)}:{external_id}"


@transaction.atomic
def memory_user_identify(
    *, channel: str, external_id: str, display_name: str = "", email: str = ""
) -> tuple[MemoryUser, bool]:
    """The memory user for (channel, external id), created on first sight; (user, is_new).

    Each call is a conversation: `total_conversations` + 1 and `last_seen_at` now. A user merged into
    another resolves to the one it was merged into.
    """
    canonical_id = canonical_id_for(channel=channel, external_id=str(external_id))
    memory_user = MemoryUser.objects.select_for_update().filter(canonical_id=canonical_id).first()
    is_new = memory_user is None
    if is_new:
        try:
            with transaction.atomic():
                # Created with what this channel says, so the create entry in the audit log is complete.
                memory_user = MemoryUser.objects.create(
                    canonical_id=canonical_id,
                    **_identity_updates(
                        MemoryUser(),
                        channel=channel,
                        external_id=external_id,
                        display_name=display_name,
                        email=email,
                    ),
                )
        except IntegrityError:  # identified concurrently
            memory_user, is_new = MemoryUser.objects.get(canonical_id=canonical_id), False
    seen = set()
    while memory_user.merged_into_id and memory_user.pk not in seen:
        seen.add(memory_user.pk)
        memory_user = memory_user.merged_into
    identity = _identity_updates(
        memory_user, channel=channel, external_id=external_id, display_name=display_name, email=email
    )
    before = {name: getattr(memory_user, name) for name in identity}
    updates = {
        "total_conversations": F("total_conversations") + 1,
        "last_seen_at": timezone.now(),
        **identity,
    }
    MemoryUser.objects.filter(pk=memory_user.pk).update(**updates)
    memory_user.refresh_from_db()
    if identity:
        # New identity merged into a known user: the queryset update skipped the audit signals.
        audit_record(
            action="memoryuser.merge",
            target_type="memoryuser",
            target_id=memory_user.pk,
            target_repr=str(memory_user),
            before=before,
            after=identity,
            detail=f"identity from channel {channel} ({canonical_id})",
        )
    return memory_user, is_new


def _identity_updates(
    memory_user: MemoryUser, *, channel: str, external_id: str, display_name: str, email: str
) -> dict:
    """The identity fields this sighting adds to or changes on `memory_user` (empty: nothing new)."""
    updates: dict = {}
    if display_name and display_name != memory_user.display_name:
        updates["display_name"] = display_name
    if email and not memory_user.email:
        updates["email"] = email
    if channel in ("gateway", "telegram") and not memory_user.telegram_id:
        updates["telegram_id"] = str(external_id)
    if (memory_user.external_ids or {}).get(channel) != str(external_id):
        updates["external_ids"] = {**(memory_user.external_ids or {}), channel: str(external_id)}
    return updates


def memory_user_context(*, memory_user: MemoryUser, is_new: bool = False, history: int = 5) -> dict:
    """What identify_user hands downstream nodes: user-scoped facts and recent episode summaries."""
    facts = MemoryFact.objects.filter(scope=FactScope.USER, scope_id=str(memory_user.pk)).order_by("key")
    episodes = MemoryEpisode.objects.filter(user=memory_user).order_by("-created_at")[:history]
    return {
        "is_new": is_new,
        "display_name": memory_user.display_name,
        "facts": [{"key": fact.key, "value": fact.value} for fact in facts],
        "history": [
            {"summary": e.summary, "success": e.success, "at": e.created_at.isoformat()} for e in episodes
        ],
    }


def _detect_channel(payload: dict) -> str:
    if "gateway_user" in payload or "gw_user_id" in payload:
        return "gateway"
    if "webhook_id" in payload:
        return "webhook"
    return payload.get("source") if payload.get("source") in ("manual", "chat") else "chat"


def _identity(payload: dict, channel: str) -> tuple[str, str, str]:
    """(external id, display name, email) by the reference's per-channel rules."""
    if channel == "gateway":
        person = payload.get("user") or payload.get("gateway_user") or {}
        external = person.get("id") or payload.get("gw_user_id") or ""
        name = person.get("name") or person.get("first_name") or ""
        return str(external), name, ""
    if channel == "webhook":
        email = payload.get("email") or ""
        return (
            str(payload.get("user_id") or email),
            payload.get("user_name") or payload.get("name") or "",
            email,
        )
    return str(payload.get("user_id") or ""), payload.get("user_name") or "", ""


def identify_user(*, payload: dict, channel: str | None = None) -> dict:
    """The identify_user node's output: `user_id` (canonical), `user_context`, `is_new_user`.

    A payload without any user identifier yields `user_id: None` and an empty, new context.
    """
    channel = channel or _detect_channel(payload)
    external_id, display_name, email = _identity(payload, channel)
    if not external_id:
        return {
            "user_id": None,
            "user_context": {"is_new": True, "facts": [], "history": []},
            "is_new_user": True,
        }
    memory_user, is_new = memory_user_identify(
        channel=channel, external_id=external_id, display_name=display_name, email=email
    )
    context = memory_user_context(memory_user=memory_user, is_new=is_new)
    return {"user_id": memory_user.canonical_id, "user_context": context, "is_new_user": is_new}
