"""The credentials page: masked list, create per type, delete, inline LLM test; secrets never rendered."""

import pytest
from django.test import Client

from apps.agents.models import Credential, GitCredential, LLMCredential, TelegramCredential
from tests.factories import LLMCredentialFactory

pytestmark = pytest.mark.django_db

SECRET = "sk-proj-secret-abcdef123456"


@pytest.fixture
def client(user):
    client = Client()
    client.force_login(user)
    return client


def htmx(target=None):
    headers = {"HX-Request": "true"}
    if target:
        headers["HX-Target"] = target
    return headers


def test_credentials_pages_require_login(user):
    anon = Client()
    for method, url in [
        ("get", "/credentials/"),
        ("get", "/credentials/form/"),
        ("post", "/credentials/"),
        ("post", "/credentials/1/delete/"),
        ("post", "/credentials/1/test/"),
    ]:
        response = getattr(anon, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url


def test_list_shows_type_and_masked_secret_never_the_secret(client):
    LLMCredentialFactory(name="Main LLM", api_key=SECRET, base_url="http://ollama:11434/v1")
    TelegramCredential.objects.create(name="Bot", bot_token="123456:ABCDEFGHIJKLMNOP")
    body = client.get("/credentials/").content.decode()
    assert "Main LLM" in body and "sk-p****3456" in body and "http://ollama:11434/v1" in body
    assert "1234****MNOP" in body and "Telegram bot" in body
    assert SECRET not in body and "123456:ABCDEFGHIJKLMNOP" not in body


def test_create_llm_credential_stores_the_key_encrypted_and_redirects(client, user):
    response = client.post(
        "/credentials/",
        {
            "credential_type": "llm",
            "name": "OpenAI",
            "provider_type": "openai",
            "api_key": SECRET,
            "base_url": "",
            "organization_id": "org-1",
        },
        headers=htmx(),
    )
    assert response.status_code == 200 and response["HX-Redirect"] == "/credentials/"
    credential = LLMCredential.objects.get()
    assert (credential.name, credential.api_key, credential.organization_id) == ("OpenAI", SECRET, "org-1")
    assert credential.created_by == user
    page = client.get("/credentials/").content.decode()
    assert "Credential “OpenAI” created." in page and SECRET not in page


def test_create_form_errors_keep_other_values_but_never_echo_the_secret(client):
    response = client.post(
        "/credentials/",
        {"credential_type": "llm", "name": "", "provider_type": "openai_compatible", "api_key": SECRET},
        headers=htmx("credential-form"),
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="credential-form"' in body and "<html" not in body
    assert 'id="id_name-error"' in body and "needs its base URL" in body
    assert SECRET not in body and 'type="password"' in body
    response = client.post("/credentials/", {"credential_type": "llm", "name": "x", "base_url": "ftp://x"})
    assert response.status_code == 422 and "Must start with http://" in response.content.decode()
    assert not Credential.objects.exists()


def test_each_type_has_its_form_and_creates_its_subclass(client):
    for kind, field in [
        ("llm", "api_key"),
        ("telegram", "bot_token"),
        ("gateway", "api_key"),
        ("git", "access_token"),
        ("tool", "secret"),
    ]:
        body = client.get(
            "/credentials/form/", {"type": kind}, headers=htmx("credential-form")
        ).content.decode()
        assert f'name="credential_type" value="{kind}"' in body and f'name="{field}"' in body, kind
    assert client.get("/credentials/form/", {"type": "nope"}).status_code == 404
    client.post(
        "/credentials/",
        {
            "credential_type": "git",
            "name": "Repo",
            "provider": "github",
            "auth_method": "token",
            "access_token": "ghp_x",
        },
    )
    assert GitCredential.objects.get().access_token == "ghp_x"
    response = client.post(
        "/credentials/", {"credential_type": "git", "name": "R", "provider": "github", "auth_method": "ssh"}
    )
    assert response.status_code == 422 and "needs a private key" in response.content.decode()
    client.post("/credentials/", {"credential_type": "telegram", "name": "Bot", "bot_token": "1:abc"})
    assert TelegramCredential.objects.get().bot_token == "1:abc"


def test_delete_removes_the_credential(client):
    credential = LLMCredentialFactory()
    assert client.get(f"/credentials/{credential.pk}/delete/").status_code == 405
    response = client.post(f"/credentials/{credential.pk}/delete/")
    assert response.status_code == 302 and not Credential.objects.exists()
    assert client.post(f"/credentials/{credential.pk}/delete/").status_code == 404


def test_testing_an_llm_credential_shows_the_result_inline(client, fake_openai):
    good = LLMCredentialFactory(name="Good", base_url=fake_openai.url)
    body = client.post(f"/credentials/{good.pk}/test/", headers=htmx()).content.decode()
    assert "“Good” works" in body and "<html" not in body
    assert fake_openai.requests[-1].path.endswith("/models")


def test_testing_an_unreachable_llm_credential_shows_the_error_code(client, closed_port):
    down = LLMCredentialFactory(name="Down", base_url=f"http://127.0.0.1:{closed_port}/v1")
    body = client.post(f"/credentials/{down.pk}/test/", headers=htmx()).content.decode()
    assert "failed" in body and "llm_unreachable" in body and 'role="alert"' in body


def test_only_llm_credentials_can_be_tested(client):
    bot = TelegramCredential.objects.create(name="Bot", bot_token="1:abc")
    body = client.post(f"/credentials/{bot.pk}/test/").content.decode()
    assert "Only LLM credentials can be tested" in body
