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
- interrupts.py: pauses (`_interrupt`, `_delay_seconds`, interrupt_before/_after) on LangGraph's
  interrupt()/Command(resume); the state is checkpointed after every superstep (thread_id = execution
  id, apps/execution/checkpoints.py), so a paused or crashed run continues without re-running nodes.
"""

from apps.execution.orchestrator.reporter import InMemoryReporter, NodeReporter
from apps.execution.orchestrator.runner import RunOutcome, run_graph

__all__ = ["InMemoryReporter", "NodeReporter", "RunOutcome", "run_graph"]
