"""Secrets are encrypted in the database column itself, not just hidden by the API."""

import pytest
from django.db import connection

from apps.agents.models import LLMCredential
from pipelit import crypto

pytestmark = pytest.mark.django_db

SECRET = "sk-live-plaintext-must-never-be-stored-42"


def _raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE credential_ptr_id = %s", [pk])
        return cursor.fetchone()[0]


def test_api_created_secret_is_encrypted_in_the_column_and_never_returned(api_client):
    response = api_client.post(
        "/api/v1/credentials/",
        {"name": "prod", "credential_type": "llm", "detail": {"api_key": SECRET}},
        format="json",
    )
    credential_id = response.json()["id"]
    raw = _raw_column(LLMCredential._meta.db_table, "api_key", credential_id)
    assert SECRET not in raw and raw != ""
    assert crypto.decrypt(raw) == SECRET
    for url in ("/api/v1/credentials/", f"/api/v1/credentials/{credential_id}/"):
        assert SECRET not in api_client.get(url).content.decode()
    patched = api_client.patch(f"/api/v1/credentials/{credential_id}/", {"name": "x"}, format="json")
    assert SECRET not in patched.content.decode()
    assert SECRET not in response.content.decode()


def test_totp_secret_is_encrypted_in_the_user_row(api_client):
    secret = api_client.post("/api/v1/auth/mfa/setup/").json()["secret"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_secret_encrypted FROM agents_user WHERE id = %s", [api_client.user.pk])
        raw = cursor.fetchone()[0]
    assert secret not in raw and crypto.decrypt(raw) == secret
