"""Loop handles in Chromium: drawn from the registry's `loops` flag (the browser tests' server registers a
throw-away `test_loop` type, see tests/support/child_app), dragging them creates labelled edges."""

import pytest
from playwright.sync_api import expect

from apps.workflows import registry
from apps.workflows.models import WorkflowEdge
from tests.factories import WorkflowNodeFactory
from tests.support.child_app.apps import register_test_loop_type
from tests.web.test_editor import drag_between, handle


@pytest.fixture
def test_loop_type():
    """The same throw-away type in this process, for the factories."""
    register_test_loop_type()
    yield
    registry.unregister("test_loop")


def test_drawing_from_each_item_and_back_to_return_creates_loop_edges(editor, test_loop_type):
    page = editor
    WorkflowNodeFactory(
        workflow=page.workflow,
        node_id="test_loop_1",
        component_type="test_loop",
        position_x=80,
        position_y=120,
    )
    WorkflowNodeFactory(
        workflow=page.workflow, node_id="code_body", component_type="code", position_x=420, position_y=260
    )
    page.reload()
    expect(page.locator("#socket-state")).to_have_text("live")
    loop = page.locator("#node-test_loop_1")
    body = page.locator("#node-code_body")
    expect(handle(loop, "loop_body")).to_have_attribute("title", "each item")
    expect(handle(loop, "loop_return")).to_have_attribute("title", "return")

    drag_between(page, handle(loop, "loop_body"), handle(body, "input"))
    expect(page.locator(".edge--loop_body")).to_have_count(1)
    drag_between(page, handle(body, "output"), handle(loop, "loop_return"))
    expect(page.locator(".edge--loop_return")).to_have_count(1)
    edges = {(e.source.node_id, e.target.node_id, e.edge_label) for e in WorkflowEdge.objects.all()}
    assert edges == {("test_loop_1", "code_body", "loop_body"), ("code_body", "test_loop_1", "loop_return")}
    # The return edge ends on the loop's "return" handle (drawn by the browser, same curve as the server's).
    d = page.locator(".edge--loop_return .edge__line").get_attribute("d")
    assert d and d.split()[-2] == f"{80 + 24:.1f}"

    page.reload()
    expect(page.locator("#socket-state")).to_have_text("live")
    assert page.locator(".edge--loop_body").count() == 1  # server-rendered after the reload too
