"""Create a workflow from a DSL YAML file: `manage.py import_workflow FILE --owner USERNAME`."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.workflows.dsl.errors import DslInvalid
from apps.workflows.dsl.service import workflow_create_from_dsl


class Command(BaseCommand):
    help = (
        "Compile a workflow DSL file (create or fork mode) into a new workflow; nothing is written on error."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="YAML file, or - for stdin")
        parser.add_argument("--owner", help="Username of the owner (default: the first superuser)")

    def handle(self, *args, file, owner=None, **options):
        import sys

        text = sys.stdin.read() if file == "-" else self._read(file)
        user = self._owner(owner)
        try:
            workflow, warnings = workflow_create_from_dsl(owner=user, text=text)
        except DslInvalid as exc:
            raise CommandError("\n".join(["The workflow was not created:", *map(str, exc.problems)])) from exc
        for warning in warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(
            f"Created workflow '{workflow.slug}' ({workflow.nodes.count()} nodes, {workflow.edges.count()} edges)."
        )

    def _read(self, file: str) -> str:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        return path.read_text()

    def _owner(self, username: str | None):
        users = get_user_model().objects
        user = (
            users.filter(username=username).first()
            if username
            else users.filter(is_superuser=True).order_by("id").first()
        )
        if user is None:
            raise CommandError(f"User '{username}' not found." if username else "No superuser; pass --owner.")
        return user
