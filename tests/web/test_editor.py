"""The canvas editor in Chromium against the live daphne server and the editor socket."""

from playwright.sync_api import expect
from rest_framework.test import APIClient

from apps.agents.services import api_key_create
from apps.workflows import selectors
from apps.workflows.models import WorkflowEdge, WorkflowNode
from tests.factories import WorkflowNodeFactory
from tests.support.worker import wait_until
from tests.web.pages_helpers import chat_echo_workflow


def drop_from_palette(page, display_name, x, y):
    before = page.locator(".node").count()
    page.get_by_role("button", name=f"Add {display_name}", exact=True).drag_to(
        page.locator("#canvas"), target_position={"x": x, "y": y}
    )
    # The first mutation on a fresh server can be slow on a busy CI machine.
    expect(page.locator(".node")).to_have_count(before + 1, timeout=20_000)
    return page.locator(".node").nth(before)


def drag_between(page, source, target):
    a, b = source.bounding_box(), target.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=8)
    page.mouse.up()


def handle(node, kind, name=None):
    selector = f'.handle[data-handle-kind="{kind}"]'
    if name:
        selector += f'[data-handle-name="{name}"]'
    return node.locator(selector)


def test_build_a_workflow_from_the_palette_and_connect_it(editor):
    page = editor
    trigger = drop_from_palette(page, "Manual Trigger", 150, 200)
    code_a = drop_from_palette(page, "Code", 450, 120)
    switch = drop_from_palette(page, "Switch", 450, 330)
    code_b = drop_from_palette(page, "Code", 780, 330)
    nodes = {n.component_type: n for n in WorkflowNode.objects.filter(workflow=page.workflow)}
    assert sorted(WorkflowNode.objects.values_list("component_type", flat=True)) == [
        "code",
        "code",
        "switch",
        "trigger_manual",
    ]
    assert nodes["trigger_manual"].position_x > 0

    drag_between(page, handle(trigger, "output"), handle(code_a, "input"))
    expect(page.locator(".edge")).to_have_count(1)
    drag_between(page, handle(trigger, "output"), handle(switch, "input"))
    expect(page.locator(".edge")).to_have_count(2)
    assert WorkflowEdge.objects.filter(workflow=page.workflow).count() == 2

    # A switch rule becomes its own output handle; an edge from it is conditional on that route.
    switch.click()
    panel = page.locator("#details-panel")
    expect(panel.get_by_role("heading", name="Switch")).to_be_visible()
    panel.get_by_role("button", name="Add rule").click()
    panel.locator('input[name="rule-0-id"]').fill("big")
    panel.locator('input[name="rule-0-field"]').fill("payload.n")
    panel.get_by_role("button", name="Save").click()
    expect(panel.get_by_role("status")).to_have_text("Saved.")
    route = handle(switch, "route", "big")
    expect(route).to_be_visible()
    drag_between(page, route, handle(code_b, "input"))
    expect(page.locator(".edge.edge--conditional")).to_have_count(1)
    edge = WorkflowEdge.objects.get(edge_type="conditional")
    assert (edge.condition_value, edge.target.component_type) == ("big", "code")

    # Set a code snippet in the panel, inserting a variable from the upstream trigger.
    code_a.click()
    expect(panel.get_by_role("heading", name="Code")).to_be_visible()
    textarea = panel.get_by_role("textbox", name="Code", exact=True)
    textarea.fill("result = ")
    panel.get_by_role("button", name="Insert a variable into Code").click()
    trigger_id = nodes["trigger_manual"].node_id
    panel.get_by_role("option", name=f"{{{{ {trigger_id}.payload }}}}").click()
    expect(textarea).to_have_value(f"result = {{{{ {trigger_id}.payload }}}}")
    textarea.fill("result = {'doubled': 21 * 2}")
    panel.get_by_role("button", name="Save").click()
    expect(panel.get_by_role("status")).to_have_text("Saved.")
    code_a_id = code_a.get_attribute("data-node-id")
    config = selectors.node_get(workflow=page.workflow, node_id=code_a_id)._prefetched_config
    assert config.code == "result = {'doubled': 21 * 2}"

    expect(trigger.get_by_role("button", name=f"Run {trigger_id}")).to_be_enabled()


def test_moving_a_node_saves_its_position_and_the_edge_follows(editor):
    page = editor
    a = WorkflowNodeFactory(
        workflow=page.workflow, node_id="code_a", component_type="code", position_x=100, position_y=100
    )
    b = WorkflowNodeFactory(
        workflow=page.workflow, node_id="code_b", component_type="code", position_x=400, position_y=100
    )
    WorkflowEdge.objects.create(workflow=page.workflow, source=a, target=b)
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-canvas-ready", "true")
    path = page.locator(".edge .edge__line")
    before = path.get_attribute("d")
    header = page.locator("#node-code_b .node__header")
    box = header.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(box["x"] + 80, box["y"] + 125, steps=6)
    page.mouse.up()
    expect(path).not_to_have_attribute("d", before)
    wait_until(lambda: WorkflowNode.objects.get(node_id="code_b").position_y > 150, timeout=5)
    node = WorkflowNode.objects.get(node_id="code_b")
    assert node.position_x > 400 and node.position_y > 150


def test_invalid_connection_shows_the_error_and_is_not_drawn(editor):
    page = editor
    WorkflowNodeFactory(
        workflow=page.workflow, node_id="code_a", component_type="code", position_x=100, position_y=100
    )
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-canvas-ready", "true")
    node = page.locator("#node-code_a")
    drag_between(page, handle(node, "output"), handle(node, "input"))
    expect(page.get_by_role("alert")).to_have_text("An edge cannot connect a node to itself")
    expect(page.locator(".edge")).to_have_count(0)
    assert not WorkflowEdge.objects.exists()


def test_select_and_delete_with_the_keyboard(editor):
    page = editor
    a = WorkflowNodeFactory(
        workflow=page.workflow, node_id="code_a", component_type="code", position_x=100, position_y=100
    )
    b = WorkflowNodeFactory(
        workflow=page.workflow, node_id="code_b", component_type="code", position_x=400, position_y=100
    )
    WorkflowEdge.objects.create(workflow=page.workflow, source=a, target=b)
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-canvas-ready", "true")
    node = page.locator("#node-code_a")
    node.focus()
    page.keyboard.press("Enter")
    expect(node).to_have_class("node selected")
    page.keyboard.press("Escape")
    expect(node).to_have_class("node")
    node.click()
    page.keyboard.press("Delete")
    expect(page.locator(".node")).to_have_count(1)
    expect(page.locator(".edge")).to_have_count(0)
    assert list(WorkflowNode.objects.values_list("node_id", flat=True)) == ["code_b"]
    assert not WorkflowEdge.objects.exists()


def test_changes_made_over_rest_appear_live(editor):
    page = editor
    WorkflowNodeFactory(
        workflow=page.workflow, node_id="code_a", component_type="code", position_x=100, position_y=100
    )
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-canvas-ready", "true")
    expect(page.locator("#socket-state")).to_have_text("live")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(user=page.user, name='bg').raw_key}")
    base = f"/api/v1/workflows/{page.workflow.slug}"
    assert (
        api.patch(f"{base}/nodes/code_a/", {"label": "Renamed by an agent"}, format="json").status_code == 200
    )
    expect(page.locator("#node-code_a .node__label")).to_have_text("Renamed by an agent")
    response = api.post(
        f"{base}/nodes/",
        {"node_id": "code_b", "component_type": "code", "position_x": 420, "position_y": 90},
        format="json",
    )
    assert response.status_code == 201
    expect(page.locator("#node-code_b")).to_be_visible()
    response = api.post(
        f"{base}/edges/", {"source_node_id": "code_a", "target_node_id": "code_b"}, format="json"
    )
    assert response.status_code == 201
    expect(page.locator(".edge")).to_have_count(1)
    assert api.delete(f"{base}/nodes/code_b/").status_code == 204
    expect(page.locator("#node-code_b")).to_have_count(0)
    expect(page.locator(".edge")).to_have_count(0)


def test_palette_search_filters_and_fit_view_shows_far_nodes(editor):
    page = editor
    page.get_by_label("Search node types").fill("swit")
    expect(page.get_by_role("button", name="Add Switch", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Add Code", exact=True)).to_be_hidden()
    WorkflowNodeFactory(
        workflow=page.workflow, node_id="far", component_type="code", position_x=4000, position_y=3000
    )
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-canvas-ready", "true")
    page.get_by_role("button", name="Fit to view").click()
    expect(page.locator("#node-far")).to_be_in_viewport()


def test_run_turns_badges_green_and_shows_the_output(editor, celery_worker):
    page = editor
    trigger = WorkflowNodeFactory(
        workflow=page.workflow, node_id="trigger_manual_1", component_type="trigger_manual", position_x=60
    )
    code = WorkflowNodeFactory(
        workflow=page.workflow,
        node_id="code_a",
        component_type="code",
        position_x=360,
        config={"code": "result = {'doubled': 21 * 2}"},
    )
    WorkflowEdge.objects.create(workflow=page.workflow, source=trigger, target=code)
    page.reload()
    expect(page.locator("#socket-state")).to_have_text("live")
    page.get_by_role("button", name="Run trigger_manual_1").click()
    for node_id in ("trigger_manual_1", "code_a"):
        expect(page.locator(f"#badge-{node_id}")).to_have_class(
            "node-badge node-badge--success", timeout=30_000
        )
    page.locator("#badge-code_a").get_by_role("link", name="output").click()
    popover = page.get_by_role("dialog", name="Node output")
    expect(popover).to_be_visible()
    expect(popover.locator("pre")).to_contain_text('"doubled": 42')
    page.keyboard.press("Escape")
    expect(popover).to_be_hidden()


def test_chat_panel_shows_the_reply_when_the_execution_completes(editor, celery_worker):
    page = editor
    chat_echo_workflow(page.workflow)
    page.reload()
    expect(page.locator("#socket-state")).to_have_text("live")
    page.get_by_role("textbox", name="Message").fill("hello there")
    page.get_by_role("button", name="Send").click()
    log = page.get_by_role("log")
    expect(log).to_contain_text("hello there")
    expect(log.locator(".chat-message--assistant")).to_contain_text("echo: hello there", timeout=30_000)


def test_a_failed_node_shows_its_error_in_a_popover(editor, celery_worker):
    page = editor
    trigger = WorkflowNodeFactory(
        workflow=page.workflow, node_id="trigger_manual_1", component_type="trigger_manual", position_x=60
    )
    code = WorkflowNodeFactory(
        workflow=page.workflow,
        node_id="code_bad",
        component_type="code",
        position_x=360,
        config={"code": "raise ValueError('boom')"},
    )
    WorkflowEdge.objects.create(workflow=page.workflow, source=trigger, target=code)
    page.reload()
    expect(page.locator("#socket-state")).to_have_text("live")
    page.get_by_role("button", name="Run trigger_manual_1").click()
    badge = page.locator("#badge-code_bad")
    expect(badge).to_have_class("node-badge node-badge--failed", timeout=30_000)
    badge.get_by_role("link", name="error").click()
    popover = page.get_by_role("dialog", name="Node output")
    expect(popover).to_contain_text("Error of code_bad")
    expect(popover.locator("pre")).to_contain_text("boom")


def test_select_an_edge_and_delete_it_with_the_keyboard(editor):
    page = editor
    a = WorkflowNodeFactory(
        workflow=page.workflow, node_id="code_a", component_type="code", position_x=100, position_y=100
    )
    b = WorkflowNodeFactory(
        workflow=page.workflow, node_id="code_b", component_type="code", position_x=400, position_y=100
    )
    edge = WorkflowEdge.objects.create(workflow=page.workflow, source=a, target=b)
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-canvas-ready", "true")
    line = page.get_by_role("button", name="Connection from code_a to code_b")
    line.focus()
    page.keyboard.press("Enter")
    expect(line).to_have_class("edge edge--direct selected")
    page.keyboard.press("Delete")
    expect(page.locator(".edge")).to_have_count(0)
    assert not WorkflowEdge.objects.filter(pk=edge.pk).exists()
    expect(page.locator(".node")).to_have_count(2)


def test_after_a_dropped_socket_the_editor_reconnects_and_catches_up(editor):
    page = editor
    WorkflowNodeFactory(
        workflow=page.workflow, node_id="code_a", component_type="code", position_x=100, position_y=100
    )
    state = {"forward": True, "sockets": []}

    def route(ws):
        server = ws.connect_to_server()
        server.on_message(lambda message: ws.send(message) if state["forward"] else None)
        state["sockets"].append(ws)

    page.route_web_socket("**/ws/editor/**", route)
    page.reload()
    expect(page.locator("#socket-state")).to_have_text("live")
    # Events published while this browser hears nothing (a network blip) ...
    state["forward"] = False
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(user=page.user, name='bg').raw_key}")
    path = f"/api/v1/workflows/{page.workflow.slug}/nodes/code_a/"
    assert api.patch(path, {"label": "Changed while away"}, format="json").status_code == 200
    page.wait_for_timeout(500)
    expect(page.locator("#node-code_a .node__label")).to_have_count(0)
    # ... are caught up by re-fetching the graph when the socket comes back.
    state["forward"] = True
    state["sockets"][-1].close()
    expect(page.locator("#node-code_a .node__label")).to_have_text("Changed while away")
    assert len(state["sockets"]) == 2  # a second connection: the catch-up came from the re-fetch
    expect(page.locator("#socket-state")).to_have_text("live")
