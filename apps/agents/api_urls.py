"""REST routes of this app, mounted under /api/v1/. Fixed segments (batch-delete/) precede <id>/."""

from django.urls import path

from .api import auth, credentials, epics, memory, tasks, users
from .llm.api import llm_credential_urlpatterns

urlpatterns = [
    path("auth/setup-status/", auth.SetupStatusView.as_view(), name="auth-setup-status"),
    path("auth/setup/", auth.SetupView.as_view(), name="auth-setup"),
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("auth/me/", auth.MeView.as_view(), name="auth-me"),
    path("auth/mfa/setup/", auth.MfaSetupView.as_view(), name="mfa-setup"),
    path("auth/mfa/verify/", auth.MfaVerifyView.as_view(), name="mfa-verify"),
    path("auth/mfa/disable/", auth.MfaDisableView.as_view(), name="mfa-disable"),
    path("auth/mfa/status/", auth.MfaStatusView.as_view(), name="mfa-status"),
    path("auth/mfa/login-verify/", auth.MfaLoginVerifyView.as_view(), name="mfa-login-verify"),
    path("auth/mfa/reset/", auth.MfaResetView.as_view(), name="mfa-reset"),
    path("users/me/keys/", users.MyKeysView.as_view(), name="my-keys"),
    path("users/me/keys/<int:key_id>/", users.MyKeyDetailView.as_view(), name="my-key-detail"),
    path("users/agents/", users.AgentUserListView.as_view(), name="agent-users"),
    path(
        "users/agents/batch-delete/",
        users.AgentUserBatchDeleteView.as_view(),
        name="agent-users-batch-delete",
    ),
    path("users/agents/<int:agent_id>/", users.AgentUserDetailView.as_view(), name="agent-user-detail"),
    path("users/", users.UserListView.as_view(), name="users"),
    path("users/<int:user_id>/", users.UserDetailView.as_view(), name="user-detail"),
    path("users/<int:user_id>/keys/", users.UserKeysView.as_view(), name="user-keys"),
    path("users/<int:user_id>/keys/<int:key_id>/", users.UserKeyDetailView.as_view(), name="user-key-detail"),
    path("credentials/", credentials.CredentialListView.as_view(), name="credentials"),
    path(
        "credentials/batch-delete/",
        credentials.CredentialBatchDeleteView.as_view(),
        name="credentials-batch-delete",
    ),
    path(
        "credentials/<int:credential_id>/",
        credentials.CredentialDetailView.as_view(),
        name="credential-detail",
    ),
    *llm_credential_urlpatterns,
    path("epics/", epics.EpicListView.as_view(), name="epics"),
    path("epics/batch-delete/", epics.EpicBatchDeleteView.as_view(), name="epics-batch-delete"),
    path("epics/<str:epic_id>/", epics.EpicDetailView.as_view(), name="epic-detail"),
    path("epics/<str:epic_id>/tasks/", epics.EpicTasksView.as_view(), name="epic-tasks"),
    path("tasks/", tasks.TaskListView.as_view(), name="tasks"),
    path("tasks/batch-delete/", tasks.TaskBatchDeleteView.as_view(), name="tasks-batch-delete"),
    path("tasks/<str:task_id>/", tasks.TaskDetailView.as_view(), name="task-detail"),
    path("memories/facts/", memory.FactListView.as_view(), name="memory-facts"),
    path(
        "memories/facts/batch-delete/", memory.FactBatchDeleteView.as_view(), name="memory-facts-batch-delete"
    ),
    path("memories/episodes/", memory.EpisodeListView.as_view(), name="memory-episodes"),
    path(
        "memories/episodes/batch-delete/",
        memory.EpisodeBatchDeleteView.as_view(),
        name="memory-episodes-batch-delete",
    ),
    path("memories/procedures/", memory.ProcedureListView.as_view(), name="memory-procedures"),
    path(
        "memories/procedures/batch-delete/",
        memory.ProcedureBatchDeleteView.as_view(),
        name="memory-procedures-batch-delete",
    ),
    path("memories/users/", memory.MemoryUserListView.as_view(), name="memory-users"),
    path(
        "memories/users/batch-delete/",
        memory.MemoryUserBatchDeleteView.as_view(),
        name="memory-users-batch-delete",
    ),
]
