"""CPU of recording a delivery as unacked and acking it, in-process: kombu's QoS vs pipelit.broker_qos's.

What a Celery worker's consumer (the prefork parent) does per task on its broker channel besides the
BRPOP: `QoS.append` when the message arrives and `QoS.ack` when the task is done (acks_late). Both QoS
classes run on the same pipelit.broker channel (its kept redis-py client) against real Redis, with a
Celery-sized message (~1.2 kB), in alternating rounds; prints CPU (process time) and wall time per
delivery+ack for each round and the medians. Uses and empties Redis database 13 unless told otherwise.

Run: .venv/bin/python bench/broker_qos.py [--messages 5000] [--rounds 6] [--redis redis://127.0.0.1:6379/13]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kombu import Connection  # noqa: E402
from kombu.transport import redis as kombu_redis  # noqa: E402

from pipelit import broker, broker_qos  # noqa: E402


def celery_sized_message(channel):
    body = {"execution_id": str(uuid.uuid4()), "payload": {"text": "x" * 600, "items": list(range(40))}}
    raw = channel.prepare_message(
        kombu_redis.dumps(body),
        headers={"task": "apps.execution.tasks.execution_run", "id": str(uuid.uuid4()), "retries": 0},
        content_type="application/json",
        content_encoding="utf-8",
    )
    raw["properties"]["delivery_info"] = {"exchange": "", "routing_key": "celery"}
    raw["properties"]["delivery_tag"] = str(uuid.uuid4())
    return channel.Message(raw, channel=channel)


def deliver_and_ack(qos, message, count: int) -> tuple[float, float]:
    tags = [str(uuid.uuid4()) for _ in range(count)]  # kombu makes one uuid4 per delivery too
    cpu, wall = time.process_time(), time.perf_counter()
    for tag in tags:
        qos.append(message, tag)
        qos.ack(tag)
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    with Connection(args.redis, transport=broker.Transport) as conn:
        channel = conn.channel()
        channel.client.flushdb()
        message = celery_sized_message(channel)
        kinds = {"kombu": kombu_redis.QoS(channel), "script": broker_qos.QoS(channel)}
        for qos in kinds.values():
            deliver_and_ack(qos, message, 200)  # warm: connections, script cache
        results = {name: [] for name in kinds}
        for round_ in range(args.rounds):
            for name in kinds if round_ % 2 == 0 else reversed(kinds):
                cpu, wall = deliver_and_ack(kinds[name], message, args.messages)
                results[name].append((cpu * 1e6 / args.messages, wall * 1e6 / args.messages))
                print(
                    f"round {round_}  {name:6s} {results[name][-1][0]:6.1f} µs CPU {results[name][-1][1]:6.1f} µs wall"
                )
        assert channel.client.zcard(channel.unacked_index_key) == 0, "every delivery was acked"
        assert channel.client.hlen(channel.unacked_key) == 0
        for name, rows in results.items():
            cpus, walls = [row[0] for row in rows], [row[1] for row in rows]
            print(
                f"{name:6s} per delivery+ack: CPU median {statistics.median(cpus):.1f} µs "
                f"(range {min(cpus):.1f}-{max(cpus):.1f}), wall median {statistics.median(walls):.1f} µs"
            )
        channel.client.flushdb()
        channel.close()


if __name__ == "__main__":
    main()
