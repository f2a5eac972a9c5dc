"""Telegram webhook endpoint, update handling, reply hook, set-webhook and the long-poll command."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command

from apps.execution.models import WorkflowExecution
from apps.execution.services import telegram as services
from apps.workflows.models import TriggerConfig
from tests.execution.builders import build_workflow
from tests.execution.helpers import run_snapshot
from tests.fakes.telegram_server import DEFAULT_TOKEN

pytestmark = pytest.mark.django_db

SECRET = "s3cret-token_value"


def make_credential(**fields):
    model = apps.get_model("agents", "TelegramCredential")
    fields = {"name": "bot", "bot_token": DEFAULT_TOKEN, "webhook_secret": SECRET, **fields}
    return model.objects.create(**fields)


def telegram_workflow(owner, credential, code="result = 'echo: ' + trigger['text']"):
    workflow = build_workflow(
        owner=owner,
        nodes={
            "tg": {"component_type": "trigger_telegram"},
            "reply": {"component_type": "code", "config": {"code": code}},
        },
        edges=[("tg", "reply")],
    )
    TriggerConfig.objects.filter(node__workflow=workflow, node__node_id="tg").update(credential=credential)
    return workflow


def update(text="hi", chat_id=42, user_id=7, update_id=1001):
    return {
        "update_id": update_id,
        "message": {
            "message_id": 5,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "A"},
            "text": text,
        },
    }


def post_update(client, credential, body, secret=SECRET):
    headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
    return client.post(
        f"/api/v1/telegram/{credential.pk}/webhook/", body, content_type="application/json", **headers
    )


def test_trigger_outputs_text_chat_id_files_and_payload():
    trigger = {"text": "hi", "chat_id": 42, "files": [{"file_id": "f"}], "payload": {"update_id": 1}}
    outcome = run_snapshot({"nodes": [{"id": "t", "type": "trigger_telegram"}], "edges": []}, trigger)
    assert outcome.node_outputs["t"] == {
        "text": "hi",
        "chat_id": 42,
        "files": [{"file_id": "f"}],
        "payload": {"update_id": 1},
    }


def test_right_secret_starts_one_execution_per_telegram_trigger_on_the_credential(client, user):
    credential = make_credential()
    workflow = telegram_workflow(user, credential)
    other = telegram_workflow(user, make_credential(name="other"))
    response = post_update(client, credential, update())
    assert response.status_code == 200, response.content
    execution = WorkflowExecution.objects.get()
    assert response.json()["execution_ids"] == [str(execution.execution_id)]
    assert execution.workflow == workflow and execution.trigger_node_key == "tg"
    assert execution.trigger_payload["chat_id"] == 42 and execution.trigger_payload["text"] == "hi"
    assert not WorkflowExecution.objects.filter(workflow=other).exists()


def test_a_redelivered_update_starts_nothing_new(client, user):
    credential = make_credential()
    telegram_workflow(user, credential)
    post_update(client, credential, update())
    assert post_update(client, credential, update()).json()["execution_ids"] == []
    assert WorkflowExecution.objects.count() == 1


@pytest.mark.parametrize("secret", ["wrong", None, ""])
def test_wrong_or_missing_secret_is_403_and_starts_nothing(client, user, secret):
    credential = make_credential()
    telegram_workflow(user, credential)
    response = post_update(client, credential, update(), secret=secret)
    assert response.status_code == 403 and response.json() == {"detail": "Invalid secret token."}
    assert not WorkflowExecution.objects.exists()


def test_unknown_credential_is_404_and_bad_json_is_400(client, user):
    credential = make_credential()
    assert (
        client.post("/api/v1/telegram/999999/webhook/", {}, content_type="application/json").status_code
        == 404
    )
    response = post_update(client, credential, "{nope")
    assert response.status_code == 400


def test_senders_outside_the_allow_list_and_inactive_workflows_start_nothing(client, user):
    credential = make_credential(allowed_user_ids="1, 2")
    workflow = telegram_workflow(user, credential)
    assert post_update(client, credential, update(user_id=7)).json()["execution_ids"] == []
    credential.allowed_user_ids = ""
    credential.save()
    workflow.is_active = False
    workflow.save()
    assert post_update(client, credential, update(update_id=2)).json()["execution_ids"] == []


def test_reply_hook_sends_the_final_output_text_to_the_chat(user, fake_telegram, settings):
    settings.TELEGRAM_API_BASE = fake_telegram.base_url
    credential = make_credential()
    telegram_workflow(user, credential)
    execution = services.telegram_update_handle(credential=credential, update=update())[0]
    execution.status, execution.final_output = "completed", {"output": "echo: hi"}
    services.telegram_reply_on_finish(execution)
    sent = fake_telegram.sent_messages(42)
    assert [m["text"] for m in sent] == ["echo: hi"]
    assert fake_telegram.calls_to("sendMessage")[0].params["reply_to_message_id"] == 5


def test_reply_hook_ignores_executions_not_started_by_telegram(user, fake_telegram, settings):
    settings.TELEGRAM_API_BASE = fake_telegram.base_url
    execution = WorkflowExecution(
        status="completed", final_output={"output": "x"}, trigger_payload={"text": "x"}
    )
    services.telegram_reply_on_finish(execution)
    assert fake_telegram.calls == []


def test_set_webhook_action_registers_the_endpoint_with_a_secret(api_client, fake_telegram, settings):
    settings.TELEGRAM_API_BASE = fake_telegram.base_url
    credential = make_credential(webhook_secret="")
    response = api_client.post(
        f"/api/v1/telegram/{credential.pk}/set-webhook/", {"base_url": "http://127.0.0.1:8000"}, format="json"
    )
    assert response.status_code == 200, response.content
    hook = fake_telegram.webhooks[DEFAULT_TOKEN]
    assert hook["url"] == f"http://127.0.0.1:8000/api/v1/telegram/{credential.pk}/webhook/"
    credential.refresh_from_db()
    assert credential.webhook_secret and hook["secret_token"] == credential.webhook_secret


def test_set_webhook_needs_a_key(anon_client):
    assert anon_client.post("/api/v1/telegram/1/set-webhook/", {}, format="json").status_code == 401


def test_set_webhook_command(fake_telegram, settings):
    settings.TELEGRAM_API_BASE = fake_telegram.base_url
    credential = make_credential()
    out = io.StringIO()
    call_command("telegram_set_webhook", credential.pk, "--base-url", "https://bot.example.com", stdout=out)
    assert fake_telegram.webhooks[DEFAULT_TOKEN]["secret_token"] == SECRET
    assert "https://bot.example.com/api/v1/telegram/" in out.getvalue()


def test_poll_command_picks_up_updates_from_the_bot_api(user, fake_telegram, settings):
    settings.TELEGRAM_API_BASE = fake_telegram.base_url
    credential = make_credential()
    workflow = telegram_workflow(user, credential)
    fake_telegram.push_update(update(text="one", update_id=11))
    fake_telegram.push_update(update(text="two", update_id=12))
    out = io.StringIO()
    call_command("telegram_poll", credential.pk, "--timeout", "0", "--exit-when-idle", stdout=out)
    texts = sorted(e.trigger_payload["text"] for e in WorkflowExecution.objects.filter(workflow=workflow))
    assert texts == ["one", "two"]
    assert fake_telegram.pending_updates() == []  # the offset was confirmed


def test_a_reply_is_wanted_only_for_a_run_from_a_telegram_chat():
    wanted = WorkflowExecution(trigger_payload={services.REPLY_KEY: {"chat_id": 7, "credential_id": 1}})
    assert services.telegram_reply_wanted(wanted)
    assert not services.telegram_reply_wanted(WorkflowExecution(trigger_payload={"text": "hi"}))
    assert not services.telegram_reply_wanted(WorkflowExecution(trigger_payload={services.REPLY_KEY: {}}))
    assert not services.telegram_reply_wanted(WorkflowExecution(trigger_payload=["not", "a", "dict"]))
