"""Writes of the agents app: users, API keys."""

from dataclasses import dataclass

from django.db import transaction

from .models import ApiKey, Role, User
from .models.users import KEY_PREFIX_LEN, generate_raw_key, hash_key


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    raw_key: str  # shown once, never stored


@transaction.atomic
def user_create(*, username: str, password: str | None, role: str = Role.NORMAL, **fields) -> User:
    user = User(
        username=username, role=role, is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN, **fields
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def api_key_create(*, user: User, name: str = "default", expires_at=None) -> IssuedKey:
    raw_key = generate_raw_key()
    api_key = ApiKey.objects.create(
        user=user,
        name=name,
        prefix=raw_key[:KEY_PREFIX_LEN],
        key_hash=hash_key(raw_key),
        expires_at=expires_at,
    )
    return IssuedKey(api_key=api_key, raw_key=raw_key)


def api_key_revoke(*, api_key: ApiKey) -> None:
    ApiKey.objects.filter(pk=api_key.pk).update(is_active=False)


@transaction.atomic
def admin_ensure(*, username: str, password: str) -> tuple[User, bool]:
    """Create the admin account if it does not exist; returns (user, created)."""
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing, False
    return user_create(username=username, password=password, role=Role.ADMIN), True
