"""The credentials page in Chromium: create an LLM credential, see only its mask, test it, delete it."""

from playwright.sync_api import expect

from apps.agents.models import LLMCredential
from tests.factories import UserFactory
from tests.web.pages_helpers import sign_in

SECRET = "sk-live-verysecret-9876"


def test_create_llm_credential_shows_only_the_mask(page, asgi_server, transactional_db, fake_openai):
    UserFactory(username="lee")
    sign_in(page, asgi_server.url, "lee")
    page.get_by_role("link", name="Credentials").click()
    expect(page.get_by_label("Type")).to_have_value("llm")
    page.get_by_label("Name", exact=True).fill("Local LLM")
    page.get_by_label("Provider").select_option("openai_compatible")
    page.get_by_label("API key").fill(SECRET)
    expect(page.get_by_label("API key")).to_have_attribute("type", "password")
    page.get_by_label("Base URL").fill(fake_openai.url)
    page.get_by_role("button", name="Save credential").click()

    credential_row = page.get_by_test_id("credential-row").filter(has_text="Local LLM")
    expect(credential_row).to_contain_text("sk-l****9876")
    assert SECRET not in page.content()
    assert LLMCredential.objects.get().api_key == SECRET
    expect(page.get_by_label("API key")).to_have_value("")

    page.get_by_role("button", name="Test Local LLM").click()
    expect(page.get_by_text("“Local LLM” works.")).to_be_visible(timeout=20_000)  # a real provider call

    page.get_by_role("button", name="Delete Local LLM").click()
    page.get_by_role("dialog", name="Please confirm").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Credential “Local LLM” deleted.")).to_be_visible()
    assert not LLMCredential.objects.exists()


def test_switching_type_shows_that_types_fields(page, asgi_server, transactional_db):
    UserFactory(username="max")
    sign_in(page, asgi_server.url, "max")
    page.goto(f"{asgi_server.url}/credentials/")
    page.get_by_label("Type").select_option("telegram")
    expect(page.get_by_label("Bot token")).to_be_visible()
    expect(page.get_by_label("API key")).to_have_count(0)
    page.get_by_role("button", name="Save credential").click()
    expect(page.locator("#id_name-error")).to_be_visible()
