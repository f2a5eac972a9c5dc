"""Django admin: pages load, secrets and key hashes never appear, last admin stays."""

import pytest
from django.test import Client

from apps.agents import services
from apps.agents.models import ApiKey, LLMCredential, Role, User
from tests.factories import LLMCredentialFactory

pytestmark = pytest.mark.django_db

SECRET = "sk-proj-admin-secret-987654"


@pytest.fixture
def staff(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_admin_lists_load(staff, user):
    services.api_key_create(user=user)
    LLMCredentialFactory()
    for url in (
        "/admin/agents/user/",
        f"/admin/agents/user/{user.pk}/change/",
        "/admin/agents/apikey/",
        "/admin/agents/credential/",
        "/admin/agents/llmcredential/add/",
    ):
        assert staff.get(url).status_code == 200, url


def test_user_page_shows_keys_inline_without_their_hash(staff, user):
    issued = services.api_key_create(user=user, name="laptop")
    body = staff.get(f"/admin/agents/user/{user.pk}/change/").content.decode()
    assert "laptop" in body and issued.api_key.prefix in body
    assert issued.api_key.key_hash not in body and issued.raw_key not in body
    key_page = staff.get(f"/admin/agents/apikey/{issued.api_key.pk}/change/").content.decode()
    assert issued.api_key.key_hash not in key_page


def test_credential_pages_show_the_secret_masked_only(staff):
    credential = LLMCredentialFactory(api_key=SECRET)
    listing = staff.get("/admin/agents/credential/").content.decode()
    change = staff.get(f"/admin/agents/llmcredential/{credential.pk}/change/").content.decode()
    for body in (listing, change):
        assert SECRET not in body
    assert "sk-p****7654" in change and 'type="password"' in change


def _post_credential(staff, credential, api_key):
    return staff.post(
        f"/admin/agents/llmcredential/{credential.pk}/change/",
        {
            "name": credential.name,
            "provider_type": credential.provider_type,
            "api_key": api_key,
            "base_url": credential.base_url,
            "organization_id": "",
            "custom_headers": "{}",
            "price_overrides": "{}",
        },
    )


def test_blank_secret_keeps_it_and_a_new_one_replaces_it(staff):
    credential = LLMCredentialFactory(api_key=SECRET)
    assert _post_credential(staff, credential, "").status_code == 302
    assert LLMCredential.objects.get(pk=credential.pk).api_key == SECRET
    assert _post_credential(staff, credential, "sk-new-admin-key-1").status_code == 302
    assert LLMCredential.objects.get(pk=credential.pk).api_key == "sk-new-admin-key-1"


def test_admin_cannot_delete_the_last_admin(staff, admin_user):
    staff.post(f"/admin/agents/user/{admin_user.pk}/delete/", {"post": "yes"})
    assert User.objects.filter(pk=admin_user.pk, role=Role.ADMIN).exists()


def test_revoke_action_deactivates_keys(staff, user):
    issued = services.api_key_create(user=user)
    staff.post("/admin/agents/apikey/", {"action": "revoke", "_selected_action": [issued.api_key.pk]})
    assert not ApiKey.objects.get(pk=issued.api_key.pk).is_active
