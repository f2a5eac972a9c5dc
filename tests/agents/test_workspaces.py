"""Per-workflow workspaces: found by the live workflow, removed when it is deleted."""

import pytest

from apps.agents.workspaces import workspace_for
from apps.workflows import services as workflow_services
from tests.factories import WorkflowFactory


@pytest.fixture
def workspaces(settings, tmp_path):
    settings.PIPELIT_WORKSPACES_DIR = tmp_path / "workspaces"
    return settings.PIPELIT_WORKSPACES_DIR


@pytest.mark.django_db(transaction=True)
def test_deleting_a_workflow_removes_its_workspace_and_a_new_owner_of_the_slug_starts_empty(user, workspaces):
    old = WorkflowFactory(owner=user, slug="notes")
    old_space = workspace_for("notes").path
    (old_space / "secret.txt").write_text("old files")

    workflow_services.workflow_delete(workflow=old)
    assert not old_space.exists()

    new = WorkflowFactory(owner=user, slug="notes")
    new_space = workspace_for("notes").path
    assert new_space.name == f"workflow-{new.pk}" and list(new_space.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_other_saves_leave_the_workspace_alone(user, workspaces):
    workflow = WorkflowFactory(owner=user, slug="keep")
    space = workspace_for("keep").path
    workflow.name = "Renamed"
    workflow.save()
    assert space.exists()
