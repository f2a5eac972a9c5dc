"""The OpenAPI schema documents the auth, users and credentials endpoints with bearer security."""

import pytest

pytestmark = pytest.mark.django_db


def test_schema_lists_the_agents_endpoints_with_request_and_response_shapes(api_client):
    schema = api_client.get("/api/v1/schema/").json()
    paths = schema["paths"]
    for path in ("/api/v1/auth/token/", "/api/v1/users/me/keys/", "/api/v1/credentials/{credential_id}/"):
        assert path in paths
    assert schema["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
    token = paths["/api/v1/auth/token/"]["post"]
    assert "requestBody" in token and "200" in token["responses"]
    listing = paths["/api/v1/credentials/"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert listing["$ref"].endswith("/CredentialList")
