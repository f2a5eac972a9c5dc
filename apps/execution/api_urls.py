"""REST routes of the execution app, mounted under /api/v1/."""

from django.urls import path

from .api import executions, triggers, webhooks

urlpatterns = [
    path("executions/", executions.ExecutionListView.as_view(), name="execution-list"),
    path(
        "executions/batch-delete/",
        executions.ExecutionBatchDeleteView.as_view(),
        name="execution-batch-delete",
    ),
    path("executions/<str:execution_id>/", executions.ExecutionDetailView.as_view(), name="execution-detail"),
    path(
        "executions/<str:execution_id>/cancel/",
        executions.ExecutionCancelView.as_view(),
        name="execution-cancel",
    ),
    path("workflows/<slug:slug>/execute/", triggers.WorkflowExecuteView.as_view(), name="workflow-execute"),
    path("workflows/<slug:slug>/chat/", triggers.WorkflowChatView.as_view(), name="workflow-chat"),
    path("webhooks/<slug:slug>", webhooks.webhook, name="webhook"),
    path("webhooks/<slug:slug>/", webhooks.webhook),
]
