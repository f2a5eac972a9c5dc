"""Telegram bots: an Update fires every active trigger_telegram node using the bot's credential; when such
an execution finishes, its final output text goes back to the originating chat (a finish hook).

The credential model belongs to apps.agents; it is looked up through the app registry so that
apps.execution does not import apps.agents.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from django.apps import apps
from django.db import transaction

from apps.workflows.models import TriggerConfig

from ..models import ExecutionStatus, WorkflowExecution
from ..telegram.client import TelegramClient, TelegramError
from ..telegram.updates import UnsupportedUpdate, is_allowed, parse_update
from ..telegram.webhook import new_secret_token
from .executions import execution_create

logger = logging.getLogger(__name__)

TELEGRAM_COMPONENT = "trigger_telegram"
REPLY_KEY = "telegram_reply"
WEBHOOK_PATH = "/api/v1/telegram/{credential_id}/webhook/"
ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "edited_channel_post"]
# Execution ids derive from (credential, update, node): a re-delivered update starts nothing new.
_UPDATE_NAMESPACE = uuid.UUID("6f1d7c0e-31b5-4f0e-9a57-3a4f8c2b9e11")
OUTPUT_TEXT_KEYS = ("output", "text", "response", "message", "content", "result")


def telegram_credential_get(credential_id) -> Any | None:
    model = apps.get_model("agents", "TelegramCredential")
    try:
        return model.objects.filter(pk=int(credential_id)).first()
    except (TypeError, ValueError):
        return None


def telegram_trigger_configs(*, credential) -> list[TriggerConfig]:
    """Active trigger_telegram configs on this credential, in live and active workflows."""
    configs = TriggerConfig.objects.filter(
        credential_id=credential.pk,
        is_active=True,
        node__component_type=TELEGRAM_COMPONENT,
        node__workflow__is_active=True,
        node__workflow__deleted_at__isnull=True,
    )
    return list(configs.select_related("node__workflow__owner").order_by("-priority", "id"))


@transaction.atomic
def telegram_update_handle(*, credential, update: dict) -> list[WorkflowExecution]:
    """Start one execution per matching trigger; idempotent on update_id (safe for re-deliveries)."""
    try:
        parsed = parse_update(update)
    except UnsupportedUpdate as exc:
        logger.info("Telegram update ignored: %s", exc)
        return []
    if not is_allowed(update, credential.allowed_user_ids):
        logger.info("Telegram update %s from a user not on the allow list", update.get("update_id"))
        return []
    executions = []
    for config in telegram_trigger_configs(credential=credential):
        node = config.node
        execution_id = uuid.uuid5(_UPDATE_NAMESPACE, f"{credential.pk}:{parsed['update_id']}:{node.pk}")
        if WorkflowExecution.objects.filter(execution_id=execution_id).exists():
            continue
        payload = {
            **parsed,
            REPLY_KEY: {
                "credential_id": credential.pk,
                "chat_id": parsed["chat_id"],
                "message_id": parsed["message_id"],
            },
        }
        executions.append(
            execution_create(
                workflow=node.workflow,
                trigger_node=node,
                payload=payload,
                user=node.workflow.owner,
                execution_id=execution_id,
                thread_id=f"telegram:{parsed['chat_id']}:{node.workflow.pk}",
            )
        )
    return executions


def output_text(final_output: Any) -> str:
    """The text to send back: a string output, else a known text key of a dict, else JSON."""
    if final_output is None:
        return ""
    if isinstance(final_output, str):
        return final_output
    if isinstance(final_output, dict):
        for key in OUTPUT_TEXT_KEYS:
            value = final_output.get(key)
            if isinstance(value, str) and value:
                return value
    return json.dumps(final_output, ensure_ascii=False, default=str)


def telegram_reply_wanted(execution: WorkflowExecution) -> bool:
    """Whether the run came from a Telegram chat that waits for its answer (no query)."""
    payload = execution.trigger_payload
    reply = payload.get(REPLY_KEY) if isinstance(payload, dict) else None
    return isinstance(reply, dict) and reply.get("chat_id") is not None


def telegram_reply_on_finish(execution: WorkflowExecution) -> None:
    """Finish hook: send a Telegram-triggered execution's result (or failure) to its chat."""
    reply = (
        (execution.trigger_payload or {}).get(REPLY_KEY)
        if isinstance(execution.trigger_payload, dict)
        else None
    )
    if not reply or reply.get("chat_id") is None:
        return
    credential = telegram_credential_get(reply.get("credential_id"))
    if credential is None or not credential.bot_token:
        return
    if execution.status == ExecutionStatus.COMPLETED:
        text = output_text(execution.final_output)
    elif execution.status == ExecutionStatus.FAILED:
        text = f"Sorry, that failed: {execution.error_message or 'unknown error'}"
    else:
        return
    if not text.strip():
        return
    try:
        with TelegramClient(credential.bot_token) as client:
            client.send_long_message(reply["chat_id"], text, reply_to_message_id=reply.get("message_id"))
    except TelegramError as exc:
        logger.warning("Telegram reply for execution %s failed: %s", execution.execution_id, exc)


def telegram_webhook_register(*, credential, base_url: str, drop_pending_updates: bool = False) -> str:
    """setWebhook to this server's endpoint for the credential; creates the secret token if missing."""
    if not credential.bot_token:
        raise ValueError("The credential has no bot token.")
    if not credential.webhook_secret:
        credential.webhook_secret = new_secret_token()
        credential.save(update_fields=["webhook_secret", "updated_at"])
    url = base_url.rstrip("/") + WEBHOOK_PATH.format(credential_id=credential.pk)
    with TelegramClient(credential.bot_token) as client:
        client.set_webhook(
            url,
            secret_token=credential.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=drop_pending_updates or None,
        )
    return url
