"""REST routes of this app, mounted under /api/v1/. Fixed segments (batch-delete/) precede <id>/."""

from django.urls import path

from .api import auth, chat_history, credentials, users
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
    path(
        "workflows/<slug:slug>/chat/history/",
        chat_history.ChatHistoryView.as_view(),
        name="workflow-chat-history",
    ),
]
