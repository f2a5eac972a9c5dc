"""A workflow written in the DSL and created over REST runs on the real worker as it reads."""

import pytest

from apps.execution.models import ExecutionLog
from tests.integration.test_engine_flows import run_and_wait

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

DSL = """
name: DSL pipeline
trigger: manual
steps:
  - id: items
    type: code
    snippet: "return ['ada', 'bob']"
  - id: each
    type: loop
    over: "{{ items.output }}"
    body:
      - id: upper
        type: code
        snippet: "return input.upper()"
  - id: route
    type: switch
    rules:
      - {field: "trigger.payload.mode", operator: equals, value: "greet", route: greet}
    default: other
  - id: greet
    type: transform
    template: "Hello {{ each.results | join(', ') }} from {{ trigger.payload.city }}"
  - id: other
    type: code
    snippet: "return 'other'"
"""


def test_dsl_workflow_loops_routes_and_renders_a_template_on_the_worker(api_client, celery_worker):
    created = api_client.post("/api/v1/workflows/from-dsl/", {"dsl": DSL}, format="json")
    assert created.status_code == 201, created.content
    execution = run_and_wait(
        api_client, created.json()["slug"], {"payload": {"mode": "greet", "city": "Paris"}}, timeout=60
    )
    assert execution.status == "completed", execution.error_message
    logs = {log.node_id: log for log in ExecutionLog.objects.filter(execution=execution)}
    assert logs["greet"].output == {"output": "Hello ADA, BOB from Paris"}
    assert "other" not in logs or logs["other"].status == "skipped"
