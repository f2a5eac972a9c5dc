"""`make run`: Redis if needed, migrations, first admin, then daphne + a Celery worker with beat inside it,
in the foreground."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import stack  # noqa: E402


def main() -> int:
    os.chdir(stack.ROOT)
    env = dict(os.environ)
    env.setdefault("REDIS_URL", stack.DEFAULT_REDIS_URL)
    env.setdefault("DJANGO_SETTINGS_MODULE", "pipelit.settings")
    port = env.get("PORT", "8000")
    py = stack.python()
    children: list[subprocess.Popen] = []

    redis = stack.start_redis(env["REDIS_URL"])
    if redis:
        children.append(redis)
    try:
        subprocess.run([py, "manage.py", "migrate", "--noinput"], env=env, check=True)
        subprocess.run([py, "manage.py", "ensure_admin"], env=env, check=True)
        commands = {
            "web": stack.daphne_command(port, py),
            # Beat runs inside the worker (`-B`): a child forked from the worker shares its memory
            # instead of loading Django a third time (~75 MB less; docs/benchmarks.md). One worker,
            # one beat: a second worker started by hand must not get `-B`.
            "worker": [
                py,
                "-m",
                "celery",
                "-A",
                "pipelit",
                "worker",
                "-l",
                "INFO",
                "--concurrency",
                env.get("WORKER_CONCURRENCY", "2"),
                "-n",
                f"worker-{os.getpid()}@%h",
                "-B",
                "--schedule",
                str(stack.VAR / "celerybeat-schedule"),
            ],
        }
        procs = {}
        for name, cmd in commands.items():
            procs[name] = subprocess.Popen(cmd, env=env, start_new_session=True)
            children.append(procs[name])
        stack.wait_for_port(int(port), proc=procs["web"])
        print(f"[pipelit] running at http://127.0.0.1:{port}/  (Ctrl-C stops everything)", flush=True)

        stopping = False

        def request_stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(f"[pipelit] {name} exited with {proc.returncode}; stopping the rest", flush=True)
                    stopping = True
            time.sleep(0.3)
        return 0
    finally:
        print("[pipelit] stopping…", flush=True)
        for proc in reversed(children):
            stack.stop(proc)


if __name__ == "__main__":
    sys.exit(main())
