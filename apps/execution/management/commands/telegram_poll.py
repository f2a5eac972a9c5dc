"""Long-poll getUpdates for one bot and fire its workflows: for machines without a public URL.

`manage.py telegram_poll <credential_id>`; stops on SIGINT/SIGTERM. The bot must have no webhook set
(Telegram answers getUpdates with 409 then): `--delete-webhook` removes it first.
"""

import contextlib
import signal

from django.core.management.base import BaseCommand, CommandError

from apps.execution.services.telegram import telegram_credential_get, telegram_update_handle
from apps.execution.telegram.client import TelegramClient, TelegramError
from apps.execution.telegram.polling import poll_updates


class _Counting:
    """Forwards to the client and remembers how many updates the last getUpdates returned."""

    def __init__(self, client: TelegramClient) -> None:
        self._client = client
        self.last_batch: int | None = None

    def get_updates(self, **kwargs):
        updates = self._client.get_updates(**kwargs)
        self.last_batch = len(updates)
        return updates


class Command(BaseCommand):
    help = "Receive a Telegram bot's updates by long polling (getUpdates) and fire its workflows."

    def add_arguments(self, parser):
        parser.add_argument("credential_id", type=int)
        parser.add_argument("--timeout", type=int, default=30, help="Long-poll timeout in seconds")
        parser.add_argument("--delete-webhook", action="store_true")
        parser.add_argument("--exit-when-idle", action="store_true", help="Stop after a poll with no updates")

    def handle(self, *args, credential_id, timeout, delete_webhook, exit_when_idle, **options):
        credential = telegram_credential_get(credential_id)
        if credential is None or not credential.bot_token:
            raise CommandError(f"Telegram credential {credential_id} not found or has no bot token.")
        stopping = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError):  # not the main thread (tests calling the command)
                signal.signal(sig, lambda *_: stopping.append(True))
        with TelegramClient(credential.bot_token) as client:
            if delete_webhook:
                client.delete_webhook()
            counting = _Counting(client)

            def stop() -> bool:
                return bool(stopping) or (exit_when_idle and counting.last_batch == 0)

            def handle_update(update: dict) -> None:
                started = telegram_update_handle(credential=credential, update=update)
                self.stdout.write(f"update {update.get('update_id')}: {len(started)} execution(s)")

            try:
                poll_updates(counting, handle=handle_update, stop=stop, timeout=timeout)
            except TelegramError as exc:
                raise CommandError(str(exc)) from None
