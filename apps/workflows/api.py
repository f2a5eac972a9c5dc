"""REST adapters for workflows, nodes, edges, node types, validation and export/import: parse, call, render."""

from __future__ import annotations

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


def _valid(serializer_cls, request, *, partial: bool = False) -> dict:
    return validate_with(serializer_cls, request.data, partial=partial)


class WorkflowListView(APIView):
    def get(self, request):
        workflows = selectors.workflow_list(user=request.user)
        return paginate(request, workflows, lambda page: [serialize_workflow(w) for w in page])

    def post(self, request):
        data = _valid(WorkflowInputSerializer, request)
        workflow = services.workflow_create(owner=request.user, **data)
        return Response(
            serialize_workflow(workflow, node_count=0, edge_count=0), status=status.HTTP_201_CREATED
        )


class WorkflowBatchDeleteView(APIView):
    def post(self, request):
        data = _valid(BatchDeleteSerializer, request)
        services.workflows_batch_delete(user=request.user, slugs=data["slugs"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class NodeTypesView(APIView):
    def get(self, request):
        return Response({spec.component_type: serialize_node_type(spec) for spec in registry.all_specs()})


class WorkflowImportView(APIView):
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
    def get(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug)
        nodes, edges = selectors.node_payloads(workflow=workflow), selectors.edge_payloads(workflow=workflow)
        data = serialize_workflow(workflow, node_count=len(nodes), edge_count=len(edges))
        return Response({**data, "nodes": nodes, "edges": edges})

    def patch(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        data = _valid(WorkflowInputSerializer, request, partial=True)
        workflow = services.workflow_update(workflow=workflow, user=request.user, **data)
        return Response(serialize_workflow(workflow))

    def delete(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        services.workflow_delete(workflow=workflow)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WorkflowValidateView(APIView):
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
    def get(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug)
        return Response(services.workflow_export(workflow=workflow))


class NodeListView(APIView):
    def get(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug)
        return Response(selectors.node_payloads(workflow=workflow))

    def post(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        data = _valid(NodeInputSerializer, request)
        node = services.node_create(workflow=workflow, **data)
        return Response(serialize_node(node), status=status.HTTP_201_CREATED)


class NodeDetailView(APIView):
    def get(self, request, slug, node_id):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug)
        return Response(serialize_node(selectors.node_get(workflow=workflow, node_id=node_id)))

    def patch(self, request, slug, node_id):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        node = selectors.node_get(workflow=workflow, node_id=node_id)
        data = _valid(NodeInputSerializer, request, partial=True)
        node = services.node_update(workflow=workflow, node=node, **data)
        return Response(serialize_node(node))

    def delete(self, request, slug, node_id):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        node = selectors.node_get(workflow=workflow, node_id=node_id)
        services.node_delete(workflow=workflow, node=node)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EdgeListView(APIView):
    def get(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug)
        return Response(selectors.edge_payloads(workflow=workflow))

    def post(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        data = _valid(EdgeInputSerializer, request)
        edge = services.edge_create(workflow=workflow, **data)
        return Response(serialize_edge(edge), status=status.HTTP_201_CREATED)


class EdgeDetailView(APIView):
    def get(self, request, slug, edge_id):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug)
        return Response(serialize_edge(selectors.edge_get(workflow=workflow, edge_id=edge_id)))

    def patch(self, request, slug, edge_id):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        edge = selectors.edge_get(workflow=workflow, edge_id=edge_id)
        data = _valid(EdgeInputSerializer, request, partial=True)
        edge = services.edge_update(workflow=workflow, edge=edge, **data)
        return Response(serialize_edge(edge))

    def delete(self, request, slug, edge_id):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
        edge = selectors.edge_get(workflow=workflow, edge_id=edge_id)
        services.edge_delete(workflow=workflow, edge=edge)
        return Response(status=status.HTTP_204_NO_CONTENT)
