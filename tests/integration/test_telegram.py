"""Telegram end to end: the fake Bot API delivers an Update to the webhook on a real daphne, a real worker
runs the workflow, and the reply reaches the same chat through sendMessage."""

import pytest
from django.core.management import call_command

from apps.execution.models import WorkflowExecution
from tests.execution.telegram.test_telegram_trigger import make_credential, telegram_workflow, update
from tests.support.live import start_worker
from tests.support.worker import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def telegram_worker(fake_telegram):
    """A worker whose Bot API is the fake; other workers stop consuming while it runs."""
    from pipelit.celery import app

    others = [name for reply in app.control.ping(timeout=0.5) or [] for name in reply]
    if others:
        app.control.cancel_consumer("celery", destination=others, reply=True)
    worker = start_worker("tg-worker", concurrency=1, TELEGRAM_API_BASE=fake_telegram.base_url)
    yield worker
    worker.stop()
    if others:
        app.control.add_consumer("celery", destination=others, reply=True)


def test_update_to_the_webhook_runs_the_workflow_and_replies_to_the_chat(
    user, live_url, fake_telegram, telegram_worker, settings
):
    settings.TELEGRAM_API_BASE = fake_telegram.base_url
    credential = make_credential(webhook_secret="")
    workflow = telegram_workflow(user, credential)
    call_command("telegram_set_webhook", credential.pk, "--base-url", live_url)

    response = fake_telegram.deliver_to_webhook(update(text="hello", chat_id=4242))
    assert response.status_code == 200, response.text
    sent = wait_until(
        lambda: fake_telegram.sent_messages(4242), timeout=30, message=telegram_worker.log_tail()
    )
    assert [m["text"] for m in sent] == ["echo: hello"]
    execution = WorkflowExecution.objects.get(workflow=workflow)
    assert execution.status == "completed"


def test_wrong_secret_is_403_and_runs_nothing(user, live_url, fake_telegram):
    import httpx

    credential = make_credential()
    telegram_workflow(user, credential)
    response = httpx.post(
        f"{live_url}/api/v1/telegram/{credential.pk}/webhook/",
        json=update(),
        headers={"X-Telegram-Bot-Api-Secret-Token": "not-it"},
    )
    assert response.status_code == 403
    assert not WorkflowExecution.objects.exists()
