"""`make test`: the whole suite on SQLite, then again on PostgreSQL when one answers.

Each database run has two pytest invocations: everything but the browser tests, then the browser
tests on their own (sync Playwright and pytest-asyncio do not share a process well).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from urllib.parse import urlparse

sys.path.insert(0, os.path.dirname(__file__))
import stack  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"


def ensure_chromium() -> None:
    if os.path.exists(CHROMIUM):
        return
    print("[test] installing Debian's chromium for the browser tests", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        [
            *sudo,
            "apt-get",
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            "chromium",
            "fonts-dejavu-core",
        ],
        check=True,
        env=env,
    )


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    parsed = urlparse(DEFAULT_POSTGRES_URL)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=1):
            return DEFAULT_POSTGRES_URL
    except OSError:
        return None


def run_pytest(label: str, env: dict, args: list[str]) -> tuple[int, dict]:
    report = stack.VAR / f"junit-{label}.xml"
    cmd = [stack.python(), "-m", "pytest", f"--junitxml={report}", *args]
    print(f"\n[test] === {label}: {' '.join(args)}", flush=True)
    code = subprocess.run(cmd, env=env).returncode
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if report.exists():
        for suite in ET.parse(report).getroot().iter("testsuite"):
            for key in counts:
                counts[key] += int(suite.get(key, 0))
    if code == 5:  # no tests collected in this selection is not a failure
        code = 0
    return code, counts


def main(argv: list[str]) -> int:
    os.chdir(stack.ROOT)
    stack.VAR.mkdir(exist_ok=True)
    ensure_chromium()
    base_env = dict(os.environ)
    # Tests use their own Redis database so a running `make run` stack never sees their tasks.
    base_env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
    base_env["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    redis = stack.start_redis(base_env["REDIS_URL"])
    databases = [("sqlite", None)]
    pg = postgres_url()
    if pg:
        databases.append(("postgres", pg))
    else:
        print("[test] no PostgreSQL answers: SQLite only", flush=True)
    extra = argv or []
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    failed_runs = []
    try:
        for label, url in databases:
            env = dict(base_env)
            if url:
                env["DATABASE_URL"] = url
            else:
                env.pop("DATABASE_URL", None)
            for part, args in (
                ("main", ["-m", "not browser", *extra]),
                ("browser", ["-m", "browser", *extra]),
            ):
                code, counts = run_pytest(f"{label}-{part}", env, args)
                for key in totals:
                    totals[key] += counts[key]
                if code != 0:
                    failed_runs.append(f"{label}-{part}")
    finally:
        stack.stop(redis)
    passed = totals["tests"] - totals["failures"] - totals["errors"] - totals["skipped"]
    failed = totals["failures"] + totals["errors"]
    print(f"\n[test] runs: {', '.join(name for name, _ in databases)}; failed runs: {failed_runs or 'none'}")
    print(f"{passed} passed, {failed} failed, {totals['skipped']} skipped")
    return 1 if failed_runs else 0


if __name__ == "__main__":
    if shutil.which("pytest") is None and not os.path.exists(
        os.path.join(os.path.dirname(sys.executable), "pytest")
    ):
        print("[test] pytest is missing from the virtualenv", file=sys.stderr)
    sys.exit(main(sys.argv[1:]))
