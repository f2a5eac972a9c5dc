"""Pages of the agents app: sign in/out, first-run setup, credentials."""

from .auth import LoginPageView, LogoutPageView, login_mfa, setup
from .chat import chat_history
from .credentials import credential_delete, credential_form, credential_test, credentials_page

__all__ = [
    "LoginPageView",
    "LogoutPageView",
    "chat_history",
    "credential_delete",
    "credential_form",
    "credential_test",
    "credentials_page",
    "login_mfa",
    "setup",
]
