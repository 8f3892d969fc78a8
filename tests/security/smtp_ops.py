"""A real SMTP server (aiosmtpd) for the outbox tests that can hold one message in flight:
it records the message (the server has it) and only then waits before answering 250."""

from __future__ import annotations

import asyncio
import threading
from email import message_from_bytes

from aiosmtpd.controller import Controller

from ..support.components import free_port


class CountingHandler:
    def __init__(self, hold_at: int | None = None):
        self.received: list[str] = []  # Message-IDs, in the order the server took them
        self.recipients: list[str] = []
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content)
        with self.lock:
            self.received.append(message["Message-ID"])
            self.recipients.extend(envelope.rcpt_tos)
            number = len(self.received)
        if number == self.hold_at:
            self.holding.set()
            await asyncio.sleep(60)  # the client is killed while it waits for our answer
        return "250 OK"


class SmtpServer:
    def __init__(self, hold_at: int | None = None):
        self.handler = CountingHandler(hold_at)
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
