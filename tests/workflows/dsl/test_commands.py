"""manage.py export_workflow SLUG / import_workflow FILE round-trip a workflow through DSL YAML."""

import pytest
from django.core.management import CommandError, call_command

from apps.workflows.models import Workflow
from tests.execution.builders import code_chain
from tests.workflows.dsl.helpers import graph_of

pytestmark = pytest.mark.django_db


def test_export_then_import_gives_an_equal_graph(user, tmp_path, capsys):
    original = code_chain(owner=user, count=3, slug="chain")
    target = tmp_path / "chain.yaml"
    call_command("export_workflow", "chain", "-o", str(target))
    assert "snippet: result = 1" in target.read_text()
    call_command("import_workflow", str(target), "--owner", user.username)
    assert "Created workflow 'chain-" in capsys.readouterr().out
    copy = Workflow.objects.exclude(pk=original.pk).get()
    assert graph_of(copy) == graph_of(original)


def test_export_to_stdout_and_errors(user, tmp_path, capsys):
    code_chain(owner=user, count=1, slug="one")
    call_command("export_workflow", "one")
    assert capsys.readouterr().out.startswith("name: one\n")
    with pytest.raises(CommandError, match="Workflow 'ghost' not found"):
        call_command("export_workflow", "ghost")
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n  - {id: a, type: nope}\n")
    with pytest.raises(CommandError, match=r"steps\[0\]\.type: Unknown step type 'nope'"):
        call_command("import_workflow", str(bad), "--owner", user.username)
    with pytest.raises(CommandError, match="User 'nobody' not found"):
        call_command("import_workflow", str(bad), "--owner", "nobody")
    assert Workflow.objects.count() == 1
