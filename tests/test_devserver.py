"""`make run` as a newcomer uses it: real processes (make, the supervisor, flask, the scheduler,
the mail catcher), real signals. A request's acknowledgement lands in the catcher with a link to
this PORT that still opens after a restart, and every way of stopping leaves no process."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ticketing import ROOT

pytestmark = [pytest.mark.real_clock, pytest.mark.slow]
STARTED = re.compile(r"pids: web (\d+), scheduler (\d+), mail (\d+)")
CATCHER = re.compile(r"catcher on 127\.0\.0\.1:(\d+)")


def free_ports(count: int) -> list[int]:
    """Ports nothing listens on now, all different: held together while they are chosen (one
    after the other, the kernel may hand out the port just closed again, and the web server
    and the mail catcher got the same one)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def _terminal_signals() -> None:
    """INT and TERM as a shell's foreground job gets them (a pytest-xdist worker ignores
    SIGINT, and an ignored signal stays ignored across exec)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


class Run:
    """`make -o seed run` (the database is prepared by the test) or the supervisor alone."""

    def __init__(self, instance: Path, *, via_make: bool = True):
        self.port, mail_port = free_ports(2)
        self.log = instance / f"run-{self.port}.log"
        env = dict(os.environ, INSTANCE_PATH=str(instance), PORT=str(self.port),
                   DATABASE_URL=f"sqlite:///{instance}/dev.sqlite3", APP_ENV="development",
                   DEV_MAIL_PORT=str(mail_port), PYTHONUNBUFFERED="1")
        for name in ("SECRET_KEY", "PUBLIC_BASE_URL", "MAIL_SERVER", "MAIL_PORT", "FLASK_APP"):
            env.pop(name, None)
        self.env = env
        command = (["make", "--no-print-directory", "-o", "seed", "run",
                    f"PY={sys.executable}"] if via_make
                   else [sys.executable, "-m", "ticketing.devserver"])
        with open(self.log, "wb") as out:
            # Its own process group, like a terminal's foreground job (for the Ctrl-C case).
            self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=_terminal_signals)
        self.pids = self._wait_started()
        self.base = f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def _wait_started(self) -> list[int]:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = STARTED.search(self.output())
            if found and self._answers():
                return [int(p) for p in found.groups()]
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        self.proc.kill()
        pytest.fail(f"make run did not start:\n{self.output()}")

    def _answers(self) -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2)
        except (urllib.error.URLError, OSError):
            return False
        return True

    def wait(self) -> int:
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            pytest.fail(f"did not stop:\n{self.output()}")

    def assert_all_gone(self) -> None:
        deadline = time.monotonic() + 10  # a child may still be exiting after a SIGKILL'd parent
        while any(alive(p) for p in self.pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [p for p in self.pids if alive(p)] == [], self.output()
        assert "Segmentation fault" not in self.output()


@pytest.fixture
def instance(tmp_path, sqlite_template):
    """An instance folder with a migrated-equivalent database holding the catalogue."""
    shutil.copyfile(sqlite_template, tmp_path / "dev.sqlite3")
    from ticketing import create_app
    from ticketing.config import TestConfig
    from ticketing.extensions import db
    from ticketing.services.catalogue import seed_catalogue

    app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/dev.sqlite3"})
    with app.app_context():
        seed_catalogue()
        db.session.commit()
        db.engine.dispose()
    return tmp_path


def submit(base: str) -> dict:
    body = {"name": "Siti Aminah", "email": "siti@example.com", "type": "informasi",
            "service": "sertifikat-halal", "subject": "Sertifikat halal",
            "message": "Bagaimana cara mendaftar sertifikat halal gratis?"}
    request = urllib.request.Request(f"{base}/api/v1/requests", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return json.loads(response.read())


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_mail_is_caught_links_use_the_port_and_survive_a_restart(instance):
    run = Run(instance)
    created = submit(run.base)
    assert created["tracking_url"].startswith(f"{run.base}/lacak/{created['code']}?t=")
    # The scheduler flushes every minute; the same flush by hand, to the catcher.
    mail_port = CATCHER.search(run.output()).group(1)
    flushed = subprocess.run([sys.executable, "-m", "flask", "--app", "ticketing", "mail",
                              "flush"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                             env=dict(run.env, MAIL_SERVER="127.0.0.1", MAIL_PORT=mail_port))
    assert flushed.returncode == 0, flushed.stderr
    deadline = time.monotonic() + 10
    while not list((instance / "devmail").glob("*.eml")) and time.monotonic() < deadline:
        time.sleep(0.1)
    caught = [p.read_text(errors="replace") for p in (instance / "devmail").glob("*.eml")]
    mine = [text for text in caught if created["code"] in text]
    assert mine, caught
    link = re.search(rf"{re.escape(run.base)}/lacak/{created['code']}\?t=[\w.\-=]+", mine[0])
    assert link, mine[0]
    assert status_of(link.group()) == 200
    os.kill(run.proc.pid, signal.SIGTERM)  # TERM to make
    assert run.wait() == -signal.SIGTERM  # make re-raises the signal it got, as make does
    run.assert_all_gone()
    assert "devserver: stopping" in run.output()

    # Same instance folder, new processes: the development key is the one made the first time.
    again = Run(instance)
    assert status_of(link.group().replace(str(run.port), str(again.port))) == 200
    os.killpg(again.proc.pid, signal.SIGINT)  # Ctrl-C in the terminal: the whole job
    assert again.wait() in (-signal.SIGINT, 130)
    again.assert_all_gone()
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0


def test_int_to_make_stops_everything(instance):
    run = Run(instance)
    os.kill(run.proc.pid, signal.SIGINT)
    run.wait()
    run.assert_all_gone()


def test_a_child_dying_stops_the_others_and_fails(instance):
    run = Run(instance)
    _web, scheduler, _mail = run.pids
    os.kill(scheduler, signal.SIGKILL)
    assert run.wait() == 2  # make: the recipe failed (the supervisor exits 1)
    run.assert_all_gone()
    assert "scheduler ended" in run.output()


def test_the_supervisor_exits_0_on_a_requested_stop_and_its_children_never_outlive_it(instance):
    run = Run(instance, via_make=False)
    os.kill(run.proc.pid, signal.SIGTERM)
    assert run.wait() == 0
    run.assert_all_gone()

    killed = Run(instance, via_make=False)
    os.kill(killed.proc.pid, signal.SIGKILL)  # no chance to clean up: the kernel tells them
    killed.wait()
    killed.assert_all_gone()
