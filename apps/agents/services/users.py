"""Writes for people: first-run setup, password login, user management with last-admin protection, keys."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from apps.audit.services import audit_change, instance_summary

from .. import errors
from ..models import ApiKey, Role, User
from ..models.users import KEY_PREFIX_LEN, generate_raw_key, hash_key

# How long a password-verified login waits for its TOTP code.
MFA_PENDING_WINDOW = timedelta(minutes=5)
LOGIN_KEY_NAME = "login"
HUMAN_ROLES = (Role.ADMIN, Role.NORMAL)
_SETUP_LOCK_ID = 7_501_001  # any constant: serialises concurrent first-run setups on PostgreSQL


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    raw_key: str  # shown once, never stored


def password_check(*, password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise errors.InvalidInput(" ".join(exc.messages)) from exc


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
def api_key_create(*, user: User, name: str = "default", expires_at: datetime | None = None) -> IssuedKey:
    raw_key = generate_raw_key()
    api_key = ApiKey.objects.create(
        user=user,
        name=name,
        prefix=raw_key[:KEY_PREFIX_LEN],
        key_hash=hash_key(raw_key),
        expires_at=expires_at,
    )
    return IssuedKey(api_key=api_key, raw_key=raw_key)


@transaction.atomic
def api_keys_revoke(*, keys) -> int:
    """Deactivate the still-active keys among `keys` (a queryset); one `apikey.revoke` audit entry each.

    A queryset update skips the model signals the audit log listens to, so the entries are written here.
    """
    revoked = list(keys.filter(is_active=True).select_for_update().order_by("pk"))
    if not revoked:
        return 0
    ApiKey.objects.filter(pk__in=[key.pk for key in revoked]).update(is_active=False)
    for key in revoked:
        before = instance_summary(key)
        key.is_active = False
        audit_change(action="apikey.revoke", instance=key, before=before)
    return len(revoked)


def api_key_revoke(*, api_key: ApiKey) -> None:
    api_keys_revoke(keys=ApiKey.objects.filter(pk=api_key.pk))
    api_key.is_active = False


@transaction.atomic
def admin_ensure(*, username: str, password: str) -> tuple[User, bool]:
    """Create the admin account if it does not exist; returns (user, created)."""
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing, False
    return user_create(username=username, password=password, role=Role.ADMIN), True


@transaction.atomic
def first_admin_create(*, username: str, password: str) -> User:
    """First run only: create the first admin; once any user exists this raises SetupAlreadyCompleted."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SETUP_LOCK_ID])
    if User.objects.exists():
        raise errors.SetupAlreadyCompleted("Setup already completed.")
    password_check(password=password)
    return user_create_checked(username=username, password=password, role=Role.ADMIN)


@transaction.atomic
def setup_first_admin(*, username: str, password: str) -> tuple[User, IssuedKey]:
    """The REST flavour of first_admin_create: the admin and a key for it, together or not at all."""
    user = first_admin_create(username=username, password=password)
    return user, api_key_create(user=user, name=LOGIN_KEY_NAME)


def login_with_password(*, username: str, password: str) -> IssuedKey | None:
    """A new "login" key, or None when the account needs its TOTP code next (see mfa_login_verify)."""
    user = authenticate(username=username, password=password)
    if user is None or user.is_agent:
        raise errors.InvalidCredentials("Invalid credentials.")
    if user.mfa_enabled:
        User.objects.filter(pk=user.pk).update(mfa_pending_until=timezone.now() + MFA_PENDING_WINDOW)
        return None
    return api_key_create(user=user, name=LOGIN_KEY_NAME)


def user_create_checked(*, username: str, password: str | None, role: str, **fields) -> User:
    username = (username or "").strip()
    if not username:
        raise errors.InvalidInput("Username is required.")
    if User.objects.filter(username__iexact=username).exists():
        raise errors.InvalidInput(f"Username '{username}' is already taken.")
    try:
        return user_create(username=username, password=password, role=role, **fields)
    except ValidationError as exc:
        raise errors.InvalidInput(" ".join(exc.messages)) from exc


@transaction.atomic
def user_register(*, username: str, password: str, role: str = Role.NORMAL) -> User:
    """An admin adds a person (admin or normal); agents come from agent_user_create."""
    if role not in HUMAN_ROLES:
        raise errors.InvalidInput(f"Role must be one of: {', '.join(HUMAN_ROLES)}.")
    password_check(password=password)
    return user_create_checked(username=username, password=password, role=role)


def _last_admin_check(*, user: User, message: str) -> None:
    """Caller is inside a transaction; locking the admin rows serialises concurrent demotions."""
    admins = list(
        User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True).values_list("pk", flat=True)
    )
    if admins == [user.pk]:
        raise errors.LastAdmin(message)


@transaction.atomic
def user_update(
    *, user: User, role: str | None = None, is_active: bool | None = None, password: str | None = None
) -> User:
    if role is not None and role not in HUMAN_ROLES:
        raise errors.InvalidInput(f"Role must be one of: {', '.join(HUMAN_ROLES)}.")
    if user.is_admin and user.is_active and (role not in (None, Role.ADMIN) or is_active is False):
        _last_admin_check(user=user, message="Cannot demote or deactivate the last admin.")
    if password is not None:
        password_check(password=password, user=user)
        user.set_password(password)
    if role is not None:
        user.role = role
        user.is_staff = user.is_superuser = role == Role.ADMIN
    if is_active is not None:
        user.is_active = is_active
    user.save()
    return user


@transaction.atomic
def user_delete(*, user: User) -> None:
    if user.is_admin and user.is_active:
        _last_admin_check(user=user, message="Cannot delete the last admin.")
    ApiKey.objects.filter(user=user).update(is_active=False)
    user.delete()
