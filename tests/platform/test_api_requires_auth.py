"""Every /api/v1/ endpoint answers 401 without a key, except the few the reference makes public."""

import json
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {
    "/api/v1/auth/setup-status/",
    "/api/v1/auth/setup/",
    "/api/v1/auth/token/",
    "/api/v1/auth/mfa/login-verify/",
}
# Authenticated by their own secret (webhook key, Telegram secret header), not by a user's API key.
OWN_AUTH_PREFIXES = ("/api/v1/webhooks/", "/api/v1/telegram/", "/api/v1/inbound/")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _concrete(route: str) -> str:
    route = route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
    route = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "1" if m.group(1) == "int" else "x", route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "x", route)
    return "/" + route


def api_routes():
    return sorted({_concrete(r) for r in _walk(get_resolver().url_patterns) if r.startswith("api/v1/")})


def test_there_are_api_routes_to_check():
    assert "/api/v1/schema/" in api_routes()


@pytest.mark.django_db
@pytest.mark.parametrize("path", api_routes())
def test_endpoint_requires_a_key(anon_client, path):
    if path in PUBLIC or path.startswith(OWN_AUTH_PREFIXES):
        pytest.skip("public by the reference")
    for method in ("get", "post", "patch", "delete"):
        response = getattr(anon_client, method)(path, content_type="application/json")
        if response.status_code == 405:
            continue
        assert response.status_code == 401, f"{method.upper()} {path} -> {response.status_code}"
        assert "detail" in json.loads(response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/schema/"])
def test_bad_key_is_401(anon_client, path):
    response = anon_client.get(path, HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 401
    response = anon_client.get(path, HTTP_AUTHORIZATION="Basic abc")
    assert response.status_code == 401
