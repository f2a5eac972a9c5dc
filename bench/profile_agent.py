"""cProfile of the agent path (bench/agent.py's workload): where the time per LLM call goes.

Wall clock is noisy on a shared machine; the profile's cumulative times show which parts are ours
(resolver, tool binding, trimming, usage/cost, reporting) and which are LangChain/OpenAI SDK/httpx.

Run: .venv/bin/python bench/profile_agent.py [--runs 200] [--out /tmp/agent.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import _prepare_database, bench_env, django_setup  # noqa: E402

# (label, substring of "file:function") summed from the profile's cumulative times
WATCH = [
    ("agent node (_run_with_retries)", "orchestrator/step.py:_run_with_retries"),
    ("ResolvedModel.invoke (our llm_invoke)", "llm/calls.py:llm_invoke"),
    ("resolve_chat_model (client cache)", "llm/providers.py:resolve_chat_model"),
    ("bind_tools", "chat_models/base.py:bind_tools"),
    ("openai SDK: chat.completions.create", "completions.py:create"),
    ("httpx send", "_client.py:send"),
    ("ChatOpenAI._create_chat_result", "base.py:_create_chat_result"),
    ("ChatOpenAI._get_request_payload", "base.py:_get_request_payload"),
    ("langchain callbacks (on_chat_model_start)", "manager.py:on_chat_model_start"),
    ("trimmed() (token counting)", "_common.py:trimmed"),
    ("token_usage() (usage + cost)", "_common.py:token_usage"),
    ("serialize_messages (trace)", "_common.py:serialize_messages"),
    ("tool runner (tool call + events)", "tool_calls.py:run"),
    ("resolve_sub_component", "resolution.py:resolve_sub_component"),
    ("_credential (credential query)", "resolution.py:_credential"),
    ("conversations.thread_for", "conversations.py:thread_for"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    env = bench_env()
    _prepare_database(env)
    django_setup(env)
    for name in ("httpx", "httpx2"):
        logging.getLogger(name).setLevel(logging.WARNING)

    from agent import TimedServer, graph

    from apps.agents.models import LLMCredential
    from apps.agents.resolution import resolve_sub_component
    from apps.execution.orchestrator import InMemoryReporter, run_graph
    from tests.fakes.openai_server import FakeOpenAI

    fake = FakeOpenAI().start()
    TimedServer(fake)
    credential = LLMCredential.objects.create(
        name="bench-agent", provider_type="openai_compatible", api_key="sk-bench", base_url=fake.url + "/v1"
    )
    snapshot = graph(credential.pk)

    def one(i):
        fake.tool_call("calculator", {"expression": "2*21"})
        fake.reply("42")
        outcome = run_graph(
            snapshot,
            "trigger",
            {"text": "What is 2*21?"},
            InMemoryReporter(),
            execution_id=f"prof-{i}",
            sub_component_resolver=resolve_sub_component,
        )
        assert outcome.status == "completed", outcome.error

    from apps.execution.orchestrator import step

    # Nodes run on LangGraph's worker threads; cProfile sees only the thread that enables it.
    profiler = cProfile.Profile(time.thread_time)  # CPU of the node thread: not waiting, not the fake server
    original = step._run_with_retries
    active = {"on": False}

    def profiled(run, node, ctx):
        if not active["on"] or node.component_type != "agent":
            return original(run, node, ctx)
        profiler.enable()
        try:
            return original(run, node, ctx)
        finally:
            profiler.disable()

    step._run_with_retries = profiled
    for i in range(10):
        one(i)
    active["on"] = True
    for i in range(args.runs):
        one(100 + i)
    fake.stop()
    stats = pstats.Stats(profiler)
    if args.out:
        stats.dump_stats(args.out)
    calls = args.runs * 2
    print(f"thread CPU ms per LLM call, cumulative ({args.runs} runs x 2 calls; profiling inflates them)")
    for label, needle in WATCH:
        total = sum(
            v[3]
            for (file, _, func), v in stats.stats.items()
            if needle.endswith(":" + func) and needle.split(":")[0] in file
        )
        print(f"  {label:50s} {total * 1000 / calls:8.3f}")


if __name__ == "__main__":
    main()
