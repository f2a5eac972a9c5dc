"""Credentials over /api/v1/credentials/: one shape for every type, secrets masked, masked echo keeps."""

import json

import pytest

from apps.agents.models import Credential, GitCredential, LLMCredential
from pipelit import crypto
from tests.factories import LLMCredentialFactory

pytestmark = pytest.mark.django_db

SECRET = "sk-proj-abc123-very-secret-xyz9"


def _create(client, **body):
    payload = {"name": "OpenAI", "credential_type": "llm", "detail": {"api_key": SECRET}} | body
    return client.post("/api/v1/credentials/", payload, format="json")


def test_create_llm_credential_returns_the_documented_shape_with_the_key_masked(api_client):
    response = _create(api_client, detail={"api_key": SECRET, "base_url": "https://api.example.com/v1"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "credential_type", "detail", "created_at", "updated_at"}
    assert body["credential_type"] == "llm"
    assert body["detail"]["api_key"] == crypto.mask(SECRET) == "sk-p****xyz9"
    assert body["detail"]["provider_type"] == "openai_compatible"
    assert body["detail"]["base_url"] == "https://api.example.com/v1"
    credential = Credential.objects.get(pk=body["id"])
    assert isinstance(credential, LLMCredential) and credential.api_key == SECRET
    assert credential.created_by == api_client.user


def test_git_credential_maps_detail_credential_type_to_the_auth_method(api_client):
    body = _create(
        api_client,
        name="repo",
        credential_type="git",
        detail={
            "credential_type": "ssh",
            "ssh_private_key": "-----BEGIN KEY----- abcdefgh",
            "username": "me",
        },
    ).json()
    assert body["credential_type"] == "git"
    assert body["detail"]["credential_type"] == "ssh"
    assert body["detail"]["ssh_private_key"] == "----****efgh"
    assert GitCredential.objects.get(pk=body["id"]).auth_method == "ssh"


def test_unknown_credential_type_is_422_and_creates_nothing(api_client):
    response = _create(api_client, credential_type="carrier-pigeon")
    assert response.status_code == 422
    assert "Unknown credential_type" in response.json()["detail"]
    assert not Credential.objects.exists()


def test_invalid_detail_is_422(api_client):
    response = _create(api_client, detail={"provider_type": "nope"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:3] == ["body", "detail", "provider_type"]


def test_list_get_and_every_response_never_contain_the_secret(api_client):
    credential = LLMCredentialFactory(api_key=SECRET)
    listing = api_client.get("/api/v1/credentials/")
    detail = api_client.get(f"/api/v1/credentials/{credential.pk}/")
    assert listing.json()["total"] == 1
    for response in (listing, detail):
        assert SECRET not in response.content.decode()
    assert detail.json()["detail"]["api_key"] == crypto.mask(SECRET)


def test_patch_with_the_masked_value_keeps_the_secret(api_client):
    credential = LLMCredentialFactory(api_key=SECRET)
    masked = api_client.get(f"/api/v1/credentials/{credential.pk}/").json()["detail"]
    response = api_client.patch(
        f"/api/v1/credentials/{credential.pk}/", {"name": "renamed", "detail": masked}, format="json"
    )
    assert response.status_code == 200
    credential.refresh_from_db()
    assert credential.api_key == SECRET and credential.name == "renamed"


def test_patch_with_a_new_secret_replaces_it(api_client):
    credential = LLMCredentialFactory(api_key=SECRET, base_url="http://old")
    response = api_client.patch(
        f"/api/v1/credentials/{credential.pk}/",
        {"detail": {"api_key": "sk-new-key-0000-1111"}},
        format="json",
    )
    assert response.json()["detail"]["api_key"] == "sk-n****1111"
    credential.refresh_from_db()
    assert credential.api_key == "sk-new-key-0000-1111"
    assert credential.base_url == "http://old"  # untouched fields stay


def test_patch_cannot_change_the_type(api_client):
    credential = LLMCredentialFactory()
    response = api_client.patch(
        f"/api/v1/credentials/{credential.pk}/", {"credential_type": "git"}, format="json"
    )
    assert response.status_code == 422


def test_missing_credential_is_404(api_client):
    for method in ("get", "patch", "delete"):
        response = getattr(api_client, method)("/api/v1/credentials/424242/", {}, format="json")
        assert response.status_code == 404
        assert response.json() == {"detail": "Credential not found."}


def test_delete_and_batch_delete(api_client):
    one, two, three = LLMCredentialFactory(), LLMCredentialFactory(), LLMCredentialFactory()
    assert api_client.delete(f"/api/v1/credentials/{one.pk}/").status_code == 204
    response = api_client.post(
        "/api/v1/credentials/batch-delete/", {"ids": [two.pk, three.pk, 999999]}, format="json"
    )
    assert response.status_code == 204
    assert not Credential.objects.exists()


def test_any_authenticated_user_sees_every_credential(api_client, admin_client):
    _create(admin_client)
    assert api_client.get("/api/v1/credentials/").json()["total"] == 1


def test_each_type_round_trips_with_all_secrets_masked(api_client):
    cases = {
        "gateway": {"api_key": "gw-123456789", "allowed_user_ids": "1,2"},
        "tool": {"tool_type": "search", "config": {"k": 1}, "secret": "tool-secret-123"},
        "telegram": {"bot_token": "12345:telegram-token-abc", "webhook_secret": "hook-secret-xyz"},
    }
    for credential_type, detail in cases.items():
        body = _create(
            api_client, name=credential_type, credential_type=credential_type, detail=detail
        ).json()
        text = json.dumps(body)
        for field in ("api_key", "secret", "bot_token", "webhook_secret"):
            if field in detail:
                assert detail[field] not in text
                assert body["detail"][field] == crypto.mask(detail[field])
