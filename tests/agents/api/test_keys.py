"""A user's own API keys over /api/v1/users/me/keys/: the raw key is shown once, revocation is immediate."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.agents.models import ApiKey
from apps.agents.models.users import hash_key

pytestmark = pytest.mark.django_db


def test_create_returns_the_raw_key_once_and_stores_only_its_hash(api_client):
    response = api_client.post("/api/v1/users/me/keys/", {"name": "ci"}, format="json")
    assert response.status_code == 201
    body = response.json()
    raw = body["key"]
    stored = ApiKey.objects.get(pk=body["id"])
    assert stored.key_hash == hash_key(raw) and raw not in stored.key_hash
    assert body["prefix"] == raw[:8] and body["name"] == "ci"
    listing = api_client.get("/api/v1/users/me/keys/").json()
    assert listing["total"] == 2
    assert all("key" not in item for item in listing["items"])
    assert raw not in str(listing)


def test_list_shows_only_my_keys(api_client, admin_client):
    items = api_client.get("/api/v1/users/me/keys/").json()["items"]
    assert {item["id"] for item in items} == set(
        ApiKey.objects.filter(user=api_client.user).values_list("pk", flat=True)
    )
    assert set(items[0]) == {"id", "name", "prefix", "created_at", "expires_at", "last_used_at", "is_active"}


def test_revoked_key_stops_working_at_once(api_client):
    body = api_client.post("/api/v1/users/me/keys/", {"name": "temp"}, format="json").json()
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {body['key']}")
    assert other.get("/api/v1/auth/me/").status_code == 200
    assert api_client.delete(f"/api/v1/users/me/keys/{body['id']}/").status_code == 204
    assert other.get("/api/v1/auth/me/").status_code == 401
    assert api_client.get("/api/v1/auth/me/").status_code == 200


def test_cannot_revoke_someone_elses_key(api_client, admin_client):
    admin_key = ApiKey.objects.get(user=admin_client.user)
    assert api_client.delete(f"/api/v1/users/me/keys/{admin_key.pk}/").status_code == 404
    assert admin_client.get("/api/v1/auth/me/").status_code == 200


def test_key_with_an_expiry_expires(api_client):
    expires = timezone.now() + timedelta(hours=1)
    body = api_client.post(
        "/api/v1/users/me/keys/", {"name": "short", "expires_at": expires.isoformat()}, format="json"
    ).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['key']}")
    assert client.get("/api/v1/auth/me/").status_code == 200
    ApiKey.objects.filter(pk=body["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/auth/me/").status_code == 401


def test_expiry_in_the_past_is_422(api_client):
    past = (timezone.now() - timedelta(minutes=1)).isoformat()
    response = api_client.post("/api/v1/users/me/keys/", {"expires_at": past}, format="json")
    assert response.status_code == 422


def test_using_a_key_records_last_used_at(api_client):
    api_client.get("/api/v1/auth/me/")
    assert ApiKey.objects.get(user=api_client.user).last_used_at is not None
