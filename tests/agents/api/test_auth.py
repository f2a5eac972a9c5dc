"""First-run setup, password login and the current user over /api/v1/auth/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.agents.models import ApiKey, Role, User

pytestmark = pytest.mark.django_db


def test_setup_status_says_setup_is_needed_only_while_no_user_exists(anon_client):
    assert anon_client.get("/api/v1/auth/setup-status/").json() == {"needs_setup": True}
    User.objects.create_user(username="someone", password="password123")
    assert anon_client.get("/api/v1/auth/setup-status/").json() == {"needs_setup": False}


def test_setup_creates_the_first_admin_and_returns_a_working_key(anon_client):
    response = anon_client.post(
        "/api/v1/auth/setup/", {"username": "boss", "password": "correct-horse"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["requires_mfa"] is False
    admin = User.objects.get(username="boss")
    assert admin.role == Role.ADMIN and admin.is_superuser
    me = anon_client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {body['key']}")
    assert me.json()["username"] == "boss"


def test_setup_is_refused_once_a_user_exists(anon_client, user):
    response = anon_client.post(
        "/api/v1/auth/setup/", {"username": "intruder", "password": "correct-horse"}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "Setup already completed."}
    assert not User.objects.filter(username="intruder").exists()


def test_setup_rejects_a_short_password_and_creates_nothing(anon_client):
    response = anon_client.post(
        "/api/v1/auth/setup/", {"username": "boss", "password": "short"}, format="json"
    )
    assert response.status_code == 422
    assert "detail" in response.json()
    assert not User.objects.exists()


def test_token_issues_a_new_login_key_for_valid_credentials(anon_client, user):
    response = anon_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": "password123"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["requires_mfa"] is False and body["key"].startswith("plt_")
    assert ApiKey.objects.filter(user=user, name="login").count() == 1


@pytest.mark.parametrize("username,password", [("user-x", "password123"), ("nobody", "password123")])
def test_token_rejects_bad_credentials_with_401(anon_client, username, password, user):
    user.username = "user-x"
    user.save()
    response = anon_client.post(
        "/api/v1/auth/token/", {"username": username, "password": password + "!"}, format="json"
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid credentials."}


def test_token_missing_fields_is_422(anon_client):
    response = anon_client.post("/api/v1/auth/token/", {"username": "x"}, format="json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]


def test_me_returns_the_key_owner(api_client, user):
    assert api_client.get("/api/v1/auth/me/").json() == {
        "id": user.pk,
        "username": user.username,
        "role": "normal",
        "mfa_enabled": False,
        "is_active": True,
        "purpose": "",
        "created_at": user.date_joined.isoformat(),
    }


def test_revoked_key_is_401(api_client):
    ApiKey.objects.filter(user=api_client.user).update(is_active=False)
    response = api_client.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_expired_key_is_401(api_client):
    ApiKey.objects.filter(user=api_client.user).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_client.get("/api/v1/auth/me/").status_code == 401


def test_key_of_deactivated_user_is_401(api_client, user):
    user.is_active = False
    user.save()
    assert api_client.get("/api/v1/auth/me/").status_code == 401
