"""Pages of the agents app: sign in/out, first-run setup, credentials."""

from .auth import LoginPageView, LogoutPageView, login_mfa, setup
from .chat import chat_history
from .credentials import credential_delete, credential_form, credential_test, credentials_page
from .epics import epic_detail, epic_tasks_delete, epics_delete, epics_page
from .memories import memories_delete, memories_page

__all__ = [
    "LoginPageView",
    "LogoutPageView",
    "chat_history",
    "epic_detail",
    "epic_tasks_delete",
    "epics_delete",
    "epics_page",
    "memories_delete",
    "memories_page",
    "credential_delete",
    "credential_form",
    "credential_test",
    "credentials_page",
    "login_mfa",
    "setup",
]
