"""The node details panel: htmx loads it when a node is selected and posts it back to save."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from rest_framework import exceptions as drf_exceptions

from apps.workflows import canvas, selectors, services
from apps.workflows.serializers import serialize_node
from apps.workflows.views import config_form
from apps.workflows.views.common import workflow_for
from apps.workflows.views.run import run_available


def _context(workflow, node: dict, *, can_write: bool, errors=None, rules=None, saved=False) -> dict:
    spec = config_form.spec_for(node["component_type"])
    config = node["config"]
    extra = config.get("extra_config") or {}
    variables = canvas.upstream_variables(
        node_id=node["node_id"],
        nodes=selectors.node_payloads(workflow=workflow),
        edges=selectors.edge_payloads(workflow=workflow),
    )
    return {
        "workflow": workflow,
        "node": node,
        "spec": spec,
        "fields": config_form.form_fields(spec=spec, config=config) if spec else [],
        "rules": extra.get("rules") or [] if rules is None else rules,
        "operators": config_form.rule_operators(spec) if spec and spec.routes else [],
        "enable_fallback": bool(extra.get("enable_fallback")),
        "errors": errors or {},
        "variables": variables,
        "can_write": can_write,
        "saved": saved,
        "run_available": run_available(),
    }


def _with_posted(fields: list[dict], post) -> list[dict]:
    """Re-show what the user typed when the form comes back with errors."""
    for field in fields:
        if field["widget"] == "boolean":
            field["value"] = field["name"] in post
        elif field["name"] in post:
            field["value"] = post[field["name"]]
    return fields


@login_required
@require_http_methods(["GET", "POST"])
def node_panel(request: HttpRequest, slug: str, node_id: str) -> HttpResponse:
    workflow = workflow_for(request, slug, write=request.method == "POST")
    node = selectors.node_get(workflow=workflow, node_id=node_id)
    can_write = selectors.user_can_write(user=request.user, workflow=workflow)
    if request.method == "GET":
        context = _context(workflow, serialize_node(node), can_write=can_write)
        return render(request, "workflows/editor/_panel.html", context)
    payload = serialize_node(node)
    spec = config_form.spec_for(node.component_type)
    if spec is None:
        return HttpResponse("Unknown node type.", status=422)
    changes, errors = config_form.parse(spec=spec, config=payload["config"], post=request.POST)
    rules = changes["config"]["extra_config"].get("rules") if spec.routes else None
    action = request.POST.get("_action", "save")
    if action == "add_rule" and rules is not None:
        rules.append({"id": f"route_{len(rules) + 1}", "field": "", "operator": "equals", "value": ""})
        errors = {}
    elif action.startswith("remove_rule:") and rules is not None:
        index = int(action.split(":", 1)[1]) if action.split(":", 1)[1].isdigit() else -1
        rules[:] = [r for i, r in enumerate(rules) if i != index]
        errors = {}
    elif not errors:
        try:
            node = services.node_update(workflow=workflow, node=node, user=request.user, **changes)
        except drf_exceptions.ValidationError as exc:
            errors = config_form.service_errors(exc.detail)
        else:
            context = _context(workflow, serialize_node(node), can_write=can_write, saved=True)
            return render(request, "workflows/editor/_panel.html", context)
    context = _context(workflow, payload, can_write=can_write, errors=errors, rules=rules)
    context["fields"] = _with_posted(context["fields"], request.POST)
    context["enable_fallback"] = "extra__enable_fallback" in request.POST
    # 200 even with errors: htmx swaps the form back in with the messages next to the fields.
    return render(request, "workflows/editor/_panel.html", context)
