"""Who may listen to `workflow:<slug>` events."""

import pytest

from apps.workflows.selectors import workflow_subscribable
from pipelit import events
from tests.factories import UserFactory, WorkflowFactory

pytestmark = pytest.mark.django_db


def test_owner_and_collaborators_may_subscribe_others_may_not():
    owner, friend, stranger = UserFactory(), UserFactory(), UserFactory()
    workflow = WorkflowFactory(owner=owner, slug="private-flow")
    workflow.collaborators.add(friend)
    assert workflow_subscribable(owner, "private-flow")
    assert workflow_subscribable(friend, "private-flow")
    assert not workflow_subscribable(stranger, "private-flow")
    assert not workflow_subscribable(owner, "no-such-flow")


def test_public_workflows_are_visible_to_everyone_and_the_socket_uses_this_rule():
    WorkflowFactory(slug="open-flow", is_public=True)
    stranger = UserFactory()
    assert events.can_subscribe(stranger, "workflow:open-flow") == (True, "")
    allowed, reason = events.can_subscribe(stranger, "workflow:missing")
    assert not allowed and "Not allowed" in reason
