"""Page views of the workflows app: the dashboard and its actions (here), the canvas editor (editor,
mutations, panel, run); session-authenticated, CSRF-protected."""

from .dashboard import dashboard, workflow_create, workflow_delete, workflow_duplicate, workflow_import

__all__ = ["dashboard", "workflow_create", "workflow_delete", "workflow_duplicate", "workflow_import"]
