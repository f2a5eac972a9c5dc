"""TOTP multi-factor authentication: setup, enable, disable, login step, lockout after failed codes."""

from datetime import datetime, timedelta

import pyotp
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_change, instance_summary
from pipelit import crypto

from .. import errors
from ..models import User
from .users import LOGIN_KEY_NAME, IssuedKey, api_key_create

ISSUER = "Pipelit"
MFA_MAX_FAILED_ATTEMPTS = 5
MFA_LOCKOUT = timedelta(minutes=15)
VALID_WINDOW = 1  # accept the previous and next 30 s step too (clock drift)


def _totp(user: User) -> pyotp.TOTP:
    return pyotp.TOTP(crypto.decrypt(user.totp_secret_encrypted))


def _matching_step(totp: pyotp.TOTP, code: str, now: datetime) -> int | None:
    code = (code or "").strip()
    if not (code.isdigit() and len(code) == totp.digits):
        return None
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


@transaction.atomic
def mfa_check_code(*, user: User, code: str) -> bool:
    """Record the attempt and say whether `code` is valid now; raises MfaLocked while locked out.

    Commits on its own (callers must not wrap it in a transaction they roll back), so failures count.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    now = timezone.now()
    if user.mfa_locked_until and user.mfa_locked_until > now:
        raise errors.MfaLocked("Too many failed MFA attempts. Try again later.")
    if not user.totp_secret_encrypted:
        return False
    step = _matching_step(_totp(user), code, now)
    if step is not None and (user.mfa_last_used_step is None or step > user.mfa_last_used_step):
        User.objects.filter(pk=user.pk).update(
            mfa_failed_attempts=0, mfa_locked_until=None, mfa_last_used_step=step
        )
        return True
    attempts = user.mfa_failed_attempts + 1
    locked_until = None
    if attempts >= MFA_MAX_FAILED_ATTEMPTS:
        attempts, locked_until = 0, now + MFA_LOCKOUT
    User.objects.filter(pk=user.pk).update(mfa_failed_attempts=attempts, mfa_locked_until=locked_until)
    return False


@transaction.atomic
def mfa_setup(*, user: User) -> tuple[str, str]:
    """A fresh secret (not active until mfa_enable); returns (secret, provisioning_uri)."""
    if user.mfa_enabled:
        raise errors.AgentsError("MFA is already enabled.")
    secret = pyotp.random_base32()
    user.totp_secret_encrypted = crypto.encrypt(secret)
    user.mfa_last_used_step = None
    user.save(update_fields=["totp_secret_encrypted", "mfa_last_used_step"])
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return secret, uri


def mfa_enable(*, user: User, code: str) -> User:
    if user.mfa_enabled:
        raise errors.AgentsError("MFA is already enabled.")
    if not user.totp_secret_encrypted:
        raise errors.AgentsError("Call MFA setup first.")
    if not mfa_check_code(user=user, code=code):
        raise errors.InvalidTotpCode("Invalid TOTP code.")
    with transaction.atomic():
        before = instance_summary(User.objects.get(pk=user.pk))
        User.objects.filter(pk=user.pk).update(mfa_enabled=True)
        user.refresh_from_db()
        audit_change(action="user.mfa_enable", instance=user, before=before)
    return user


def mfa_disable(*, user: User, code: str) -> User:
    if not user.mfa_enabled:
        raise errors.AgentsError("MFA is not enabled.")
    if not mfa_check_code(user=user, code=code):
        raise errors.InvalidTotpCode("Invalid TOTP code.")
    return _mfa_off(user=user, action="user.mfa_disable")


def mfa_reset(*, user: User) -> User:
    """Turn MFA off without a code; the adapter decides who may (loopback only)."""
    return _mfa_off(user=user, action="user.mfa_reset")


@transaction.atomic
def _mfa_off(*, user: User, action: str) -> User:
    before = instance_summary(User.objects.get(pk=user.pk))
    User.objects.filter(pk=user.pk).update(
        mfa_enabled=False,
        totp_secret_encrypted="",
        mfa_failed_attempts=0,
        mfa_locked_until=None,
        mfa_pending_until=None,
        mfa_last_used_step=None,
    )
    user.refresh_from_db()
    audit_change(action=action, instance=user, before=before)
    return user


def mfa_login_verify(*, username: str, code: str) -> IssuedKey:
    """Second login step: only after login_with_password verified the password moments ago."""
    user = User.objects.filter(username=username, is_active=True, mfa_enabled=True).first()
    if user is None or not user.mfa_pending_until or user.mfa_pending_until < timezone.now():
        raise errors.InvalidCredentials("Invalid credentials.")
    if not mfa_check_code(user=user, code=code):
        raise errors.InvalidCredentials("Invalid TOTP code.")
    User.objects.filter(pk=user.pk).update(mfa_pending_until=None)
    return api_key_create(user=user, name=LOGIN_KEY_NAME)


def mfa_current_code(*, user: User) -> str:
    """The TOTP code valid now for `user` (agent users, for the get_totp_code tool)."""
    if not user.totp_secret_encrypted:
        raise errors.AgentsError(f"User '{user.username}' has no TOTP secret configured.")
    return _totp(user).now()
