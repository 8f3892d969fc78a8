"""Bodies of the JSON API (INTERFACE.md): public intake and the staff endpoints."""

from __future__ import annotations

from typing import ClassVar, Literal

from flask_babel import lazy_gettext as _l
from pydantic import StrictInt

from .base import OneLine, Schema, TextBody


class RequestBody(Schema):
    """POST /api/v1/requests. Content rules (email format, lengths, service) are the web
    form's (forms.public.ApiRequestForm), applied after this."""

    name: OneLine
    email: OneLine | None = None
    phone: OneLine | None = None
    type: OneLine
    service: OneLine
    subject: OneLine
    message: TextBody
    #: optional (INTERFACE.md's body has none); when sent it must be exactly JSON true
    consent: Literal[True] | None = None
    idempotency_key: OneLine | None = None

    field_messages: ClassVar[dict[str, str]] = {
        "consent": _l("Persetujuan pemrosesan data pribadi harus bernilai true."),
    }


class StaffMessageBody(Schema):
    """POST /api/v1/tickets/<code>/messages."""

    kind: Literal["reply", "note"]
    body: TextBody
    status: OneLine | None = None

    field_messages: ClassVar[dict[str, str]] = {
        "kind": _l("kind harus reply atau note."),
    }


class AssignBody(Schema):
    """POST /api/v1/tickets/<code>/assign: an assignee's email or a unit code (transfer)."""

    assignee: OneLine | None = None
    unit: OneLine | None = None
    reason: TextBody | None = None
    #: the ticket version the caller saw (optimistic locking)
    version: StrictInt | None = None
