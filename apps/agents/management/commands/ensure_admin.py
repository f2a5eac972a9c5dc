"""Create the first admin from PIPELIT_ADMIN_USERNAME/PIPELIT_ADMIN_PASSWORD when set."""

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.agents import services


class Command(BaseCommand):
    help = "Ensure an admin account exists when PIPELIT_ADMIN_PASSWORD is set."

    def handle(self, *args, **options):
        if not settings.PIPELIT_ADMIN_PASSWORD:
            self.stdout.write("PIPELIT_ADMIN_PASSWORD not set: the first visit shows the setup page.")
            return
        user, created = services.admin_ensure(
            username=settings.PIPELIT_ADMIN_USERNAME, password=settings.PIPELIT_ADMIN_PASSWORD
        )
        self.stdout.write(f"Admin '{user.username}' {'created' if created else 'already exists'}.")
