"""The orchestrator: compiles a GraphSnapshot into a LangGraph StateGraph and runs it.

    outcome = run_graph(snapshot, trigger_node_id, payload, reporter, execution_id="...")

- compiler.py: nodes reachable from the trigger (topology) -> StateGraph over WorkflowState; LRU-cached
  by (structure_hash, trigger_node_id). Every node waits for all its upstream nodes (LangGraph join).
- step.py: per node: halt/cancel/deadline check -> liveness (fan_in.py) -> report running -> resolve
  expressions -> component run(ctx) with retries (max_retries, backoff doubling) -> output convention
  (output.py) -> NodeResult -> report finished. Every reachable node is reported exactly once.
- A failure (after retries) fails the execution: nodes already running finish, nothing new starts,
  the rest are reported skipped. Cancellation (reporter.should_cancel) and max_execution_seconds are
  checked at every node boundary; run_graph also stops waiting at the deadline.
- outcome.py: RunOutcome and the final-output rule.
"""

from apps.execution.orchestrator.reporter import InMemoryReporter, NodeReporter
from apps.execution.orchestrator.runner import RunOutcome, run_graph

__all__ = ["InMemoryReporter", "NodeReporter", "RunOutcome", "run_graph"]
