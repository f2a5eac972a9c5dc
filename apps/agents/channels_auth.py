"""Channels middleware: `?token=<api key>` for programs, the session cookie for the browser."""

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser

from . import selectors


@database_sync_to_async
def _user_for_key(raw_key: str):
    api_key = selectors.api_key_authenticate(raw_key=raw_key)
    return api_key.user if api_key else AnonymousUser()


class ApiKeyMiddleware(BaseMiddleware):
    """Sets scope["user"] from the token query parameter; marks the scope as key-authenticated."""

    async def __call__(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode())
        tokens = query.get("token")
        if tokens:
            scope = dict(scope, user=await _user_for_key(tokens[0]), auth_method="api_key")
        return await super().__call__(scope, receive, send)


def ApiKeyOrSessionAuthMiddlewareStack(inner):  # noqa: N802 - mirrors channels' naming
    # Session auth runs first and the key (when given) overrides it.
    return AuthMiddlewareStack(ApiKeyMiddleware(inner))
