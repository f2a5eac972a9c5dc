"""Pauses on the LangGraph checkpointer: the component contract mapped onto interrupt()/Command(resume).

Component contract (stable): a component pauses by returning `_interrupt` (wait for an answer; a dict
may carry a `prompt`) or `_delay_seconds` > 0 (resume later by timer). It is run again on resume with
`ctx.resume_input` set (the answer; None after a timer), and on that run its pause directives are
ignored, so it always completes -- unless its `_interrupt` dict says `"repeat": true`: then it pauses
again (an agent waiting for its second child workflow). A node paused N times is resumed N times;
LangGraph keeps the answers in order, and when the node runs again it is handed each earlier answer
in turn (replay) before the new one, so a repeating component must recognise an answer it has already
used (the agent compares child execution ids).

Engine side: the step logs the node `interrupted` (answer) or `waiting` (timer) and calls LangGraph's
`interrupt(pause)`; the run stops at the end of the superstep with its state in the checkpoint
(thread_id = execution id). To resume, the runner finds the interrupted tasks in the checkpoint and
invokes `Command(resume={interrupt id: {"input": answer}})`; LangGraph runs the paused node again, whose
`interrupt()` now returns the answer, and the component runs with it. Finished nodes are not re-run.

Breakpoints: `interrupt_before` / `interrupt_after` on a node compile to LangGraph's static breakpoints;
the run stops before/after that node and is resumed with `invoke(None)` (the input is ignored).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langgraph.types import Command, interrupt

WAIT = "wait"  # `_delay_seconds`
CONFIRMATION = "confirmation"  # `_interrupt`
BEFORE = "before"  # interrupt_before breakpoint
AFTER = "after"  # interrupt_after breakpoint


@dataclass(frozen=True)
class Resume:
    """Continue a paused run: `input` answers the pause at `node_id` (None: a timer or a breakpoint)."""

    node_id: str | None = None
    input: Any = None


def pause_directive(metadata: dict[str, Any], *, resumed: bool = False) -> dict[str, Any] | None:
    """The pause a component asked for, from its result metadata -> {"reason", "delay_seconds", "prompt"}.
    On a resumed run only a repeatable `_interrupt` counts (see the module doc)."""
    directives = metadata.get("directives") or {}
    asked = directives.get("_interrupt")
    if resumed and not (isinstance(asked, dict) and asked.get("repeat")):
        return None
    if asked:
        prompt = asked.get("prompt") if isinstance(asked, dict) else None
        return {"reason": CONFIRMATION, "delay_seconds": None, "prompt": prompt}
    try:
        seconds = float(directives.get("_delay_seconds") or 0)
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    return {"reason": WAIT, "delay_seconds": seconds, "prompt": None}


def await_resume(pause: dict[str, Any]) -> Any:
    """Stop the run here (first call) or, once resumed, return the answer to this pause."""
    answer = interrupt(pause)
    return answer.get("input") if isinstance(answer, dict) else answer


def resume_targets(graph, config) -> dict[str, list[Any]]:
    """Internal node name -> the pending Interrupt objects of its task, from the checkpoint."""
    snapshot = graph.get_state(config)
    return {task.name: list(task.interrupts) for task in snapshot.tasks if task.interrupts}


def resume_command(targets: dict[str, list[Any]], name: str | None, answer: Any) -> Command | None:
    """The Command that answers the interrupt of node `name` (any paused node when None)."""
    for task_name, pending in targets.items():
        if name is None or task_name == name:
            return Command(resume={i.id: {"input": answer} for i in pending})
    return None


def pause_of(
    snapshot, names_to_ids: dict[str, str], breakpoints: dict[str, set[str]], successors: dict[str, set[str]]
) -> dict | None:
    """Where a run that returned stopped: None when it ran to the end. A node pause carries its
    interrupt value; a breakpoint names the node it stopped before or after."""
    if not snapshot.next:
        return None
    for task in snapshot.tasks:
        for pending in task.interrupts:
            value = dict(pending.value) if isinstance(pending.value, dict) else {}
            return {**value, "node_id": names_to_ids.get(task.name, task.name)}
    for name in snapshot.next:
        if name in breakpoints[BEFORE]:
            return _breakpoint(names_to_ids[name], BEFORE)
    results = snapshot.values.get("node_results") or {}
    waiting = set(snapshot.next)
    for name in breakpoints[AFTER]:  # the one that just ran: finished, and a successor is next
        if names_to_ids[name] in results and successors.get(name, set()) & waiting:
            return _breakpoint(names_to_ids[name], AFTER)
    return _breakpoint(names_to_ids.get(snapshot.next[0], snapshot.next[0]), BEFORE)


def _breakpoint(node_id: str, where: str) -> dict[str, Any]:
    return {"node_id": node_id, "reason": where, "delay_seconds": None, "prompt": None}
