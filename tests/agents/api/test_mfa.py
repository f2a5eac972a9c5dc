"""TOTP MFA over /api/v1/auth/mfa/: enrolment, the two-step login, lockout, loopback-only reset."""

from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone

from apps.agents.services.mfa import MFA_MAX_FAILED_ATTEMPTS
from pipelit import crypto

pytestmark = pytest.mark.django_db


def _enrol(client) -> pyotp.TOTP:
    secret = client.post("/api/v1/auth/mfa/setup/").json()["secret"]
    totp = pyotp.TOTP(secret)
    totp.enrolment_code = totp.now()
    response = client.post("/api/v1/auth/mfa/verify/", {"code": totp.enrolment_code}, format="json")
    assert response.json() == {"mfa_enabled": True}
    return totp


def test_setup_returns_a_secret_stored_only_encrypted(api_client, user):
    body = api_client.post("/api/v1/auth/mfa/setup/").json()
    assert body["provisioning_uri"].startswith("otpauth://totp/Pipelit:")
    user.refresh_from_db()
    assert body["secret"] not in user.totp_secret_encrypted
    assert crypto.decrypt(user.totp_secret_encrypted) == body["secret"]
    assert user.mfa_enabled is False
    assert api_client.get("/api/v1/auth/mfa/status/").json() == {"mfa_enabled": False}


def test_verify_with_a_wrong_code_does_not_enable_mfa(api_client):
    api_client.post("/api/v1/auth/mfa/setup/")
    response = api_client.post("/api/v1/auth/mfa/verify/", {"code": "000000"}, format="json")
    assert response.status_code == 400
    assert api_client.get("/api/v1/auth/mfa/status/").json() == {"mfa_enabled": False}


def test_setup_again_once_enabled_is_400(api_client):
    _enrol(api_client)
    response = api_client.post("/api/v1/auth/mfa/setup/")
    assert response.status_code == 400
    assert response.json() == {"detail": "MFA is already enabled."}


def test_login_of_mfa_user_needs_the_totp_step(api_client, anon_client, user):
    totp = _enrol(api_client)
    first = anon_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": "password123"}, format="json"
    )
    assert first.json() == {"key": "", "requires_mfa": True}
    # The enrolment code cannot be replayed; the next step's code is within the accepted window.
    code = totp.at(timezone.now() + timedelta(seconds=30))
    second = anon_client.post(
        "/api/v1/auth/mfa/login-verify/", {"username": user.username, "code": code}, format="json"
    )
    assert second.status_code == 200, second.json()
    key = second.json()["key"]
    assert anon_client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {key}").json()["mfa_enabled"]


def test_login_verify_without_a_password_step_is_401(api_client, anon_client, user):
    totp = _enrol(api_client)
    code = totp.at(timezone.now() + timedelta(seconds=30))
    response = anon_client.post(
        "/api/v1/auth/mfa/login-verify/", {"username": user.username, "code": code}, format="json"
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid credentials."}


def test_login_verify_with_a_wrong_code_is_401(api_client, anon_client, user):
    _enrol(api_client)
    anon_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": "password123"}, format="json"
    )
    response = anon_client.post(
        "/api/v1/auth/mfa/login-verify/", {"username": user.username, "code": "123456x"}, format="json"
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid TOTP code."}


def test_a_code_cannot_be_used_twice(api_client, anon_client, user):
    totp = _enrol(api_client)
    anon_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": "password123"}, format="json"
    )
    response = anon_client.post(
        "/api/v1/auth/mfa/login-verify/",
        {"username": user.username, "code": totp.enrolment_code},
        format="json",
    )
    assert response.status_code == 401


def test_repeated_wrong_codes_lock_the_account_even_for_the_right_code(api_client, anon_client, user):
    totp = _enrol(api_client)
    anon_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": "password123"}, format="json"
    )
    for _ in range(MFA_MAX_FAILED_ATTEMPTS):
        anon_client.post(
            "/api/v1/auth/mfa/login-verify/", {"username": user.username, "code": "000000"}, format="json"
        )
    user.refresh_from_db()
    assert user.mfa_locked_until > timezone.now()
    good = totp.at(timezone.now() + timedelta(seconds=30))
    response = anon_client.post(
        "/api/v1/auth/mfa/login-verify/", {"username": user.username, "code": good}, format="json"
    )
    assert response.status_code == 429
    assert "Too many failed" in response.json()["detail"]


def test_disable_needs_a_valid_code(api_client, user):
    totp = _enrol(api_client)
    bad = api_client.post("/api/v1/auth/mfa/disable/", {"code": "999999"}, format="json")
    assert bad.status_code == 400
    good = api_client.post(
        "/api/v1/auth/mfa/disable/", {"code": totp.at(timezone.now() + timedelta(seconds=30))}, format="json"
    )
    assert good.json() == {"mfa_enabled": False}
    user.refresh_from_db()
    assert user.totp_secret_encrypted == ""


def test_reset_from_loopback_turns_mfa_off(api_client, user):
    _enrol(api_client)
    response = api_client.post("/api/v1/auth/mfa/reset/", REMOTE_ADDR="::1")
    assert response.json() == {"mfa_enabled": False}


@pytest.mark.parametrize("extra", [{"REMOTE_ADDR": "10.0.0.5"}, {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}])
def test_reset_from_elsewhere_is_403(api_client, user, extra):
    _enrol(api_client)
    response = api_client.post("/api/v1/auth/mfa/reset/", **extra)
    assert response.status_code == 403
    assert response.json() == {"detail": "MFA reset only allowed from localhost."}
    user.refresh_from_db()
    assert user.mfa_enabled


def test_normal_user_cannot_reset_someone_elses_mfa(api_client, admin_user):
    response = api_client.post("/api/v1/auth/mfa/reset/", {"username": admin_user.username}, format="json")
    assert response.status_code == 403
