"""The OpenAPI schema documents the registry and memory endpoints with their list envelopes."""

import pytest

pytestmark = pytest.mark.django_db


def test_schema_documents_epics_tasks_and_memory(api_client):
    paths = api_client.get("/api/v1/schema/").json()["paths"]
    for path in (
        "/api/v1/epics/",
        "/api/v1/epics/batch-delete/",
        "/api/v1/epics/{epic_id}/",
        "/api/v1/epics/{epic_id}/tasks/",
        "/api/v1/tasks/",
        "/api/v1/tasks/batch-delete/",
        "/api/v1/tasks/{task_id}/",
        "/api/v1/memories/facts/",
        "/api/v1/memories/users/batch-delete/",
    ):
        assert path in paths, path
    listing = paths["/api/v1/epics/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listing["$ref"].endswith("/EpicList")
    operation_ids = {
        op["operationId"] for item in paths.values() for op in item.values() if "operationId" in op
    }
    assert {"memories_facts_batch_delete", "memories_users_batch_delete"} <= operation_ids
