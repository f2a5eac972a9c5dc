"""The orchestrator: compiles a GraphSnapshot into a LangGraph StateGraph and runs it."""

from apps.execution.orchestrator.reporter import InMemoryReporter, NodeReporter
from apps.execution.orchestrator.runner import RunOutcome, run_graph

__all__ = ["InMemoryReporter", "NodeReporter", "RunOutcome", "run_graph"]
