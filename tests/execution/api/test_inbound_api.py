"""The gateway inbound endpoint: gateway key auth, route to a chat/Telegram trigger, allow list."""

import pytest
from django.apps import apps

from apps.execution.models import WorkflowExecution
from tests.execution.builders import build_workflow

pytestmark = pytest.mark.django_db

KEY = "gw-key-123"


@pytest.fixture
def workflow(user):
    return build_workflow(
        owner=user,
        nodes={"chat": {"component_type": "trigger_chat"}, "manual": {"component_type": "trigger_manual"}},
        edges=[],
    )


def gateway(**fields):
    model = apps.get_model("agents", "GatewayCredential")
    return model.objects.create(name="gw", api_key=KEY, **fields)


def post(client, body, key=KEY):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return client.post("/api/v1/inbound/", body, content_type="application/json", **headers)


def body(workflow, node="chat", **extra):
    return {
        "route": {"workflow_slug": workflow.slug, "trigger_node_id": node},
        "text": "hi",
        "chat_id": 9,
        **extra,
    }


def test_a_gateway_message_fires_the_routed_chat_trigger(client, workflow):
    gateway()
    response = post(client, body(workflow, user_id=5))
    assert response.status_code == 202, response.content
    execution = WorkflowExecution.objects.get()
    assert execution.trigger_node_key == "chat" and execution.trigger_payload["text"] == "hi"
    assert response.json()["execution_id"] == str(execution.execution_id)


@pytest.mark.parametrize("key", ["wrong", None])
def test_bad_or_missing_gateway_key_is_401(client, workflow, key):
    gateway()
    assert post(client, body(workflow), key=key).status_code == 401
    assert not WorkflowExecution.objects.exists()


def test_routes_to_other_node_types_are_422_and_unknown_workflows_404(client, workflow):
    gateway()
    assert post(client, body(workflow, node="manual")).status_code == 422
    assert post(client, {"route": {}}).status_code == 422
    missing = {"route": {"workflow_slug": "nope", "trigger_node_id": "chat"}}
    assert post(client, missing).status_code == 404


def test_senders_outside_the_allow_list_are_403(client, workflow):
    gateway(allowed_user_ids="1,2")
    assert post(client, body(workflow, user_id=7)).status_code == 403
    assert post(client, body(workflow, user_id=2)).status_code == 202


def test_inbound_is_limited_per_gateway_credential_with_429_retry_after_and_detail(
    client, workflow, settings
):
    import uuid

    settings.PIPELIT_RATE_LIMIT_INBOUND = "2/3600"
    model = apps.get_model("agents", "GatewayCredential")
    # Fresh keys: counters live in Redis for the window and the test database reuses credential ids.
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    model.objects.create(name="gw-a", api_key=first)
    model.objects.create(name="gw-b", api_key=second)
    codes = [post(client, body(workflow), key=first).status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    refused = post(client, body(workflow), key=first)
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 3600
    assert refused.json()["detail"].startswith("Too many inbound messages for this gateway credential")
    assert WorkflowExecution.objects.count() == 2  # refusals start nothing
    assert post(client, body(workflow), key=second).status_code == 202  # its own budget
    # A bad key is refused as 401 before it is counted; "off" disables the limit.
    assert post(client, body(workflow), key="nope").status_code == 401
    settings.PIPELIT_RATE_LIMIT_INBOUND = "off"
    assert post(client, body(workflow), key=first).status_code == 202
