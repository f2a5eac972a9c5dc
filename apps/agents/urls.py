"""Page routes of this app: sign in/out, first-run setup, credentials (the home page is the workflows dashboard)."""

from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginPageView.as_view(), name="login"),
    path("login/mfa/", views.login_mfa, name="login-mfa"),
    path("logout/", views.LogoutPageView.as_view(), name="logout"),
    path("setup/", views.setup, name="setup"),
    path("credentials/", views.credentials_page, name="credentials"),
    path("credentials/form/", views.credential_form, name="credential-form"),
    path("credentials/<int:credential_id>/delete/", views.credential_delete, name="credential-delete"),
    path("credentials/<int:credential_id>/test/", views.credential_test, name="credential-test"),
    path("memories/", views.memories_page, name="memories"),
    path("memories/<str:tab>/delete/", views.memories_delete, name="memories-delete"),
    path("epics/", views.epics_page, name="epics"),
    path("epics/delete/", views.epics_delete, name="epics-delete"),
    path("epics/<str:epic_id>/", views.epic_detail, name="epic-detail"),
    path("epics/<str:epic_id>/tasks/delete/", views.epic_tasks_delete, name="epic-tasks-delete"),
    path("workflows/<slug:slug>/editor/chat/history/", views.chat_history, name="chat-history"),
]
