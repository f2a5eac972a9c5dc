"""Writes that bypass model signals (queryset `.update()`) record themselves: key revocation, MFA on/off,
identities merged into a memory user. One entry per action, the right actor, secrets never in it."""

import json
from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone

from apps.agents.models import ApiKey, MemoryUser, User
from apps.agents.services import api_key_create
from apps.agents.services.memory_users import memory_user_identify
from apps.agents.tools.identity_tools import create_agent_user_tools
from apps.audit.context import acting_as
from apps.audit.models import AuditEntry
from tests.agents.tools.conftest import call, execution, owner, tool_context, workflow  # noqa: F401
from tests.conftest import client_for
from tests.factories import AdminFactory, AgentUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def only(action) -> AuditEntry:
    found = entries(action)
    assert len(found) == 1, [(e.action, e.target_id) for e in found]
    return found[0]


# --- API keys --------------------------------------------------------------------------------------


def test_revoking_my_own_key_over_rest_is_one_entry_by_me(api_client):
    spare = api_key_create(user=api_client.user, name="laptop")
    response = api_client.delete(f"/api/v1/users/me/keys/{spare.api_key.pk}/")
    assert response.status_code == 204
    entry = only("apikey.revoke")
    assert (entry.actor_id, entry.api_key_name, entry.source, entry.outcome) == (
        api_client.user.pk,
        "test",
        "rest",
        "ok",
    )
    assert (entry.target_type, entry.target_id) == ("apikey", str(spare.api_key.pk))
    assert entry.before == {"is_active": True} and entry.after == {"is_active": False}
    assert entry.request_id == response["X-Request-ID"]
    assert not AuditEntry.objects.filter(action="http.delete").exists()  # no summary on top
    # Revoking it again changes nothing and records nothing.
    api_client.delete(f"/api/v1/users/me/keys/{spare.api_key.pk}/")
    assert len(entries("apikey.revoke")) == 1


def test_an_admin_revoking_someone_elses_key_is_recorded_as_the_admin():
    admin_api = client_for(AdminFactory())
    person = UserFactory()
    key = api_key_create(user=person, name="ci").api_key
    response = admin_api.delete(f"/api/v1/users/{person.pk}/keys/{key.pk}/")
    assert response.status_code == 204
    entry = only("apikey.revoke")
    assert entry.actor_id == admin_api.user.pk and not entry.actor_is_agent
    assert entry.target_id == str(key.pk) and entry.after == {"is_active": False}
    assert "[redacted]" not in json.dumps(entry.after) and key.key_hash not in json.dumps(entry.before)


def test_an_agent_revoking_its_own_key_over_rest_is_recorded_as_the_agent():
    agent_api = client_for(AgentUserFactory())
    old = api_key_create(user=agent_api.user, name="old").api_key
    assert agent_api.delete(f"/api/v1/users/me/keys/{old.pk}/").status_code == 204
    entry = only("apikey.revoke")
    assert entry.actor_id == agent_api.user.pk and entry.actor_is_agent and entry.api_key_name == "test"


def test_create_agent_user_tool_records_stale_tool_keys_and_totp_as_the_owner(
    tool_context,  # noqa: F811
    owner,  # noqa: F811
    call,  # noqa: F811
):
    tools = create_agent_user_tools(tool_context)
    for _ in range(6):  # the 6th issue pushes the oldest of 5 kept tool keys out
        assert call(tools, "create_agent_user")["success"] is True
    agent = User.objects.get(role="agent")
    oldest = ApiKey.objects.filter(user=agent, name="agent-tool").order_by("id").first()
    revoke = only("apikey.revoke")
    assert revoke.target_id == str(oldest.pk) and revoke.after == {"is_active": False}
    assert (revoke.actor_id, revoke.source, revoke.actor_is_agent) == (owner.pk, "agent", False)
    assert revoke.request_id == tool_context.execution_id

    enable = only("user.mfa_enable")  # the agent user gets TOTP once, on creation
    assert enable.target_id == str(agent.pk) and enable.actor_id == owner.pk
    assert enable.before == {"mfa_enabled": False} and enable.after == {"mfa_enabled": True}
    created = AuditEntry.objects.get(action="user.create", target_id=str(agent.pk))
    assert created.actor_id == owner.pk


# --- MFA ---------------------------------------------------------------------------------------------


def _enrol(client) -> pyotp.TOTP:
    totp = pyotp.TOTP(client.post("/api/v1/auth/mfa/setup/").json()["secret"])
    response = client.post("/api/v1/auth/mfa/verify/", {"code": totp.now()}, format="json")
    assert response.json() == {"mfa_enabled": True}
    return totp


def test_mfa_enable_and_disable_over_rest_are_one_entry_each_without_the_secret(api_client):
    totp = _enrol(api_client)
    enable = only("user.mfa_enable")
    assert (enable.actor_id, enable.target_type, enable.target_id, enable.source) == (
        api_client.user.pk,
        "user",
        str(api_client.user.pk),
        "rest",
    )
    assert enable.before == {"mfa_enabled": False} and enable.after == {"mfa_enabled": True}
    # Setup stored a new secret: redacted on both sides, so no "change" entry leaks or even hints at it.
    assert not AuditEntry.objects.filter(action="user.update", target_id=str(api_client.user.pk)).exists()

    code = totp.at(timezone.now() + timedelta(seconds=30))  # the enrolment code cannot be replayed
    response = api_client.post("/api/v1/auth/mfa/disable/", {"code": code}, format="json")
    assert response.json() == {"mfa_enabled": False}
    disable = only("user.mfa_disable")
    assert disable.actor_id == api_client.user.pk
    assert disable.before == {"mfa_enabled": True} and disable.after == {"mfa_enabled": False}
    logged = json.dumps([[e.before, e.after] for e in AuditEntry.objects.all()])
    assert totp.secret not in logged


def test_a_wrong_code_records_no_mfa_change(api_client):
    api_client.post("/api/v1/auth/mfa/setup/")
    assert api_client.post("/api/v1/auth/mfa/verify/", {"code": "000000"}, format="json").status_code == 400
    assert not entries("user.mfa_enable")


def test_emergency_mfa_reset_by_an_admin_is_recorded_against_the_target():
    admin_api = client_for(AdminFactory())
    person_api = client_for(UserFactory())
    _enrol(person_api)
    response = admin_api.post(
        "/api/v1/auth/mfa/reset/", {"username": person_api.user.username}, format="json", REMOTE_ADDR="::1"
    )
    assert response.json() == {"mfa_enabled": False}
    entry = only("user.mfa_reset")
    assert entry.actor_id == admin_api.user.pk and entry.target_id == str(person_api.user.pk)
    assert entry.after == {"mfa_enabled": False}
    # A reset that finds MFA already off changes nothing and writes nothing.
    admin_api.post(
        "/api/v1/auth/mfa/reset/", {"username": person_api.user.username}, format="json", REMOTE_ADDR="::1"
    )
    assert len(entries("user.mfa_reset")) == 1


# --- memory users ------------------------------------------------------------------------------------


def test_a_new_identity_merged_into_a_memory_user_is_one_entry():
    person, is_new = memory_user_identify(channel="gateway", external_id="42", display_name="Ada")
    assert is_new
    create = only("memoryuser.create")  # the create entry carries the first identity itself
    assert create.after["display_name"] == "Ada" and create.after["external_ids"] == {"gateway": "42"}
    assert not entries("memoryuser.merge")

    memory_user_identify(channel="gateway", external_id="42", display_name="Ada")  # nothing new
    assert not entries("memoryuser.merge")

    # The same person on another channel, their record already merged into the first one.
    other, _ = memory_user_identify(channel="telegram", external_id="777")
    MemoryUser.objects.filter(pk=other.pk).update(merged_into=person)
    agent = AgentUserFactory()
    with acting_as(user=agent, key_name="agent", request_id="run-7"):
        resolved, _ = memory_user_identify(channel="telegram", external_id="777", display_name="Ada L.")
    assert resolved.pk == person.pk
    merge = only("memoryuser.merge")
    assert (merge.target_type, merge.target_id) == ("memoryuser", str(person.pk))
    assert (merge.actor_id, merge.actor_is_agent, merge.request_id) == (agent.pk, True, "run-7")
    assert merge.before == {"display_name": "Ada", "external_ids": {"gateway": "42"}}
    assert merge.after == {"display_name": "Ada L.", "external_ids": {"gateway": "42", "telegram": "777"}}
    assert "tg:777" in merge.detail


def test_identify_without_any_context_is_attributed_to_the_system():
    memory_user_identify(channel="webhook", external_id="a@b.c", email="a@b.c")
    memory_user_identify(channel="webhook", external_id="a@b.c", display_name="A")
    merge = only("memoryuser.merge")
    assert merge.actor_id is None and merge.source == "system" and merge.after == {"display_name": "A"}
