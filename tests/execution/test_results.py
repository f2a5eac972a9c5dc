import json

from apps.execution.results import NodeResult, NodeStatus


def test_factories_and_serialisation():
    ok = NodeResult.success({"output": 1}, duration_ms=3)
    failed = NodeResult.failed("x" * 3000, "ValueError")
    skipped = NodeResult.skipped("route did not match")
    assert ok.ok and ok.metadata == {"duration_ms": 3}
    assert (
        failed.status == NodeStatus.FAILED and len(failed.error) == 2000 and failed.error_code == "ValueError"
    )
    assert skipped.status == NodeStatus.SKIPPED and skipped.metadata["reason"] == "route did not match"
    data = json.loads(json.dumps(ok.to_dict()))
    assert data["status"] == "success" and data["data"] == {"output": 1} and data["completed_at"]
