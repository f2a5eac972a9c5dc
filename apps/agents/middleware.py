"""First run: while no user exists, every page request goes to /setup/."""

from django.shortcuts import redirect
from django.utils.deprecation import MiddlewareMixin

from . import selectors

EXEMPT_PREFIXES = ("/setup/", "/static/", "/api/", "/health", "/favicon.ico", "/ws/")

# Users are never all deleted in normal operation, so once one exists this process stops asking.
_user_exists = False


def reset_setup_cache() -> None:
    global _user_exists
    _user_exists = False


class SetupRequiredMiddleware(MiddlewareMixin):
    def process_request(self, request):
        global _user_exists
        if _user_exists or request.path.startswith(EXEMPT_PREFIXES):
            return None
        if selectors.user_needs_setup():
            return redirect("setup")
        _user_exists = True
        return None
