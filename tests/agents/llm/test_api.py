"""REST: POST /api/v1/credentials/<id>/test/ and GET /api/v1/credentials/<id>/models/."""

import pytest

from apps.agents.models import GatewayCredential, LLMCredential, ProviderType

pytestmark = pytest.mark.urls("tests.agents.llm.urls")


def test_test_endpoint_reports_success(api_client, anthropic_credential):
    response = api_client.post(f"/api/v1/credentials/{anthropic_credential.pk}/test/", format="json")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "error": ""}


def test_test_endpoint_reports_a_rejected_key_as_ok_false(api_client, openai_credential, openai_stub):
    openai_stub.push_error(401, "Incorrect API key provided")
    response = api_client.post(f"/api/v1/credentials/{openai_credential.pk}/test/", format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False
    assert body["error_code"] == "llm_auth_error"
    assert body["error"].startswith("Authentication failed - invalid API key")


def test_test_endpoint_reports_an_unreachable_provider(api_client, closed_port, db):
    credential = LLMCredential.objects.create(
        name="down",
        provider_type=ProviderType.OPENAI_COMPATIBLE,
        api_key="k",
        base_url=f"http://127.0.0.1:{closed_port}/v1",
    )
    body = api_client.post(f"/api/v1/credentials/{credential.pk}/test/").json()
    assert body["ok"] is False
    assert body["error_code"] == "llm_unreachable"


def test_test_endpoint_passes_an_optional_model(api_client, anthropic_credential, fake_anthropic):
    api_client.post(
        f"/api/v1/credentials/{anthropic_credential.pk}/test/", {"model": "claude-opus-4-5"}, format="json"
    )
    assert fake_anthropic.message_requests[-1].body["model"] == "claude-opus-4-5"


def test_models_endpoint_lists_provider_models(api_client, openai_credential, openai_stub):
    response = api_client.get(f"/api/v1/credentials/{openai_credential.pk}/models/")
    assert response.status_code == 200
    assert response.json() == [
        {"id": "gpt-4o", "name": "gpt-4o"},
        {"id": "gpt-4o-mini", "name": "gpt-4o-mini"},
    ]


def test_models_endpoint_answers_502_with_a_detail_when_the_provider_fails(
    api_client, anthropic_credential, fake_anthropic
):
    fake_anthropic.push_error(500, "overloaded")
    response = api_client.get(f"/api/v1/credentials/{anthropic_credential.pk}/models/")
    assert response.status_code == 502
    assert response.json()["error_code"] == "llm_server_error"
    assert "overloaded" in response.json()["detail"]


@pytest.mark.parametrize("suffix", ["test/", "models/"])
def test_unknown_or_non_llm_credential_is_404(api_client, suffix, db):
    gateway = GatewayCredential.objects.create(name="gw", api_key="gw-secret")
    method = api_client.post if suffix == "test/" else api_client.get
    for credential_id in (gateway.pk, 999_999):
        response = method(f"/api/v1/credentials/{credential_id}/{suffix}")
        assert response.status_code == 404
        assert response.json() == {"detail": "LLM credential not found."}


@pytest.mark.parametrize("suffix", ["test/", "models/"])
def test_endpoints_require_an_api_key(anon_client, openai_credential, openai_stub, suffix):
    method = anon_client.post if suffix == "test/" else anon_client.get
    response = method(f"/api/v1/credentials/{openai_credential.pk}/{suffix}")
    assert response.status_code == 401
    assert openai_stub.requests == []


def test_secrets_never_appear_in_the_test_response(api_client, openai_credential, openai_stub):
    openai_stub.push_error(401, "bad")
    response = api_client.post(f"/api/v1/credentials/{openai_credential.pk}/test/")
    assert "sk-test-openai-123456" not in response.content.decode()
