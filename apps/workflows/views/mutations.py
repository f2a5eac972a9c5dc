"""Graph writes from the canvas (JSON in, JSON out): create/move/delete nodes, create/delete edges.

Each calls one service of apps.workflows.services; the services validate and broadcast the change,
so every open editor (this one included) applies it from the socket.
"""

from __future__ import annotations

import math

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework import exceptions as drf_exceptions

from apps.workflows import registry, selectors, services
from apps.workflows.models import EdgeLabel
from apps.workflows.serializers import serialize_edge, serialize_node
from apps.workflows.views.common import BadBody, drf_error, error, json_body, workflow_for

EDGE_KEYS = ("source_node_id", "target_node_id", "edge_type", "edge_label", "condition_value")


def _coordinate(data: dict, key: str) -> float:
    value = data.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadBody(f"'{key}' must be a number.")
    return round(float(value), 1)


@login_required
@require_POST
def node_create(request: HttpRequest, slug: str) -> HttpResponse:
    workflow = workflow_for(request, slug, write=True)
    try:
        data = json_body(request)
        component_type = str(data.get("component_type", ""))
        if not registry.is_registered(component_type):
            return error(f"Unknown component type '{component_type}'.", 422)
        node = services.node_create(
            workflow=workflow,
            component_type=component_type,
            position_x=_coordinate(data, "position_x"),
            position_y=_coordinate(data, "position_y"),
            user=request.user,
        )
    except BadBody as exc:
        return error(str(exc), 400)
    except drf_exceptions.APIException as exc:
        return drf_error(exc)
    return JsonResponse(serialize_node(node), status=201)


@login_required
@require_POST
def node_move(request: HttpRequest, slug: str, node_id: str) -> HttpResponse:
    workflow = workflow_for(request, slug, write=True)
    node = selectors.node_get(workflow=workflow, node_id=node_id)
    try:
        data = json_body(request)
        x, y = _coordinate(data, "position_x"), _coordinate(data, "position_y")
    except BadBody as exc:
        return error(str(exc), 400)
    node = services.node_update(workflow=workflow, node=node, position_x=x, position_y=y)
    return JsonResponse(serialize_node(node))


@login_required
@require_http_methods(["DELETE"])
def node_delete(request: HttpRequest, slug: str, node_id: str) -> HttpResponse:
    workflow = workflow_for(request, slug, write=True)
    node = selectors.node_get(workflow=workflow, node_id=node_id)
    services.node_delete(workflow=workflow, node=node)
    return HttpResponse(status=204)


@login_required
@require_POST
def edge_create(request: HttpRequest, slug: str) -> HttpResponse:
    workflow = workflow_for(request, slug, write=True)
    try:
        data = json_body(request)
        fields = {key: str(data.get(key) or "") for key in EDGE_KEYS}
        fields["edge_type"] = fields["edge_type"] or "direct"
        if fields["edge_type"] not in ("direct", "conditional"):
            return error({"validation_errors": ["edge_type must be 'direct' or 'conditional'"]}, 422)
        if fields["edge_label"] not in EdgeLabel.values:
            return error({"validation_errors": [f"Unknown edge_label '{fields['edge_label']}'"]}, 422)
        edge = services.edge_create(workflow=workflow, **fields)
    except BadBody as exc:
        return error(str(exc), 400)
    except drf_exceptions.APIException as exc:
        return drf_error(exc)
    return JsonResponse(serialize_edge(edge), status=201)


@login_required
@require_http_methods(["DELETE"])
def edge_delete(request: HttpRequest, slug: str, edge_id: int) -> HttpResponse:
    workflow = workflow_for(request, slug, write=True)
    edge = selectors.edge_get(workflow=workflow, edge_id=edge_id)
    services.edge_delete(workflow=workflow, edge=edge)
    return HttpResponse(status=204)
