"""Plain data types shared by the mail package (no parsing logic here)."""

# ruff: noqa: BLE001

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

T = TypeVar("T")

# Guard rails against hostile input (deeply nested MIME, huge charset sniffing).
MAX_DEPTH = 30


class MailParseError(ValueError):
    """The input is not an e-mail at all (empty, or no header block)."""


@dataclass(frozen=True)
class AutoClass:
    """Result of :func:`classify`: ``kind`` is normal/bounce/auto_reply/bulk."""

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

    def header(self, name: str, default: str = "") -> str:
        """First decoded value of header ``name`` (case-insensitive)."""
        values = self.headers.get(name.lower())
        return values[0] if values else default


def _safe(fn: Callable[[], T], default: T) -> T:
    try:
        return fn()
    except Exception:
        return default
