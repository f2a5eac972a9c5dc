"""Platform overhead per LLM call: llm_invoke (resolve cached client + retry wrapper) vs a bare client.

Runs against the loopback fakes (OpenAI stub, Anthropic fake), no database: the credential is an
unsaved LLMCredential. Usage: .venv/bin/python bench/llm_call_overhead.py [calls]
"""

import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipelit.settings")
import logging  # noqa: E402

import django  # noqa: E402

django.setup()
logging.getLogger("httpx2").setLevel(logging.WARNING)
logging.getLogger("httpx").setLevel(logging.WARNING)

from langchain_core.messages import HumanMessage  # noqa: E402

from apps.agents.llm import providers  # noqa: E402
from apps.agents.llm.calls import llm_invoke  # noqa: E402
from apps.agents.llm.errors import call_with_retries  # noqa: E402
from apps.agents.llm.providers import ModelSettings, build_chat_model, resolve_chat_model  # noqa: E402
from apps.agents.models import LLMCredential, ProviderType  # noqa: E402
from tests.agents.llm._openai_stub import OpenAIStub  # noqa: E402
from tests.fakes.anthropic_server import FakeAnthropicServer  # noqa: E402

MESSAGES = [HumanMessage("What is 2 + 2?")]
CONFIG = {"model_name": "bench-model", "temperature": 0.2, "max_tokens": 64, "max_retries": 2}


def timed(fn, calls):
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples):
    ordered = sorted(samples)
    return {
        "median": statistics.median(ordered),
        "p90": ordered[int(len(ordered) * 0.9) - 1],
        "mean": statistics.fmean(ordered),
    }


def bench(provider, base_url, calls):
    credential = LLMCredential(
        pk=1,
        name="bench",
        provider_type=provider,
        api_key="sk-bench",
        base_url=base_url,
        updated_at=datetime.now(UTC),
    )
    settings = ModelSettings.from_config(CONFIG)
    bare = build_chat_model(credential, settings)
    variants = {
        "bare client .invoke": lambda: bare.invoke(MESSAGES),
        "llm_invoke (platform)": lambda: llm_invoke(
            credential=credential, settings=ModelSettings.from_config(CONFIG), messages=MESSAGES
        ),
        "rebuild client per call": lambda: build_chat_model(credential, settings).invoke(MESSAGES),
    }
    for fn in variants.values():  # warm-up: imports, connection pools
        for _ in range(20):
            fn()
    results = {name: [] for name in variants}
    for _ in range(calls // 20):  # interleave in blocks so drift hits every variant alike
        for name, fn in variants.items():
            results[name] += timed(fn, 20)
    return {name: summary(samples) for name, samples in results.items()}


def wrapper_only(calls=20000):
    """The platform's own code path with no HTTP at all: settings parse + cache hit + retry wrapper."""
    credential = LLMCredential(
        pk=1, name="b", provider_type=ProviderType.OPENAI, api_key="k", updated_at=datetime.now(UTC)
    )
    resolve_chat_model(credential, ModelSettings.from_config(CONFIG))
    started = time.perf_counter()
    for _ in range(calls):
        model = resolve_chat_model(credential, ModelSettings.from_config(CONFIG))
        call_with_retries(lambda m=model: m, max_attempts=3, base_delay=0.5)
    return (time.perf_counter() - started) / calls * 1e6


def main():
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    openai_stub, anthropic_fake = OpenAIStub().start(), FakeAnthropicServer().start()
    try:
        for label, provider, url in [
            ("OpenAI-compatible", ProviderType.OPENAI_COMPATIBLE, openai_stub.base_url),
            ("Anthropic", ProviderType.ANTHROPIC, anthropic_fake.url),
        ]:
            providers.client_cache.clear()
            print(f"\n{label}: {calls} calls per variant (ms per call)")
            results = bench(provider, url, calls)
            for name, stats in results.items():
                print(
                    f"  {name:26s} median {stats['median']:6.3f}  p90 {stats['p90']:6.3f}  mean {stats['mean']:6.3f}"
                )
            overhead = results["llm_invoke (platform)"]["median"] - results["bare client .invoke"]["median"]
            print(f"  platform overhead (median difference): {overhead * 1000:+.0f} µs")
        print(
            f"\nresolve (cache hit) + settings parse + retry wrapper, no HTTP: {wrapper_only():.1f} µs per call"
        )
    finally:
        openai_stub.stop()
        anthropic_fake.stop()


if __name__ == "__main__":
    main()
