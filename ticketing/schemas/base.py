"""Parsing a JSON request body against a schema: 422 `{"errors": {field: message}}`, never 500.

Why pydantic (v2) rather than marshmallow/webargs: its Rust core parses the raw bytes itself
(`model_validate_json`), so a 100k-deep body, invalid UTF-8 or a lone surrogate escape ends in
a validation error instead of Python's recursive json module (RecursionError, a 500), and its
strict mode refuses `123` or `{}` for a string and `"no"`/`null` for `true` without coercion.
Type hints double as the documentation of each body. Content rules shared with the web form
(email format, lengths, choices) stay in forms.request_fields; the schema owns types and shape.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, TypeVar

from flask import abort, current_app, jsonify, make_response, request
from flask_babel import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, StrictStr, ValidationError
from pydantic_core import PydanticCustomError

from ..domain.text import normalize_newlines
from ..inputs import text_error

#: bodies larger than this are refused before parsing (413)
DEFAULT_JSON_MAX_BYTES = 256 * 1024


def _one_line(value: str) -> str:
    problem = text_error(value)
    if problem:
        raise PydanticCustomError("text", problem)
    return value.strip()


def _multi_line(value: str) -> str:
    problem = text_error(value, multiline=True)
    if problem:
        raise PydanticCustomError("text", problem)
    return normalize_newlines(value).strip()


#: a one-line string (name, subject, email...): no control characters, no line breaks
OneLine = Annotated[StrictStr, AfterValidator(_one_line)]
#: a multi-line body: TAB and line breaks allowed, other controls refused
TextBody = Annotated[StrictStr, AfterValidator(_multi_line)]


class Schema(BaseModel):
    """Strict types (no coercion); unknown keys are ignored so integrations may send more."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    #: field -> Indonesian message used for any error on that field (e.g. consent)
    field_messages: ClassVar[dict[str, str]] = {}


def _messages() -> dict[str, str]:
    return {
        "missing": _("Wajib diisi."),
        "string_type": _("Harus berupa teks."),
        "bool_type": _("Harus bernilai true atau false."),
        "int_type": _("Harus berupa bilangan bulat."),
        "literal_error": _("Nilai tidak dikenal."),
        "string_too_long": _("Terlalu panjang."),
        "string_too_short": _("Terlalu pendek."),
    }


def translate(error: ValidationError, schema: type[Schema]) -> dict[str, str]:
    """pydantic's errors as {field: Indonesian message}, the first one per field."""
    words = _messages()
    errors: dict[str, str] = {}
    for item in error.errors(include_input=False, include_url=False):
        loc = item.get("loc") or ()
        kind = item["type"]
        if not loc or kind in ("json_invalid", "model_type", "model_attributes_type"):
            if kind == "json_invalid" and "recursion" in item.get("msg", ""):
                errors.setdefault("body", _("JSON terlalu dalam bersarang."))
            elif kind == "json_invalid":
                errors.setdefault("body", _("Isi permintaan bukan JSON yang sah (UTF-8)."))
            else:
                errors.setdefault("body", _("Kirim objek JSON (Content-Type: "
                                            "application/json)."))
            continue
        field = str(loc[0])
        message = item["msg"] if kind == "text" else schema.field_messages.get(field)
        errors.setdefault(field, str(message or words.get(kind, _("Isian tidak valid."))))
    return errors


def invalid(errors: dict[str, str]):
    """Stop the request with 422 {"errors": ...}."""
    abort(make_response(jsonify({"errors": errors}), 422))


S = TypeVar("S", bound=Schema)


def parse_body(schema: type[S]) -> S:
    """The request's JSON body validated against `schema`, or a 422/413 response raised."""
    if not request.is_json:
        invalid({"body": _("Kirim objek JSON (Content-Type: application/json).")})
    limit = current_app.config.get("JSON_MAX_BYTES", DEFAULT_JSON_MAX_BYTES)
    if (request.content_length or 0) > limit:
        abort(413)
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        abort(413)
    try:
        return schema.model_validate_json(raw or b"null")
    except ValidationError as exc:
        invalid(translate(exc, schema))
        raise  # unreachable: invalid() raises
