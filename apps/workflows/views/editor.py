"""The canvas editor page and the fragments canvas.js re-fetches (the graph, one node card)."""

from __future__ import annotations

import importlib

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from apps.workflows import canvas, selectors
from apps.workflows.canvas_html import edge_html, node_html
from apps.workflows.serializers import serialize_circuit, serialize_node
from apps.workflows.views.circuit import circuit_context
from apps.workflows.views.common import workflow_for
from apps.workflows.views.run import chat_trigger_of, run_available

EXECUTION_SELECTORS = "apps.execution.selectors"


def latest_statuses(workflow) -> dict[str, dict]:
    """Node badges of the workflow's latest execution, while the engine is installed."""
    try:
        selectors_module = importlib.import_module(EXECUTION_SELECTORS)
    except ImportError:
        return {}
    return selectors_module.latest_node_statuses(workflow=workflow)


def graph_context(workflow) -> dict:
    nodes = selectors.node_payloads(workflow=workflow)
    edges = selectors.edge_payloads(workflow=workflow)
    cards = [canvas.node_card(node) for node in nodes]
    by_id = {card.node_id: card for card in cards}
    edge_views = [{**edge, "path": canvas.edge_path(edge, by_id)} for edge in edges]
    runnable = run_available()
    statuses = latest_statuses(workflow)
    nodes_html = "".join(
        node_html(card, run_available=runnable, status=statuses.get(card.node_id)) for card in cards
    )
    return {
        "workflow": workflow,
        "nodes": nodes,
        "nodes_html": mark_safe(nodes_html),  # noqa: S308 - node_html escapes every value
        "edges_html": mark_safe("".join(edge_html(edge) for edge in edge_views)),  # noqa: S308
    }


@login_required
@require_GET
def editor_page(request: HttpRequest, slug: str) -> HttpResponse:
    workflow = workflow_for(request, slug)
    context = graph_context(workflow)
    context.update(
        palette=canvas.palette_groups(),
        can_write=selectors.user_can_write(user=request.user, workflow=workflow),
        chat_trigger=chat_trigger_of(context["nodes"]),
        run_available=run_available(),
        node_width=canvas.NODE_WIDTH,
        **circuit_context(slug=workflow.slug, circuit=serialize_circuit(workflow)),
    )
    return render(request, "workflows/editor/page.html", context)


@login_required
@require_GET
def graph_fragment(request: HttpRequest, slug: str) -> HttpResponse:
    """Nodes and edges again, for canvas.js after a socket reconnect."""
    workflow = workflow_for(request, slug)
    return render(request, "workflows/editor/_graph.html", graph_context(workflow))


@login_required
@require_GET
def node_card(request: HttpRequest, slug: str, node_id: str) -> HttpResponse:
    workflow = workflow_for(request, slug)
    node = selectors.node_get(workflow=workflow, node_id=node_id)
    card = canvas.node_card(serialize_node(node))
    return HttpResponse(node_html(card, run_available=run_available()))
