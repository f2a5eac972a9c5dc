"""The public health probe."""

import pytest


@pytest.mark.django_db
def test_health_is_public_and_reports_database_and_redis(anon_client):
    response = anon_client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] is True
    assert body["redis"] is True
    assert body["version"]
    assert isinstance(body["workers"], int)
