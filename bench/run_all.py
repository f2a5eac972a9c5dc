"""Run every benchmark script in bench/ (each prints its own numbers)."""

import subprocess
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
failed = 0
for script in sorted(here.glob("*.py")):
    if script.name != "run_all.py":
        print(f"== {script.name}", flush=True)
        failed |= subprocess.call([sys.executable, str(script)])
sys.exit(failed)
