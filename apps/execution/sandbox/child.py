"""Sandbox child: started as `python -I -S -B child.py` with an empty environment; runs ONE snippet.

Stdlib only: this file must never import Django or anything from the project. It waits (warm) for one
JSON request line on stdin, applies the resource limits, drops root privileges, runs the snippet and
writes one JSON response line to the original stdout, then exits.
"""

# Modules snippets commonly use, imported before the limits and the privilege drop: a warm child runs
# them at once, and they stay importable where the interpreter's directory is unreadable to `nobody`.
import base64  # noqa: F401
import builtins
import collections  # noqa: F401
import copy  # noqa: F401
import csv  # noqa: F401
import datetime  # noqa: F401
import decimal  # noqa: F401
import functools  # noqa: F401
import hashlib  # noqa: F401
import io
import itertools  # noqa: F401
import json
import math  # noqa: F401
import operator  # noqa: F401
import os
import random  # noqa: F401
import re  # noqa: F401
import resource
import statistics  # noqa: F401
import string  # noqa: F401
import sys
import textwrap  # noqa: F401
import time  # noqa: F401
import traceback
import urllib.parse  # noqa: F401

NOBODY = 65534
MAX_STDOUT_CHARS = 1_000_000


def _limit(kind, value):
    if value is not None:
        resource.setrlimit(kind, (int(value), int(value)))


def _apply_limits(limits):
    cpu = limits.get("cpu_seconds")
    if cpu is not None:
        resource.setrlimit(resource.RLIMIT_CPU, (int(cpu), int(cpu) + 1))
    _limit(resource.RLIMIT_AS, limits.get("memory_bytes"))
    _limit(resource.RLIMIT_NOFILE, limits.get("max_open_files"))
    _limit(resource.RLIMIT_FSIZE, limits.get("max_file_bytes"))
    _limit(resource.RLIMIT_CORE, 0)
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    _limit(resource.RLIMIT_NPROC, limits.get("max_processes"))


def _compile(code):
    try:
        return compile(code, "<code>", "exec")
    except SyntaxError as exc:
        if "'return' outside function" not in str(exc):
            raise
    body = "\n".join("    " + line for line in code.splitlines()) or "    pass"
    wrapped = "def __pipelit_main__():\n" + body + "\nresult = __pipelit_main__()\n"
    return compile(wrapped, "<code>", "exec")


def _run(request):
    namespace = {"__name__": "__sandbox__", "__builtins__": builtins}
    namespace.update(request.get("variables") or {})
    namespace.pop("result", None)
    captured = io.StringIO()
    real_stdout, sys.stdout = sys.stdout, captured
    try:
        exec(_compile(request["code"]), namespace)
    finally:
        sys.stdout = real_stdout
    stdout = captured.getvalue()[:MAX_STDOUT_CHARS]
    output = namespace["result"] if "result" in namespace else stdout.rstrip("\n")
    try:
        json.dumps(output)
    except (TypeError, ValueError) as exc:
        return {
            "ok": False,
            "error_code": "invalid_output",
            "error": f"result is not JSON-serialisable: {exc}",
        }
    return {"ok": True, "output": output, "stdout": stdout}


def main():
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    out.write("ready\n")  # the pool hands out only processes that got this far
    out.flush()
    line = sys.stdin.buffer.readline()
    if not line:
        return
    request = json.loads(line.decode("utf-8"))
    sys.stdin.close()
    _apply_limits(request.get("limits") or {})
    try:
        response = _run(request)
    except MemoryError:
        response = {"ok": False, "error_code": "memory_limit", "error": "snippet exceeded its memory limit"}
    except RecursionError:
        response = {
            "ok": False,
            "error_code": "runtime_error",
            "error": "RecursionError: maximum depth exceeded",
        }
    except BaseException as exc:  # the snippet's own error, SystemExit included
        tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
        user_tb = "".join(line for line in tb if "child.py" not in line)[-4000:]
        message = f"{type(exc).__name__}: {exc}"
        response = {"ok": False, "error_code": "runtime_error", "error": message, "traceback": user_tb}
    try:
        text = json.dumps(response)
    except MemoryError:
        text = json.dumps(
            {"ok": False, "error_code": "memory_limit", "error": "snippet exceeded its memory limit"}
        )
    out.write(text + "\n")
    out.flush()


if __name__ == "__main__":
    main()
    os._exit(0)
