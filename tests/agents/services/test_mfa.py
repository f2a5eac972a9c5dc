"""mfa_check_code: lockout, its expiry, and the replay guard."""

from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone

from apps.agents import errors, services
from apps.agents.models import User
from apps.agents.services.mfa import MFA_MAX_FAILED_ATTEMPTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def totp(user) -> pyotp.TOTP:
    secret, _ = services.mfa_setup(user=user)
    return pyotp.TOTP(secret)


def test_failures_below_the_limit_only_count(user, totp):
    for attempt in range(1, MFA_MAX_FAILED_ATTEMPTS):
        assert services.mfa_check_code(user=user, code="000000") is False
        assert User.objects.get(pk=user.pk).mfa_failed_attempts == attempt
    assert User.objects.get(pk=user.pk).mfa_locked_until is None


def test_a_good_code_resets_the_failure_count(user, totp):
    services.mfa_check_code(user=user, code="000000")
    assert services.mfa_check_code(user=user, code=totp.now()) is True
    assert User.objects.get(pk=user.pk).mfa_failed_attempts == 0


def test_lockout_ends_after_its_time(user, totp):
    for _ in range(MFA_MAX_FAILED_ATTEMPTS):
        services.mfa_check_code(user=user, code="000000")
    with pytest.raises(errors.MfaLocked):
        services.mfa_check_code(user=user, code=totp.now())
    User.objects.filter(pk=user.pk).update(mfa_locked_until=timezone.now() - timedelta(seconds=1))
    assert services.mfa_check_code(user=user, code=totp.now()) is True


def test_an_accepted_code_and_older_ones_are_refused_afterwards(user, totp):
    now = timezone.now()
    assert services.mfa_check_code(user=user, code=totp.at(now)) is True
    assert services.mfa_check_code(user=user, code=totp.at(now)) is False
    assert services.mfa_check_code(user=user, code=totp.at(now - timedelta(seconds=30))) is False


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", None])
def test_malformed_codes_are_rejected(user, totp, code):
    assert services.mfa_check_code(user=user, code=code) is False


def test_codes_far_from_now_are_rejected(user, totp):
    assert services.mfa_check_code(user=user, code=totp.at(timezone.now() + timedelta(minutes=5))) is False
