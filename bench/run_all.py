"""`make bench`: run every benchmark in bench/ in turn; each records its section in docs/benchmarks.md."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = [
    "api.py",
    "engine_core.py",
    "engine.py",
    "websocket.py",
    "agent.py",
    "llm_call_overhead.py",
    "editor.py",
]

if __name__ == "__main__":
    failed = []
    for name in ORDER:
        script = HERE / name
        if not script.exists():
            continue
        print(f"\n=== bench/{name}", flush=True)
        if subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    sys.exit(1 if failed else 0)
