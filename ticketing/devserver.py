"""`make run`: the web app, the scheduler and a local mail catcher side by side.

A small supervisor instead of a shell `trap`: it starts the three processes, and
- SIGTERM, SIGINT (Ctrl-C) or SIGHUP stops all of them and exits 0;
- any of them ending on its own stops the others and exits 1;
- the children die with it even if it is killed outright (Linux parent-death signal), so
  nothing is left behind.
The mail catcher is only started when MAIL_SERVER is not set (a real relay is used as is).

    python -m ticketing.devserver [--port 5000] [--mail-port 1025]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import ROOT
from .config import development_secret_key

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
GRACE_SECONDS = 10


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(OSError):  # not Linux: the supervisor's own stop still applies
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log(text: str) -> None:
    print(f"devserver: {text}", file=sys.stderr, flush=True)


def _commands(args, instance: Path, env: dict[str, str]) -> dict[str, list[str]]:
    python = sys.executable
    commands = {
        "web": [python, "-m", "flask", "--app", "ticketing", "run", "--host", args.host,
                "--port", str(args.port)],
        "scheduler": [python, str(ROOT / "scheduler.py")],
    }
    if not os.environ.get("MAIL_SERVER"):
        port = args.mail_port if args.mail_port and _port_free(args.mail_port) else _free_port()
        folder = os.environ.get("DEV_MAIL_DIR") or str(instance / "devmail")
        commands["mail"] = [python, "-m", "ticketing.devmail", "--port", str(port),
                            "--dir", folder]
        env.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), MAIL_USE_TLS="false",
                   MAIL_USE_SSL="false", DEV_MAIL_DIR=folder)
        _log(f"mail goes to the catcher on 127.0.0.1:{port}; read it at "
             f"http://{args.host}:{args.port}/staf/dev/surat-keluar/ (files in {folder})")
    return commands


def _caught_stop_signals(pid: int) -> int | None:
    """The stop signals `pid` has handlers for (Linux /proc), None when unknown."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("SigCgt:"):
                    mask = int(line.split()[1], 16)
                    return sum(1 << (s - 1) for s in STOP_SIGNALS if mask & (1 << (s - 1)))
    except OSError:
        pass
    return None


class ParentWatch:
    """Notices the parent (make) stopping: it died (we were re-parented), or it is handling a
    fatal signal. GNU make resets a signal's handler as it starts handling it, but forwards
    only TERM to its children; `kill -INT <make>` alone would leave make waiting for us."""

    def __init__(self) -> None:
        self.pid = os.getppid()
        self.caught = _caught_stop_signals(self.pid)

    def stopping(self) -> bool:
        if os.getppid() != self.pid:
            return True
        if not self.caught:
            return False
        now = _caught_stop_signals(self.pid)
        return now is not None and now != self.caught


def _stop(children: dict[str, subprocess.Popen]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    for name, child in children.items():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _log(f"{name} did not stop within {GRACE_SECONDS} s: killed")
            child.kill()
            child.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="web app, scheduler and mail catcher")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 5000))
    parser.add_argument("--mail-port", type=int,
                        default=int(os.environ.get("DEV_MAIL_PORT") or 1025))
    args = parser.parse_args(argv)

    instance = Path(os.environ.get("INSTANCE_PATH") or ROOT / "instance")
    env = dict(os.environ, PORT=str(args.port), FLASK_APP="ticketing")
    if not env.get("SECRET_KEY"):
        development_secret_key(str(instance))  # made once, before the children race for it
    requested = threading.Event()
    for sig in STOP_SIGNALS:
        signal.signal(sig, lambda *_: requested.set())

    children: dict[str, subprocess.Popen] = {}
    try:
        for name, command in _commands(args, instance, env).items():
            # Own session: a Ctrl-C reaches only this supervisor, which stops them in order.
            children[name] = subprocess.Popen(command, env=env, cwd=ROOT,
                                              start_new_session=True,
                                              preexec_fn=_die_with_parent)
        _log(f"web on http://{args.host}:{args.port}/ (pids: "
             + ", ".join(f"{n} {c.pid}" for n, c in children.items()) + "); Ctrl-C stops all")
        parent = ParentWatch()
        while not requested.wait(0.2):
            if parent.stopping():
                _log("the parent process is stopping")
                break
            ended = [name for name, child in children.items() if child.poll() is not None]
            if ended:
                _log(f"{ended[0]} ended (exit {children[ended[0]].returncode}): stopping the rest")
                return 1
        _log("stopping")
        return 0
    finally:
        _stop(children)


if __name__ == "__main__":
    raise SystemExit(main())
