"""REST adapters of the DSL: validate (dry run), create, and export any workflow as DSL YAML."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.workflows import selectors
from apps.workflows.dsl.decompiler import dump_yaml, workflow_decompile
from apps.workflows.dsl.service import dsl_compile, workflow_create_from_dsl
from apps.workflows.dsl.source import Parent
from apps.workflows.serializers import serialize_workflow, validate_with


class DslInputSerializer(serializers.Serializer):
    dsl = serializers.CharField(trim_whitespace=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=50)
    parent_workflow = serializers.SlugField(
        required=False, help_text="Where `inherit` looks (with parent_node)"
    )
    parent_node = serializers.CharField(required=False, max_length=255)


def _parent(user, data: dict) -> Parent | None:
    """`inherit` over REST: the caller names the agent node to inherit from, in a workflow it can read."""
    if not data.get("parent_workflow"):
        return None
    workflow = selectors.workflow_get_for_user(user=user, slug=data["parent_workflow"])
    parent = Parent.of(workflow, data.get("parent_node") or "")
    if data.get("parent_node") not in parent.draft.nodes:
        raise Http404(f"Node '{data.get('parent_node')}' not found in '{workflow.slug}'.")
    return parent


class DslValidateView(APIView):
    @extend_schema(
        operation_id="workflow_validate_dsl", request=DslInputSerializer, responses={200: OpenApiTypes.OBJECT}
    )
    def post(self, request):
        data = validate_with(DslInputSerializer, request.data)
        compiled = dsl_compile(
            owner=request.user,
            text=data["dsl"],
            parent=_parent(request.user, data),
            extra_tags=data.get("tags"),
        )
        return Response({"valid": True, **compiled.preview()})


class DslCreateView(APIView):
    @extend_schema(
        operation_id="workflow_create_from_dsl",
        request=DslInputSerializer,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        data = validate_with(DslInputSerializer, request.data)
        workflow, warnings = workflow_create_from_dsl(
            owner=request.user,
            text=data["dsl"],
            parent=_parent(request.user, data),
            extra_tags=data.get("tags"),
        )
        nodes, edges = selectors.node_payloads(workflow=workflow), selectors.edge_payloads(workflow=workflow)
        body = serialize_workflow(workflow, node_count=len(nodes), edge_count=len(edges))
        body.update(nodes=nodes, edges=edges, warnings=warnings)
        return Response(body, status=status.HTTP_201_CREATED)


class DslExportView(APIView):
    @extend_schema(operation_id="workflow_export_dsl", request=None, responses={200: OpenApiTypes.OBJECT})
    def get(self, request, slug):
        workflow = selectors.workflow_get_for_user(user=request.user, slug=slug)
        return Response({"slug": workflow.slug, "dsl": dump_yaml(workflow_decompile(workflow=workflow))})
