"""REST routes of the execution app, mounted under /api/v1/."""

from django.urls import path

from .api import executions, inbound, schedules, telegram, triggers, webhooks

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
    path("schedules/", schedules.ScheduleListView.as_view(), name="schedule-list"),
    path(
        "schedules/batch-delete/", schedules.ScheduleBatchDeleteView.as_view(), name="schedule-batch-delete"
    ),
    path("schedules/<str:job_id>/", schedules.ScheduleDetailView.as_view(), name="schedule-detail"),
    path("schedules/<str:job_id>/pause/", schedules.SchedulePauseView.as_view(), name="schedule-pause"),
    path("schedules/<str:job_id>/resume/", schedules.ScheduleResumeView.as_view(), name="schedule-resume"),
    # Two path segments below nodes/<node_id>/: no clash with apps.workflows' node routes.
    *[
        path(
            f"workflows/<slug:slug>/nodes/<str:node_id>/schedule/{action}/",
            schedules.NodeScheduleView.as_view(action=action),
            name=f"node-schedule-{action}",
        )
        for action in ("start", "pause", "stop")
    ],
    path("telegram/<int:credential_id>/webhook/", telegram.telegram_webhook, name="telegram-webhook"),
    path(
        "telegram/<int:credential_id>/set-webhook/",
        telegram.TelegramSetWebhookView.as_view(),
        name="telegram-set-webhook",
    ),
    path("inbound/", inbound.inbound, name="inbound"),
    path("webhooks/<slug:slug>", webhooks.webhook, name="webhook"),
    path("webhooks/<slug:slug>/", webhooks.webhook),
]
