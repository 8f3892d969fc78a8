"""Bodies of the JSON API (INTERFACE.md): public intake and the staff endpoints."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, Field, StrictBool, StrictInt
from pydantic_core import PydanticCustomError

from ..inputs import MAX_ID
from .base import OneLine, Schema, TextBody


def _true(value: bool) -> bool:
    if value is not True:
        raise PydanticCustomError("not_true", "consent")
    return value


ExactlyTrue = Annotated[StrictBool, AfterValidator(_true)]


class RequestBody(Schema):
    """POST /api/v1/requests. Content rules (email format, lengths, service) are the web
    form's (forms.request_fields.check), applied after this."""

    name: OneLine
    email: OneLine | None = None
    phone: OneLine | None = None
    type: OneLine
    service: OneLine
    subject: OneLine
    message: TextBody
    #: optional (INTERFACE.md's body has none); when sent it must be exactly JSON true:
    #: null, false, 1, "true", "ya" are refused (the default None is never validated)
    consent: ExactlyTrue = None  # type: ignore[assignment]
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
    version: Annotated[StrictInt, Field(ge=0, le=MAX_ID)] | None = None
