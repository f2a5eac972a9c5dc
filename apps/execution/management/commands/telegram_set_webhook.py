"""Register a Telegram bot's webhook: `manage.py telegram_set_webhook <credential_id> --base-url https://...`."""

from django.core.management.base import BaseCommand, CommandError

from apps.execution.services.telegram import telegram_credential_get, telegram_webhook_register
from apps.execution.telegram.client import TelegramError


class Command(BaseCommand):
    help = "Point a Telegram bot (by credential id) at this server's webhook endpoint (setWebhook)."

    def add_arguments(self, parser):
        parser.add_argument("credential_id", type=int)
        parser.add_argument("--base-url", required=True, help="Public URL of this server, e.g. https://x.y")
        parser.add_argument("--drop-pending-updates", action="store_true")

    def handle(self, *args, credential_id, base_url, drop_pending_updates, **options):
        credential = telegram_credential_get(credential_id)
        if credential is None:
            raise CommandError(f"Telegram credential {credential_id} not found.")
        try:
            url = telegram_webhook_register(
                credential=credential, base_url=base_url, drop_pending_updates=drop_pending_updates
            )
        except (ValueError, TelegramError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Webhook set to {url}")
