"""Writes bench/load.py's results into docs/reliability.md (one section per fault kind)."""

from __future__ import annotations

import os

from common import ROOT, machine_line, record, summary_ms

RELIABILITY = ROOT / "docs" / "reliability.md"
TITLES = {
    "none": "Mixed load",
    "redis": "Redis restarted mid-load",
    "postgres": "PostgreSQL restarted mid-load",
    "worker": "Worker SIGKILLed every 30 s under load",
}


def write(args, result: dict) -> None:
    rec, final = result["rec"], result["final"]
    ended = sum(n for status, n in final.items() if status in ("completed", "failed", "cancelled"))
    stuck = len(rec.accepted) - ended
    command = (
        f".venv/bin/python bench/load.py --minutes {args.minutes:g} --sockets {args.sockets}"
        f" --webhook-rate {args.webhook_rate:g} --chat-rate {args.chat_rate:g}"
    )
    if args.fault != "none":
        command += f" --fault {args.fault}"
    lines = [
        "```",
        command,
        "```",
        f"Machine: {machine_line()}; load average at the end {os.getloadavg()[0]:.1f}. "
        f"One daphne, one worker (concurrency 2), beat, "
        f"{'a private PostgreSQL' if args.fault == 'postgres' else 'SQLite'}, "
        f"{'a private Redis' if args.fault == 'redis' else 'Redis'}. {args.minutes:g} minutes: 2 REST threads, "
        f"webhooks at {args.webhook_rate:g}/s, chat at {args.chat_rate:g}/s (fake LLM), {args.sockets} sockets.",
        "",
        "| traffic | requests | outcomes | p50 ms | p95 ms |",
        "|---|---|---|---|---|",
    ]
    for kind in ("rest", "webhook", "chat"):
        samples = rec.samples.get(kind, [])
        if not samples:
            continue
        stats = summary_ms(samples)
        outcomes = ", ".join(f"{label}: {n}" for label, n in sorted(rec.outcomes[kind].items()))
        lines.append(f"| {kind} | {len(samples)} | {outcomes} | {stats['p50']} | {stats['p95']} |")
    errors = sum(
        n for kind in rec.outcomes for label, n in rec.outcomes[kind].items() if label.startswith("error")
    )
    total = sum(len(v) for v in rec.samples.values())
    sockets = result["sockets"]
    lines += [
        "",
        f"- Error rate outside the fault window: **{errors / max(total, 1):.3%}** ({errors} of {total} requests).",
        f"- Executions accepted: **{len(rec.accepted)}**; ended: **{ended}** "
        f"({', '.join(f'{k} {v}' for k, v in sorted(final.items()) if v)}); stuck: **{stuck}**.",
        f"- Sockets: {sockets.get('subscribed', 0)} subscriptions, {sockets.get('events', 0)} events received, "
        f"{sockets.get('drops', 0)} drops (each reconnected)"
        + "".join(f"; {k}" for k in sockets if k.startswith("last:"))
        + ".",
        f"- RSS at the end (MB): {result['rss']}.",
    ]
    if result["fault_log"]:
        lines.append(f"- Fault timeline: {'; '.join(result['fault_log'])}.")
    record(f"load-{args.fault}", TITLES[args.fault], "\n".join(lines), results=RELIABILITY)
