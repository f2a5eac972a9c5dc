"""REST adapters for workflows, nodes, edges, node types, validation and export/import: parse, call, render."""

from __future__ import annotations

import json
from functools import lru_cache

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.workflows import registry, selectors, services, validation
from apps.workflows.serializers import (
    BatchDeleteSerializer,
    EdgeInputSerializer,
    ImportSerializer,
    NodeInputSerializer,
    WorkflowInputSerializer,
    serialize_edge,
    serialize_node,
    serialize_node_type,
    serialize_workflow,
    validate_with,
)
from pipelit.api import paginate


def _doc(operation_id: str, request=None, status_code: int = 200, array: bool = False):
    """OpenAPI for a plain APIView method: its input serializer and a JSON object (or array) answer."""
    body = OpenApiTypes.OBJECT if not array else {"type": "array", "items": {"type": "object"}}
    responses = {status_code: None} if status_code == 204 else {status_code: body}
    return extend_schema(operation_id=operation_id, request=request, responses=responses)


def _valid(serializer_cls, request, *, partial: bool = False) -> dict:
    return validate_with(serializer_cls, request.data, partial=partial)


class WorkflowListView(APIView):
    @_doc("workflow_list", None, 200)
    def get(self, request):
        workflows = selectors.workflow_list(user=request.user)
        return paginate(request, workflows, lambda page: [serialize_workflow(w) for w in page])

    @_doc("workflow_create", WorkflowInputSerializer, 201)
    def post(self, request):
        data = _valid(WorkflowInputSerializer, request)
        workflow = services.workflow_create(owner=request.user, **data)
        return Response(
            serialize_workflow(workflow, node_count=0, edge_count=0), status=status.HTTP_201_CREATED
        )


class WorkflowBatchDeleteView(APIView):
    @_doc("workflow_batch_delete", BatchDeleteSerializer, 204)
    def post(self, request):
        data = _valid(BatchDeleteSerializer, request)
        services.workflows_batch_delete(user=request.user, slugs=data["slugs"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class NodeTypesView(APIView):
    @_doc("node_type_list", None, 200)
    def get(self, request):
        return HttpResponse(_node_types_json(registry.version()), content_type="application/json")


@lru_cache(maxsize=1)
def _node_types_json(registry_version: int) -> bytes:
    """The registry as the JSON document GET node-types/ answers, built once per registry version."""
    del registry_version  # the cache key
    document = {spec.component_type: serialize_node_type(spec) for spec in registry.all_specs()}
    return json.dumps(document, separators=(",", ":")).encode()


class WorkflowImportView(APIView):
    @_doc("workflow_import", ImportSerializer, 201)
    def post(self, request):
        data = _valid(ImportSerializer, request)
        document = {key: data[key] for key in ("workflow", "nodes", "edges")}
        workflow, warnings = services.workflow_import(
            owner=request.user, document=document, slug=data.get("slug"), name=data.get("name")
        )
        nodes, edges = selectors.node_payloads(workflow=workflow), selectors.edge_payloads(workflow=workflow)
        body = serialize_workflow(workflow, node_count=len(nodes), edge_count=len(edges))
        body.update(nodes=nodes, edges=edges, warnings=warnings)
        return Response(body, status=status.HTTP_201_CREATED)


class WorkflowDetailView(APIView):
    @_doc("workflow_detail", None, 200)
    def get(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug)
        nodes, edges = selectors.node_payloads(workflow=workflow), selectors.edge_payloads(workflow=workflow)
        data = serialize_workflow(workflow, node_count=len(nodes), edge_count=len(edges))
        return Response({**data, "nodes": nodes, "edges": edges})

    @_doc("workflow_update", WorkflowInputSerializer, 200)
    def patch(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        data = _valid(WorkflowInputSerializer, request, partial=True)
        workflow = services.workflow_update(workflow=workflow, user=request.user, **data)
        return Response(serialize_workflow(workflow))

    @_doc("workflow_delete", None, 204)
    def delete(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        services.workflow_delete(workflow=workflow)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WorkflowValidateView(APIView):
    @_doc("workflow_validate", None, 200)
    def post(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug)
        graph = selectors.workflow_graph(workflow=workflow)
        drafts = [
            validation.EdgeDraft(e.source_key, e.target_key, e.edge_type, e.edge_label, e.condition_value)
            for e in graph.edges
        ]
        errors = validation.graph_errors(graph.nodes, drafts)
        warnings = validation.graph_warnings(graph.nodes, drafts)
        return Response({"valid": not errors, "errors": errors, "warnings": warnings})


class WorkflowExportView(APIView):
    @_doc("workflow_export", None, 200)
    def get(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug)
        return Response(services.workflow_export(workflow=workflow))


class NodeListView(APIView):
    @_doc("node_list", None, 200, True)
    def get(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug)
        return Response(selectors.node_payloads(workflow=workflow))

    @_doc("node_create", NodeInputSerializer, 201)
    def post(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        data = _valid(NodeInputSerializer, request)
        node = services.node_create(workflow=workflow, user=request.user, **data)
        return Response(serialize_node(node), status=status.HTTP_201_CREATED)


class NodeDetailView(APIView):
    @_doc("node_detail", None, 200)
    def get(self, request, slug, node_id):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug)
        return Response(serialize_node(selectors.node_get(workflow=workflow, node_id=node_id)))

    @_doc("node_update", NodeInputSerializer, 200)
    def patch(self, request, slug, node_id):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        node = selectors.node_get(workflow=workflow, node_id=node_id)
        data = _valid(NodeInputSerializer, request, partial=True)
        node = services.node_update(workflow=workflow, node=node, user=request.user, **data)
        return Response(serialize_node(node))

    @_doc("node_delete", None, 204)
    def delete(self, request, slug, node_id):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        node = selectors.node_get(workflow=workflow, node_id=node_id)
        services.node_delete(workflow=workflow, node=node)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EdgeListView(APIView):
    @_doc("edge_list", None, 200, True)
    def get(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug)
        return Response(selectors.edge_payloads(workflow=workflow))

    @_doc("edge_create", EdgeInputSerializer, 201)
    def post(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        data = _valid(EdgeInputSerializer, request)
        edge = services.edge_create(workflow=workflow, **data)
        return Response(serialize_edge(edge), status=status.HTTP_201_CREATED)


class EdgeDetailView(APIView):
    @_doc("edge_detail", None, 200)
    def get(self, request, slug, edge_id):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug)
        return Response(serialize_edge(selectors.edge_get(workflow=workflow, edge_id=edge_id)))

    @_doc("edge_update", EdgeInputSerializer, 200)
    def patch(self, request, slug, edge_id):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        edge = selectors.edge_get(workflow=workflow, edge_id=edge_id)
        data = _valid(EdgeInputSerializer, request, partial=True)
        edge = services.edge_update(workflow=workflow, edge=edge, **data)
        return Response(serialize_edge(edge))

    @_doc("edge_delete", None, 204)
    def delete(self, request, slug, edge_id):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        edge = selectors.edge_get(workflow=workflow, edge_id=edge_id)
        services.edge_delete(workflow=workflow, edge=edge)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WorkflowCircuitResetView(APIView):
    """A person closes the workflow's circuit breaker (agents are refused: see apps/audit/guards.py)."""

    @_doc("workflow_circuit_reset", None, 200)
    def post(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        if request.user.is_agent:
            from apps.audit.guards import refuse_agent

            refuse_agent(
                action="workflow.circuit_reset",
                target=workflow,
                detail="Only a person can reset a circuit breaker.",
            )
        workflow = services.workflow_circuit_reset(workflow=workflow)
        return Response(serialize_workflow(workflow))
