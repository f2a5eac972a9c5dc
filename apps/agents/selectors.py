"""Reads of the agents app."""

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from .models import ApiKey, Role, User
from .models.users import hash_key

# last_used_at is bookkeeping; writing it on every request would cost a write per call.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def api_key_authenticate(*, raw_key: str) -> ApiKey | None:
    api_key = (
        ApiKey.objects.usable()
        .select_related("user")
        .filter(key_hash=hash_key(raw_key), user__is_active=True)
        .first()
    )
    if api_key is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def user_needs_setup() -> bool:
    return not User.objects.exists()


def admin_count() -> int:
    return User.objects.filter(role=Role.ADMIN, is_active=True).count()


def api_key_list(*, user: User) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(user=user).order_by("id")


def agent_user_list() -> QuerySet[User]:
    return User.objects.filter(role=Role.AGENT).select_related("created_by").order_by("id")
