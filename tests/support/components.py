"""Real components for the tests (SMTP, PostgreSQL) and the CI rule about skips."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing_component(what: str) -> None:
    """Skip locally; in CI a missing component fails the run (a skip there would hide it)."""
    if IN_CI:
        pytest.fail(f"component missing in CI: {what}", pytrace=False)
    pytest.skip(f"component missing: {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- SMTP (aiosmtpd)

@dataclass
class CaughtMail:
    envelope_from: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


@dataclass
class SMTPServer:
    host: str
    port: int
    messages: list[CaughtMail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def to(self, address: str) -> list[CaughtMail]:
        with self.lock:
            return [m for m in self.messages if address in m.recipients]


class _Handler:
    def __init__(self, server: SMTPServer):
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):
        with self.server.lock:
            self.server.messages.append(CaughtMail(envelope.mail_from, list(envelope.rcpt_tos),
                                                   bytes(envelope.original_content)))
        return "250 OK"


def start_smtp():
    from aiosmtpd.controller import Controller

    server = SMTPServer("127.0.0.1", free_port())
    controller = Controller(_Handler(server), hostname=server.host, port=server.port)
    controller.start()
    return server, controller


# ---------------------------------------------------------------- PostgreSQL

def create_pg_database(base_url: str) -> tuple[str, callable]:
    """A throw-away database on the server of base_url; returns (url, drop)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    name = f"ticketing_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def PG_URL_ENV() -> str:
    return os.environ["TEST_DATABASE_URL"]
