"""Fixtures every test can use: users, API keys, an authenticated API client."""

import pytest
from rest_framework.test import APIClient

from apps.agents import services as agent_services
from tests.factories import AdminFactory, UserFactory

pytest_plugins = [
    "tests.support.live",
    "tests.support.worker",
    "tests.fakes.telegram_server",
    "tests.fakes.anthropic_server",
    "tests.fakes.openai_server",
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["tests.support.hashers.FastPBKDF2PasswordHasher"]
    # Tests reuse credential ids across flushed databases within seconds: always re-check.
    settings.PIPELIT_CREDENTIAL_RECHECK_SECONDS = 0


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


def client_for(user) -> APIClient:
    issued = agent_services.api_key_create(user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw_key}")
    client.raw_key = issued.raw_key
    client.user = user
    return client


@pytest.fixture
def api_client(user) -> APIClient:
    """An APIClient authenticated as `user` with a fresh bearer key (`.raw_key`)."""
    return client_for(user)


@pytest.fixture
def admin_client(admin_user) -> APIClient:
    return client_for(admin_user)


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()
