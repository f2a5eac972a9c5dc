import jsonschema

from apps.workflows import registry
from tests.execution.helpers import run_snapshot


def test_schedule_trigger_exposes_timestamp_and_the_job_payload():
    trigger = {"timestamp": "2026-01-01T00:00:00+00:00", "scheduled_job_id": "j", "payload": {"k": 1}}
    outcome = run_snapshot({"nodes": [{"id": "t", "type": "trigger_schedule"}], "edges": []}, trigger)
    assert outcome.node_outputs["t"] == {"timestamp": "2026-01-01T00:00:00+00:00", "payload": {"k": 1}}


def test_schedule_trigger_is_a_trigger_with_a_config_schema_for_its_extra_config():
    spec = registry.get("trigger_schedule")
    assert spec.is_trigger
    jsonschema.Draft202012Validator.check_schema(spec.config_schema)
    assert {"interval_seconds", "total_repeats", "max_retries", "timeout_seconds", "trigger_payload"} <= set(
        spec.config_schema["properties"]
    )
