"""Which characters a piece of text sent to us may contain (every channel, every field).

One rule for web forms, the JSON API and query parameters:
- nowhere: NUL (PostgreSQL cannot store it), the other C0 controls and DEL, and lone UTF-16
  surrogates (not encodable as UTF-8);
- in a one-line field (name, subject, email, phone, search...): no line breaks either (CR, LF,
  NEL, U+2028/2029), since such values end up in mail headers and log lines; TAB is allowed;
- in a multi-line body: TAB, LF and CR (browsers send CRLF) are allowed.
"""

from __future__ import annotations

import re

#: a reason code per problem (the web layer words them in Indonesian)
NUL = "nul"
LINE_BREAK = "line_break"
CONTROL = "control"
SURROGATE = "surrogate"

_SURROGATES = "\ud800-\udfff"
_MULTI_LINE_BAD = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f{_SURROGATES}]")
_ONE_LINE_BAD = re.compile(f"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029{_SURROGATES}]")
_LINE_BREAKS = frozenset("\r\n\x0b\x0c\x85\u2028\u2029")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """The reason `value` cannot be accepted (one of the codes above), or None."""
    found = (_MULTI_LINE_BAD if multiline else _ONE_LINE_BAD).search(value)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return NUL
    if "\ud800" <= char <= "\udfff":
        return SURROGATE
    if char in _LINE_BREAKS and not multiline:
        return LINE_BREAK
    if "\x00" in value:  # NUL anywhere is the more precise answer
        return NUL
    return CONTROL


def normalize_newlines(value: str) -> str:
    """CRLF and lone CR as LF (a textarea sends CRLF; stored text uses LF)."""
    return value.replace("\r\n", "\n").replace("\r", "\n")
