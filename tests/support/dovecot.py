"""A real Dovecot IMAP server for the tests: own config, mail store and sockets under a
throw-away directory, plaintext login on a free loopback port.

Runs as root (CI) with Dovecot's own unprivileged users for its internal and login
processes and `nobody` owning the mail, or, without root, everything as the current user.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from imap_tools import MailBoxUnencrypted

from .components import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"
PASSWORD = "rahasia-imap"
ACCOUNTS = 500

CONFIG = """\
instance_name = ticketing-test-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# A refused login is answered at once, and the login after it is not held back either
# (Dovecot's brakes on guessing, up to 2 s and 4 s here, that a test would only wait out):
# no failure delay, and the tests' own address is trusted, which waives the auth penalty.
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@dataclass
class Dovecot:
    host: str
    port: int
    root: Path
    process: subprocess.Popen
    mail_uid: int
    mail_gid: int
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))

    def new_account(self) -> str:
        """A fresh user with an empty mailbox (one per test: no state leaks between tests).

        The users are all written before Dovecot starts: it re-reads a changed passwd-file
        only when it notices the change, which within one second it may not."""
        n = next(self._seq)
        if n > ACCOUNTS:
            raise RuntimeError(f"more than {ACCOUNTS} test mailboxes in one run")
        return f"layanan{n}"

    def mailbox(self, user: str) -> MailBoxUnencrypted:
        return MailBoxUnencrypted(self.host, self.port, timeout=10).login(user, PASSWORD)

    def deliver(self, user: str, *messages: bytes, folder: str = "INBOX") -> None:
        """Put messages into a folder with IMAP APPEND, as an MTA's delivery would."""
        with self.mailbox(user) as box:
            for raw in messages:
                box.append(raw, folder)

    def folder_counts(self, user: str) -> dict[str, int]:
        with self.mailbox(user) as box:
            return {f.name: box.folder.status(f.name)["MESSAGES"] for f in box.folder.list()}

    def raw_messages(self, user: str, folder: str) -> list[bytes]:
        with self.mailbox(user) as box:
            box.folder.set(folder)
            out = []
            for uid in box.uids():
                _typ, data = box.client.uid("FETCH", uid, "(BODY.PEEK[])")
                out += [bytes(item[1]) for item in data if isinstance(item, tuple)]
            return out

    def kick(self, user: str) -> None:
        """Drop the user's IMAP connections from the server side (a server restart or a
        network cut, as the client sees it)."""
        subprocess.run([DOVEADM, "-c", str(self.root / "dovecot.conf"), "kick", user],
                       capture_output=True, timeout=30, check=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stderr is not None:
            self.process.stderr.close()
        shutil.rmtree(self.root, ignore_errors=True)


def _users() -> tuple[str, str, str, int, int]:
    """(internal user, its group, login user, mail uid, mail gid)."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        group = _group_name(me.pw_gid)
        return me.pw_name, group, me.pw_name, me.pw_uid, me.pw_gid
    internal = _first_user("dovecot")
    login = _first_user("dovenull", "nobody")
    nobody = pwd.getpwnam("nobody")
    return internal, _group_name(pwd.getpwnam(internal).pw_gid), login, nobody.pw_uid, \
        nobody.pw_gid


def _first_user(*names: str) -> str:
    for name in names:
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError(f"none of the users {names} exists")


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


def start_dovecot() -> Dovecot:
    """Start Dovecot in the foreground on a free loopback port; raises RuntimeError when it
    cannot (not installed, refuses the config, does not answer)."""
    if not os.path.exists(DOVECOT):
        raise RuntimeError(f"{DOVECOT} not found (Debian: apt-get install dovecot-imapd)")
    internal, group, login, uid, gid = _users()
    # Not under pytest's 0700 tmp dir: Dovecot's login processes run as another user and
    # must reach the sockets in base_dir.
    root = Path(tempfile.mkdtemp(prefix="ticketing-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    (root / "mail").chmod(0o755)
    lines = []
    for n in range(1, ACCOUNTS + 1):
        home = root / "mail" / f"layanan{n}"
        home.mkdir()
        os.chown(home, uid, gid)
        lines.append(f"layanan{n}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{home}::\n")
    (root / "passwd").write_text("".join(lines), encoding="ascii")
    (root / "passwd").chmod(0o644)
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port, internal_user=internal,
                                    internal_group=group, login_user=login), encoding="ascii")
    check = subprocess.run([DOVECOT, "-c", str(config), "-n"], capture_output=True, text=True,
                           timeout=30, check=False)
    if check.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"dovecot rejects the test config: {check.stderr.strip()}")
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    server = Dovecot("127.0.0.1", port, root, process, uid, gid)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            log = server.log()
            server.stop()
            raise RuntimeError(f"dovecot exited ({process.returncode}): {err} {log}".strip())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("dovecot did not answer on its port within 15 s")
