"""Plain data types shared by the mail package (no parsing logic here)."""

# ruff: noqa: BLE001

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

T = TypeVar("T")

# Guard rails against hostile input (deeply nested MIME, huge charset sniffing).
MAX_DEPTH = 30


class MailParseError(ValueError):
    """The input is not an e-mail at all (empty, or no header block)."""


class MailParseTimeout(MailParseError):
    """Parsing took longer than the caller's time budget (a hostile or absurd message)."""


_DEADLINE: ContextVar[float | None] = ContextVar("mail_parse_deadline", default=None)


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Within this block check_budget() raises MailParseTimeout after `seconds`."""
    token = _DEADLINE.set(time.monotonic() + seconds if seconds else None)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_budget() -> None:
    """Called at the parser's loop points: a cooperative per-message time budget."""
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline:
        raise MailParseTimeout("batas waktu pemrosesan satu surel terlampaui")


@dataclass(frozen=True)
class AutoClass:
    """Result of :func:`classify`: ``kind`` is "normal" or one of classify.KINDS."""

    kind: str
    reason: str = ""


@dataclass
class ParsedAttachment:
    """One attachment, with its exact decoded bytes."""

    filename: str
    content_type: str
    payload: bytes
    is_inline: bool = False
    content_id: str | None = None
    #: a file of a message forwarded as an attachment, taken out beside it (it is also in
    #: that message's .eml)
    from_forward: bool = False

    @property
    def size(self) -> int:
        return len(self.payload)


@dataclass
class ParsedMail:
    """Everything the ticketing layer needs from one raw message."""

    message_id: str
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_name: str = ""
    from_email: str = ""
    reply_to_email: str = ""
    reply_to_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    date: datetime | None = None
    text: str = ""
    html_sanitized: str | None = None
    new_text: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    headers: dict[str, list[str]] = field(default_factory=dict)
    auto: AutoClass = field(default_factory=lambda: AutoClass("normal", ""))
    defects: list[str] = field(default_factory=list)
    #: the readable text of each message attached to this one (a forward "as attachment":
    #: message/rfc822), its own header lines first; `text` and `new_text` stay this message's
    forwarded: list[str] = field(default_factory=list)

    @property
    def new_content(self) -> str:
        """What the sender says: the new text (no quoted reply) and what they forwarded."""
        return "\n\n".join(t for t in (self.new_text.strip(), *self.forwarded) if t)

    @property
    def full_content(self) -> str:
        """The whole text with the messages forwarded as attachments."""
        return "\n\n".join(t for t in (self.text.strip(), *self.forwarded) if t)

    def header(self, name: str, default: str = "") -> str:
        """First decoded value of header ``name`` (case-insensitive)."""
        values = self.headers.get(name.lower())
        return values[0] if values else default


def _safe(fn: Callable[[], T], default: T) -> T:
    try:
        return fn()
    except MailParseTimeout:
        raise
    except Exception:
        return default
