"""Loop handles come from the registry's `loops` flag: any such type gets "each item" (loop_body, out)
and "return" (loop_return, in) handles, and edges with those labels are drawn between them."""

import pytest

from apps.workflows import canvas, registry
from apps.workflows.canvas_html import edge_html, node_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop_type():
    spec = registry.NodeTypeSpec(
        component_type="throwaway_loop",
        display_name="Throwaway Loop",
        category=registry.Category.LOGIC,
        inputs=(registry.Port("items", registry.DataType.ARRAY),),
        outputs=(registry.Port("results", registry.DataType.ARRAY),),
        loops=True,
    )
    registry.register(spec)
    yield spec
    registry.unregister("throwaway_loop")


def _payload(node_id, component_type, x=0, y=0):
    return {"node_id": node_id, "component_type": component_type, "position_x": x, "position_y": y}


def test_a_loops_type_gets_each_item_done_and_return_handles(loop_type):
    card = canvas.node_card(_payload("loop_1", "throwaway_loop"))
    kinds = [(h.kind, h.label, h.edge_label) for h in card.handles]
    assert kinds == [
        ("input", "input", ""),
        ("loop_body", "each item", "loop_body"),
        ("output", "done", ""),
        ("loop_return", "return", "loop_return"),
    ]
    html = node_html(card, run_available=False)
    assert 'class="handle handle--loop_body" data-handle-kind="loop_body"' in html
    assert 'data-edge-label="loop_return"' in html and ">return</span>" in html


def test_a_type_without_the_flag_has_no_loop_handles():
    card = canvas.node_card(_payload("code_1", "code"))
    assert not [h for h in card.handles if h.kind.startswith("loop")]


def test_loop_edges_run_between_the_loop_handles(loop_type):
    loop = canvas.node_card(_payload("loop_1", "throwaway_loop"))
    body = canvas.node_card(_payload("code_1", "code", x=400, y=200))
    cards = {"loop_1": loop, "code_1": body}
    body_edge = {"source_node_id": "loop_1", "target_node_id": "code_1", "edge_type": "direct"}
    each = loop.handle("loop_body", "loop_body")
    path = canvas.edge_path({**body_edge, "edge_label": "loop_body"}, cards)
    assert path.startswith(f"M {each.x:.1f} {each.y:.1f} ")
    back = {"source_node_id": "code_1", "target_node_id": "loop_1", "edge_type": "direct"}
    ret = loop.handle("loop_return", "loop_return")
    path = canvas.edge_path({**back, "edge_label": "loop_return"}, cards)
    assert path.endswith(f"{ret.x:.1f} {ret.y:.1f}")
    # Routed below both nodes, entering "return" straight from below.
    (lx, ly), (ex, ey) = [tuple(map(float, seg.split())) for seg in path.split(" L ")[1:]]
    assert lx == ex == pytest.approx(ret.x) and ly > ey == pytest.approx(ret.y)
    html = edge_html({**back, "id": 7, "edge_label": "loop_return", "path": path})
    assert "edge--loop_return" in html


def test_every_installed_loops_type_gets_the_loop_handles():
    looping = [spec for spec in registry.all_specs() if spec.loops]
    assert looping, "no node type with the loops flag is installed"
    for spec in looping:
        card = canvas.node_card(_payload("n", spec.component_type))
        assert card.handle("loop_body", "loop_body") and card.handle("loop_return", "loop_return")
