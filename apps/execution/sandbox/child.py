"""Sandbox child: a fresh `python -I -S -B child.py` with an empty environment; each process runs ONE snippet.

Two ways in: pool mode (stdin/stdout, one process per snippet) and fork-server mode (`--zygote FD`:
this interpreter forks one child per snippet). Either way the snippet runs in a process of its own.

Stdlib only: this file must never import Django or anything from the project. A child lives in an
empty network namespace, waits (warm) for one JSON request line, refuses itself sockets (a command
takes a network namespace of its own instead), applies the resource limits, drops root privileges (to
nobody), runs the snippet, writes one JSON response line and exits.
"""

# Modules snippets commonly use, imported before the limits and the privilege drop: a warm child runs
# them at once, and they stay importable where the interpreter's directory is unreadable to `nobody`.
import base64  # noqa: F401
import builtins
import collections  # noqa: F401
import contextlib
import copy  # noqa: F401
import csv  # noqa: F401
import ctypes  # noqa: F401
import datetime  # noqa: F401
import decimal  # noqa: F401
import functools  # noqa: F401
import gc
import hashlib  # noqa: F401
import io
import itertools  # noqa: F401
import json
import math
import operator  # noqa: F401
import os
import random  # noqa: F401
import re  # noqa: F401
import resource
import selectors
import signal
import socket
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


# A forked child may serve several requests of one execution (sandbox/session.py). Hard limits cannot
# be raised again once the child runs as nobody, so the CPU hard limit is set once, for all of them;
# each request gets a soft limit of its own (used so far + its budget), and the child says whether it
# has budget left for another (`reusable`). The parent's wall-clock timeout bounds every request too.
SESSION_MAX_REQUESTS = 16
_served = {"requests": 0, "cpu_hard": None}


def _cpu_used():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _apply_cpu_limit(cpu):
    cpu = int(cpu)
    if _served["cpu_hard"] is None:
        _served["cpu_hard"] = cpu * SESSION_MAX_REQUESTS + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, _served["cpu_hard"]))
        return
    soft = min(math.ceil(_cpu_used()) + cpu, _served["cpu_hard"] - 1)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, _served["cpu_hard"]))


def _reusable(limits):
    cpu = int(limits.get("cpu_seconds") or 1)
    hard = _served["cpu_hard"]
    enough_cpu = hard is None or math.ceil(_cpu_used()) + cpu + 1 <= hard
    return enough_cpu and _served["requests"] < SESSION_MAX_REQUESTS


def _apply_limits(limits):
    cpu = limits.get("cpu_seconds")
    if cpu is not None:
        _apply_cpu_limit(cpu)
    _limit(resource.RLIMIT_AS, limits.get("memory_bytes"))
    _limit(resource.RLIMIT_NOFILE, limits.get("max_open_files"))
    _limit(resource.RLIMIT_FSIZE, limits.get("max_file_bytes"))
    _limit(resource.RLIMIT_CORE, 0)
    if os.geteuid() == 0:
        uid = int(limits.get("uid") or NOBODY)
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
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


CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
_network = {"isolated": False, "own_namespace": False, "sockets_refused": False}
_libc_handle = []


def _libc():
    """The C library, loaded once: the fork server loads it before forking, so children share it (a
    CDLL per child builds a class and costs tens of microseconds of copy-on-write faults)."""
    if not _libc_handle:
        libc = ctypes.CDLL(None, use_errno=True)
        # ctypes builds a function object on an attribute's first lookup and keeps it on the CDLL:
        # done here, in the fork server, a child's prctl and unshare calls copy ~25 pages fewer.
        for name in ("prctl", "unshare", "mount"):
            getattr(libc, name)
        _libc_handle.append(libc)
    return _libc_handle[0]


def _isolate_network():
    """Move this process into a new, empty network namespace: no loopback services (Redis, the
    database), no outside network. Needs root or unprivileged user namespaces; best effort.

    The fork server does this once, so its children start in an empty namespace they share; what
    keeps concurrent snippets from talking to each other there (abstract unix sockets) is that they
    cannot create sockets (`_refuse_sockets`). A shell command gets a namespace of its own
    (`_own_network`), since it may create sockets (bwrap configures the loopback over netlink)."""
    if _network["isolated"]:
        return True
    try:
        libc = _libc()
        ok = libc.unshare(CLONE_NEWNET) == 0 or libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0
    except Exception:
        ok = False
    _network["isolated"] = ok
    return ok


def _own_network():
    """A new, empty network namespace for this process alone (~0.8 ms of CPU with its cleanup)."""
    if not _network["own_namespace"]:
        _network["isolated"] = False
        _network["own_namespace"] = _isolate_network()
    return _network["own_namespace"]


# A seccomp filter that makes socket(2) fail with EPERM: no network and no unix sockets (socketpair,
# which connects only the caller to itself, stays: asyncio needs it). Also refused: io_uring_setup
# (io_uring can open sockets without socket(2)) and, on x86_64, every x32-ABI syscall number (another
# path into the same calls). A syscall made through another architecture's ABI (int 0x80) kills the
# process. Installing it costs microseconds; a network namespace per process cost ~0.8 ms.
# Arch: (AUDIT_ARCH, numbers of socket and io_uring_setup, refuse the x32 range).
_SECCOMP_ARCHES = {
    "x86_64": (0xC000003E, (41, 425), True),
    "aarch64": (0xC00000B7, (198, 425), False),
}
PR_SET_SECCOMP, PR_SET_NO_NEW_PRIVS, SECCOMP_MODE_FILTER = 22, 38, 2
BPF_LD_W_ABS, BPF_JEQ_K, BPF_JGE_K, BPF_RET_K = 0x20, 0x15, 0x35, 0x06
SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_ERRNO, SECCOMP_RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
X32_SYSCALL_BIT, EPERM = 0x40000000, 1


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _socket_filter(machine):
    """The BPF program (struct sock_fprog) for `machine`, or None where its numbers are not known."""
    if machine not in _SECCOMP_ARCHES:
        return None
    arch, refused, x32 = _SECCOMP_ARCHES[machine]
    checks = ([(BPF_JGE_K, X32_SYSCALL_BIT)] if x32 else []) + [(BPF_JEQ_K, nr) for nr in refused]
    program = [
        (BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (BPF_JEQ_K, 1, 0, arch),
        (BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS),
        (BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        # each check jumps, when it matches, over the checks after it and the ALLOW to the ERRNO
        *[(op, len(checks) - i, 0, k) for i, (op, k) in enumerate(checks)],
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
        (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM),
    ]
    instructions = (_SockFilter * len(program))(*(_SockFilter(*op) for op in program))
    return _SockFprog(len(program), instructions)


_SOCKET_FILTER = _socket_filter(os.uname().machine)  # built once, in the fork server


def _refuse_sockets():
    """Install the socket filter on this process (and whatever it starts); False where it cannot be
    (unknown architecture, a kernel without seccomp filters)."""
    if _network["sockets_refused"]:
        return True
    if _SOCKET_FILTER is None:
        return False
    libc = _libc()
    ok = (
        libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
        and libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(_SOCKET_FILTER), 0, 0) == 0
    )
    _network["sockets_refused"] = ok
    return ok


def _isolate_request(command):
    """Network isolation for one request: a snippet cannot create sockets (in the fork server's empty
    namespace; in a namespace of its own where the filter is unavailable); a command gets its own
    empty namespace. Returns whether the request is isolated."""
    if command:
        return _own_network()
    if _refuse_sockets():
        return True
    return _own_network()


class CpuLimitExceeded(BaseException):
    """Raised by the SIGXCPU handler (soft CPU limit); the hard limit one second later kills."""


def _on_cpu_limit(signum, frame):
    raise CpuLimitExceeded


def _install_cpu_limit_handler():
    """Once per interpreter, before any request: forked children inherit it (setting it in each child
    cost ~30 copy-on-write page faults)."""
    signal.signal(signal.SIGXCPU, _on_cpu_limit)


def handle(line, write):
    """Run the request in `line` and `write` one JSON response line (`reusable`: this process may take
    another request of the same execution)."""
    request = json.loads(line.decode("utf-8"))
    command = request.get("kind") == "command"
    network_isolated = _isolate_request(command)
    if command:
        _import_subprocess()
    filesystem_isolated = _enter_workspace(request) if command else False
    _apply_limits(request.get("limits") or {})
    try:
        response = _run_command(request) if command else _run(request)
        if command:
            response["filesystem_isolated"] = filesystem_isolated
    except MemoryError:
        response = {"ok": False, "error_code": "memory_limit", "error": "snippet exceeded its memory limit"}
    except CpuLimitExceeded:
        response = {"ok": False, "error_code": "timeout", "error": "snippet exceeded its CPU time limit"}
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
    _served["requests"] += 1
    try:
        response["network_isolated"] = network_isolated
        response["reusable"] = (
            not command
            and response.get("error_code") in (None, "runtime_error", "invalid_output")
            and _reusable(request.get("limits") or {})
        )
        text = json.dumps(response)
    except MemoryError:
        text = json.dumps(
            {"ok": False, "error_code": "memory_limit", "error": "snippet exceeded its memory limit"}
        )
    write(text + "\n")


# --- shell commands (run_command / code_execute tools) -------------------------------------------
CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 4096, 16384, 1 << 18


def _mount(libc, source, target, fstype, flags, data):
    args = [x.encode() if isinstance(x, str) else x for x in (source, target, fstype, data)]
    if libc.mount(args[0], args[1], args[2], flags, args[3]) != 0:
        raise OSError(ctypes.get_errno(), f"mount {target} failed")


def _enter_workspace(request):
    """chdir into the workspace. As root, also give the process its own mount namespace in which every
    `hidden` path (the project, its data, other workspaces) is an empty tmpfs, /tmp is private and the
    workspace is bound back at its own path. Returns whether that filesystem isolation happened."""
    workspace = request["workspace"]
    os.chdir(workspace)
    if os.geteuid() != 0:
        return False
    libc = _libc()
    if libc.unshare(CLONE_NEWNS) != 0:
        return False
    keep = os.open(workspace, os.O_PATH | os.O_DIRECTORY)  # opened inside the new namespace
    try:
        _mount(libc, None, "/", None, MS_REC | MS_PRIVATE, None)
        for path in [*(request.get("hidden") or ()), "/tmp"]:
            if os.path.isdir(path):
                _mount(libc, "tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
        os.makedirs(workspace, exist_ok=True)
        _mount(libc, f"/proc/self/fd/{keep}", workspace, None, MS_BIND | MS_REC, None)
        os.chdir(workspace)
        return True
    except OSError:
        os.fchdir(keep)
        return False
    finally:
        os.close(keep)


class _Capture:
    """Keeps the first and last `limit // 2` bytes of a stream and counts what was dropped."""

    def __init__(self, limit):
        self.half = max(1, limit // 2)
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, chunk):
        room = self.half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        if len(self.tail) > self.half:
            self.dropped += len(self.tail) - self.half
            del self.tail[: len(self.tail) - self.half]

    def text(self):
        head, tail = self.head.decode("utf-8", "replace"), self.tail.decode("utf-8", "replace")
        if self.dropped:
            return f"{head}\n\n... [{self.dropped} bytes truncated] ...\n\n{tail}"
        return head + tail


def _import_subprocess():
    """subprocess, imported by the child that runs a command (as root, before the limits) rather than
    by the fork server: it brings `threading`, whose after-fork hook costs every child ~0.1 ms."""
    global subprocess
    import subprocess


def _run_command(request):
    """Run argv in its own process group; capped stdout/stderr and the exit code, or timed_out."""
    limit = int(request.get("max_output_bytes") or 50_000)
    proc = subprocess.Popen(
        request["argv"],
        env=request.get("env") or {},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        close_fds=True,
        start_new_session=True,
    )
    captures = {proc.stdout.fileno(): _Capture(limit), proc.stderr.fileno(): _Capture(limit)}
    deadline = time.monotonic() + float(request.get("timeout") or 30)
    exited_at = None
    with selectors.DefaultSelector() as selector:
        for fd in captures:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            now = time.monotonic()
            if exited_at is None and proc.poll() is not None:
                exited_at = now  # background jobs may hold the pipes open: drain briefly, then stop
            if now >= deadline or (exited_at is not None and now - exited_at > 0.2):
                break
            for key, _ in selector.select(min(deadline - now, 0.05)):
                chunk = os.read(key.fd, 65536)
                if chunk:
                    captures[key.fd].add(chunk)
                else:
                    selector.unregister(key.fd)
    try:  # the pipes closed (or the deadline passed): the exit status, within what is left of the time
        code, timed_out = proc.wait(timeout=max(0.0, deadline - time.monotonic())), False
    except subprocess.TimeoutExpired:
        code, timed_out = None, True
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)  # the command and whatever it left running
    proc.wait()
    out, err = captures[proc.stdout.fileno()], captures[proc.stderr.fileno()]
    return {
        "ok": True,
        "output": {"exit_code": code, "timed_out": timed_out},
        "stdout": out.text(),
        "stderr": err.text(),
    }


def main():
    """Pool mode: announce readiness on stdout, then serve the one request that arrives on stdin."""
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    _install_cpu_limit_handler()
    _warm_up()  # before "ready": the pool starts processes ahead of the requests they serve
    _own_network()
    out.write("ready\n")  # the pool hands out only processes that got this far
    out.flush()
    line = sys.stdin.buffer.readline()
    if not line:
        return
    sys.stdin.close()

    def write(text):
        out.write(text)
        out.flush()

    handle(line, write)


def _warm_up():
    """What a process's first snippet would otherwise set up for itself, done once in the fork server
    (children inherit it) or in a pool process before it says ready. The builtin compile() creates the
    interpreter's AST types on first use: ~1.2-2.3 ms and ~160-190 page faults in every forked child
    here. json's first parse and dump and the run's own objects add a little."""
    request = json.loads('{"code": "result = 1", "variables": {"a": {"b": [1, "x", 1.5, true, null]}}}')
    json.dumps(_run(request))


def zygote(control_fd):
    """Fork-server mode: this pristine interpreter forks one child per request and never runs snippets.

    Each request on the SOCK_SEQPACKET control socket carries the child's working directory and, as an
    SCM_RIGHTS fd, its data socket; the reply is the child's pid (its own session and process group).
    """
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished children
    _install_cpu_limit_handler()
    _warm_up()
    _libc()
    _isolate_network()  # once: children start in this empty namespace (see _isolate_network)
    gc.collect()
    gc.freeze()  # children's collections then skip the inherited objects: fewer copy-on-write faults
    control = socket.socket(fileno=control_fd)
    control.sendall(b"ready\n")
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 4096, 1)
        except OSError:
            os._exit(0)
        if not message or not fds:
            os._exit(0)
        pid = os.fork()
        if pid == 0:
            control.close()
            os.setsid()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _serve_forked(message.decode(), fds[0])
            os._exit(0)
        os.close(fds[0])
        control.sendall(str(pid).encode())


def _serve_forked(workdir, data_fd):
    os.chdir(workdir)
    # No warm-up snippet per child (the fork server warmed up once, `_warm_up`): it saved the first
    # request a few copy-on-write faults but cost every child more CPU than it saved. The data socket
    # is used through its fd: a socket object and a buffered reader over it cost a forked child ~60
    # copy-on-write page faults before its first request.
    _write_all(data_fd, b"ready\n")
    # One request, or several while the parent keeps the socket open (one execution's code nodes,
    # sandbox/session.py); end of input ends the process.
    pending = b""
    while True:
        line, pending = _read_line(data_fd, pending)
        if not line:
            return
        handle(line, lambda text: _write_all(data_fd, text.encode("utf-8")))


def _read_line(fd, pending):
    """(the next line, what was read after it); the line is b"" at end of input, or what came before
    it without a newline. A long line (large variables) is read in chunks joined once."""
    chunks = [pending]
    while b"\n" not in chunks[-1]:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks), b""
        chunks.append(chunk)
    line, _, rest = b"".join(chunks).partition(b"\n")
    return line + b"\n", rest


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--zygote":
        zygote(int(sys.argv[2]))
    else:
        main()
    os._exit(0)
