"""Print (or write) a workflow as DSL YAML: `manage.py export_workflow SLUG [-o FILE]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.workflows.dsl.decompiler import dump_yaml, workflow_decompile
from apps.workflows.models import Workflow


class Command(BaseCommand):
    help = "Export a workflow as YAML in the workflow DSL (import_workflow compiles it back)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("-o", "--output", help="Write to this file instead of stdout")

    def handle(self, *args, slug, output=None, **options):
        workflow = Workflow.objects.alive().filter(slug=slug).first()
        if workflow is None:
            raise CommandError(f"Workflow '{slug}' not found.")
        text = dump_yaml(workflow_decompile(workflow=workflow))
        if output:
            Path(output).write_text(text)
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(text, ending="")
