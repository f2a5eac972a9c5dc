"""Writes of the graph layer: workflows, nodes (with configs), edges, export/import."""

from apps.workflows.services.edges import edge_check, edge_create, edge_delete, edge_update
from apps.workflows.services.io import workflow_export, workflow_import
from apps.workflows.services.nodes import node_create, node_delete, node_id_generate, node_update
from apps.workflows.services.workflows import (
    workflow_circuit_reset,
    workflow_create,
    workflow_delete,
    workflow_update,
    workflows_batch_delete,
)

__all__ = [
    "edge_check",
    "edge_create",
    "edge_delete",
    "edge_update",
    "node_create",
    "node_delete",
    "node_id_generate",
    "node_update",
    "workflow_circuit_reset",
    "workflow_create",
    "workflow_delete",
    "workflow_export",
    "workflow_import",
    "workflow_update",
    "workflows_batch_delete",
]
