"""Reads about people, agents and their API keys."""

from datetime import timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from ..models import ApiKey, Role, User
from ..models.users import hash_key

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


def agent_user_list(*, viewer: User | None = None, ids: list[int] | None = None) -> QuerySet[User]:
    """Admins (and internal callers, viewer=None) see every agent; others the agents they created."""
    queryset = User.objects.filter(role=Role.AGENT)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    if viewer is not None and not viewer.is_admin:
        queryset = queryset.filter(created_by=viewer)
    return queryset.select_related("created_by").prefetch_related("api_keys").order_by("id")


def api_key_usable_count(*, user: User) -> int:
    return ApiKey.objects.filter(user=user).usable().count()


def api_key_get(*, user: User, key_id: int) -> ApiKey:
    return _get_or_404(ApiKey.objects.filter(user=user), key_id, "API key not found.")


def user_list(*, role: str | None = None) -> QuerySet[User]:
    queryset = User.objects.order_by("id")
    return queryset.filter(role=role) if role else queryset


def user_get(*, user_id: int) -> User:
    return _get_or_404(User.objects.all(), user_id, "User not found.")


def agent_user_get(*, agent_id: int, viewer: User | None = None) -> User:
    return _get_or_404(agent_user_list(viewer=viewer), agent_id, "Agent user not found.")


def agent_key_prefix(*, agent: User) -> str:
    """The newest usable key's prefix; callers prefetch `api_keys` for lists."""
    keys = [key for key in agent.api_keys.all() if key.is_active]
    return keys[-1].prefix if keys else ""


def _get_or_404(queryset, pk: int, message: str):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404(message)
    return found


def user_get_by_username(*, username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise Http404("User not found.")
    return user


def user_get_mfa_pending(*, user_id: int | None) -> User | None:
    """The account a half-finished sign-in belongs to, if it still can finish."""
    return User.objects.filter(pk=user_id, is_active=True, mfa_enabled=True).first() if user_id else None
