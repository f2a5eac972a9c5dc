from tests.execution.helpers import run_snapshot


def _only(trigger_type):
    return {"nodes": [{"id": "t", "type": trigger_type}], "edges": []}


def test_manual_trigger_exposes_the_payload_with_text_default():
    outcome = run_snapshot(_only("trigger_manual"), {"k": 1})
    assert outcome.node_outputs["t"] == {"payload": {"k": 1, "text": ""}}


def test_webhook_trigger_exposes_the_body_as_payload():
    outcome = run_snapshot(_only("trigger_webhook"), {"event": "payment", "data": {"amount": 99}})
    assert outcome.node_outputs["t"] == {"payload": {"event": "payment", "data": {"amount": 99}}}
    assert outcome.final_output == outcome.node_outputs["t"]


def test_chat_trigger_exposes_text_files_and_payload():
    outcome = run_snapshot(
        _only("trigger_chat"), {"text": "hello", "files": [{"name": "a.pdf"}], "chat_id": 7}
    )
    assert outcome.node_outputs["t"] == {
        "text": "hello",
        "files": [{"name": "a.pdf"}],
        "payload": {"text": "hello", "files": [{"name": "a.pdf"}], "chat_id": 7},
    }


def test_error_trigger_exposes_the_error_object_of_the_failed_run():
    error = {"message": "boom", "error_code": "ValueError", "source_node_id": "explode"}
    outcome = run_snapshot(_only("trigger_error"), {"error": error, "failed_execution_id": "x"})
    assert outcome.node_outputs["t"] == {"error": error}
