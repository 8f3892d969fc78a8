"""The development mail catcher: an SMTP sink on a loopback port that keeps every message it
receives as a file in the instance folder (`instance/devmail/`), and the reading side used by
the development-only staff page. Started by `make run` (ticketing.devserver); never used in
production, where MAIL_SERVER points at a real relay.

Run on its own: ``python -m ticketing.devmail --port 1025 --dir instance/devmail``.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

#: stored file names: <UTC time>-<random>.eml (sortable by arrival)
NAME = re.compile(r"^\d{8}T\d{6}\d{6}Z-[0-9a-f]{12}\.eml$")


class MailSink:
    """aiosmtpd handler: accept every message and write it, envelope first, to `directory`."""

    def __init__(self, directory: str | os.PathLike[str]):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.store(envelope.mail_from, envelope.rcpt_tos, envelope.original_content
                   or envelope.content)
        return "250 Message accepted for delivery"

    def store(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        envelope = (f"X-Devmail-Envelope-From: {mail_from}\r\n"
                    f"X-Devmail-Envelope-To: {', '.join(rcpt_tos)}\r\n").encode()
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(envelope + content)
        final = self.directory / name
        os.replace(tmp, final)  # readers never see half a message
        return final


@dataclass(frozen=True)
class CaughtMail:
    name: str
    received: datetime
    sender: str
    to: str
    subject: str
    message: EmailMessage

    @property
    def text(self) -> str | None:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else None

    @property
    def html(self) -> str | None:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else None

    @property
    def attachments(self) -> list[tuple[str, str, int]]:
        return [(part.get_filename() or "-", part.get_content_type(),
                 len(part.get_payload(decode=True) or b""))
                for part in self.message.iter_attachments()]


def _read(path: Path) -> CaughtMail:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    try:
        received = parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        received = None
    if received is None or received.tzinfo is None:
        received = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return CaughtMail(path.name, received.astimezone(UTC), str(message["From"] or ""),
                      str(message["To"] or message["X-Devmail-Envelope-To"] or ""),
                      str(message["Subject"] or ""), message)


def list_mail(directory: str | os.PathLike[str], page: int, per_page: int
              ) -> tuple[list[CaughtMail], int]:
    """One page of caught mail, newest first, and the number of messages."""
    folder = Path(directory)
    names = sorted((n for n in os.listdir(folder) if NAME.match(n)), reverse=True) \
        if folder.is_dir() else []
    start = (page - 1) * per_page
    return [_read(folder / n) for n in names[start:start + per_page]], len(names)


def read_mail(directory: str | os.PathLike[str], name: str) -> CaughtMail | None:
    """One caught message by its file name (anything not of our naming is unknown)."""
    path = Path(directory) / name
    if not NAME.match(name) or not path.is_file():
        return None
    return _read(path)


def main(argv: list[str] | None = None) -> int:
    from aiosmtpd.controller import Controller  # a development dependency

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", default="instance/devmail")
    args = parser.parse_args(argv)
    controller = Controller(MailSink(args.dir), hostname=args.host, port=args.port)
    controller.start()
    print(f"devmail: SMTP on {args.host}:{args.port}, messages in {args.dir}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
