"""User administration over /api/v1/users/: admin only, and the last admin cannot be removed."""

import pytest

from apps.agents.models import ApiKey, Role, User
from tests.conftest import client_for
from tests.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_normal_user_gets_403_on_user_admin(api_client):
    assert api_client.get("/api/v1/users/").status_code == 403
    assert (
        api_client.post(
            "/api/v1/users/", {"username": "x", "password": "password123"}, format="json"
        ).status_code
        == 403
    )


def test_admin_lists_users_in_the_envelope(admin_client, user):
    body = admin_client.get("/api/v1/users/").json()
    assert body["total"] == 2
    assert {item["username"] for item in body["items"]} == {user.username, admin_client.user.username}
    only_admins = admin_client.get("/api/v1/users/?role=admin").json()
    assert only_admins["total"] == 1


def test_admin_creates_a_user_who_can_log_in(admin_client, anon_client):
    response = admin_client.post(
        "/api/v1/users/", {"username": "carol", "password": "carol-pass-1", "role": "normal"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["role"] == "normal"
    token = anon_client.post(
        "/api/v1/auth/token/", {"username": "carol", "password": "carol-pass-1"}, format="json"
    )
    assert token.status_code == 200


def test_duplicate_username_is_422(admin_client, user):
    response = admin_client.post(
        "/api/v1/users/", {"username": user.username, "password": "password123"}, format="json"
    )
    assert response.status_code == 422
    assert "already taken" in response.json()["detail"]


def test_admin_promotes_a_user(admin_client, user):
    response = admin_client.patch(f"/api/v1/users/{user.pk}/", {"role": "admin"}, format="json")
    assert response.json()["role"] == "admin"
    user.refresh_from_db()
    assert user.is_staff and user.is_superuser


def test_last_admin_cannot_be_demoted(admin_client):
    response = admin_client.patch(f"/api/v1/users/{admin_client.user.pk}/", {"role": "normal"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot demote or deactivate the last admin."}
    assert User.objects.get(pk=admin_client.user.pk).role == Role.ADMIN


def test_last_admin_cannot_be_deactivated(admin_client):
    response = admin_client.patch(
        f"/api/v1/users/{admin_client.user.pk}/", {"is_active": False}, format="json"
    )
    assert response.status_code == 400


def test_last_admin_cannot_be_deleted(admin_client):
    response = admin_client.delete(f"/api/v1/users/{admin_client.user.pk}/")
    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot delete the last admin."}
    assert User.objects.filter(pk=admin_client.user.pk).exists()


def test_an_admin_can_be_demoted_while_another_remains(admin_client):
    other = AdminFactory()
    response = admin_client.patch(f"/api/v1/users/{other.pk}/", {"role": "normal"}, format="json")
    assert response.status_code == 200
    assert admin_client.delete(f"/api/v1/users/{admin_client.user.pk}/").status_code == 400


def test_deleting_a_user_kills_their_keys(admin_client):
    victim = UserFactory()
    victim_client = client_for(victim)
    assert admin_client.delete(f"/api/v1/users/{victim.pk}/").status_code == 204
    assert victim_client.get("/api/v1/auth/me/").status_code == 401
    assert not ApiKey.objects.filter(user_id=victim.pk).exists()


def test_admin_lists_and_revokes_another_users_keys(admin_client, api_client, user):
    keys = admin_client.get(f"/api/v1/users/{user.pk}/keys/").json()
    assert keys["total"] == 1
    key_id = keys["items"][0]["id"]
    assert admin_client.delete(f"/api/v1/users/{user.pk}/keys/{key_id}/").status_code == 204
    assert api_client.get("/api/v1/auth/me/").status_code == 401


def test_unknown_user_is_404(admin_client):
    response = admin_client.get("/api/v1/users/999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "User not found."}


def test_role_agent_cannot_be_assigned_through_the_user_api(admin_client, user):
    response = admin_client.patch(f"/api/v1/users/{user.pk}/", {"role": "agent"}, format="json")
    assert response.status_code == 422
