"""Server-rendered pages of the workflows app: the dashboard and its actions."""

from .dashboard import dashboard, workflow_create, workflow_delete, workflow_duplicate, workflow_import

__all__ = ["dashboard", "workflow_create", "workflow_delete", "workflow_duplicate", "workflow_import"]
