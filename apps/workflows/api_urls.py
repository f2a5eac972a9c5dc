"""REST routes of this app, mounted under /api/v1/. Fixed paths come before `<slug>/` routes."""

from django.urls import path

from apps.workflows import api
from apps.workflows.dsl import api as dsl_api

urlpatterns = [
    path("workflows/", api.WorkflowListView.as_view(), name="workflow-list"),
    path("workflows/batch-delete/", api.WorkflowBatchDeleteView.as_view(), name="workflow-batch-delete"),
    path("workflows/node-types/", api.NodeTypesView.as_view(), name="workflow-node-types"),
    path("workflows/import/", api.WorkflowImportView.as_view(), name="workflow-import"),
    path("workflows/validate-dsl/", dsl_api.DslValidateView.as_view(), name="workflow-validate-dsl"),
    path("workflows/from-dsl/", dsl_api.DslCreateView.as_view(), name="workflow-from-dsl"),
    path("workflows/<slug:slug>/", api.WorkflowDetailView.as_view(), name="workflow-detail"),
    path(
        "workflows/<slug:slug>/circuit/reset/",
        api.WorkflowCircuitResetView.as_view(),
        name="workflow-circuit-reset",
    ),
    path("workflows/<slug:slug>/validate/", api.WorkflowValidateView.as_view(), name="workflow-validate"),
    path("workflows/<slug:slug>/export/", api.WorkflowExportView.as_view(), name="workflow-export"),
    path("workflows/<slug:slug>/export-dsl/", dsl_api.DslExportView.as_view(), name="workflow-export-dsl"),
    path("workflows/<slug:slug>/nodes/", api.NodeListView.as_view(), name="node-list"),
    path("workflows/<slug:slug>/nodes/<str:node_id>/", api.NodeDetailView.as_view(), name="node-detail"),
    path("workflows/<slug:slug>/edges/", api.EdgeListView.as_view(), name="edge-list"),
    path("workflows/<slug:slug>/edges/<int:edge_id>/", api.EdgeDetailView.as_view(), name="edge-detail"),
]
