"""Header values: RFC 2047 words, RFC 2231 parameters, addresses, dates, id lists."""

# ruff: noqa: BLE001

from __future__ import annotations

import base64
import binascii
import itertools
import re
from datetime import UTC, datetime, timezone
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime, parsedate_tz

from .charset import _clean_text, decode_bytes

# ---------------------------------------------------------------------------
# Header decoding
# ---------------------------------------------------------------------------


_BLANK_LINE_RE = re.compile(rb"\r?\n\r?\n")


def header_block_end(raw: bytes) -> int:
    """Where a raw message's header block ends: the start of its first blank line (the
    whole message when it has none)."""
    match = _BLANK_LINE_RE.search(raw)
    return match.start() if match else len(raw)


_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]+?)\?([bBqQ])\?(.*?)\?=", re.DOTALL)
_FOLD_RE = re.compile(r"\r?\n(?=[ \t])")
_WS_RE = re.compile(r"\s+")


def _raw_to_bytes(value: str) -> bytes:
    """Recover original bytes of a header/payload string parsed with surrogateescape."""
    return value.encode("utf-8", "surrogateescape")


def _b_decode(text: str) -> bytes:
    data = re.sub(r"[^A-Za-z0-9+/=_-]", "", text).rstrip("=")
    data = data.replace("-", "+").replace("_", "/")  # url-safe alphabet seen in the wild
    if len(data) % 4 == 1:
        data = data[:-1]
    try:
        return base64.b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return b""


def _q_decode(text: str) -> bytes:
    raw = _raw_to_bytes(text.replace("_", " "))
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


def decode_header_text(value: object, hint: str | None = None) -> str:
    """Decode an unstructured header value: 8-bit bytes, RFC 2047 words, folding.

    Adjacent encoded words in the same charset are joined *before* decoding,
    because senders split multi-byte characters across words.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = _FOLD_RE.sub("", text).replace("\r", "").replace("\n", " ")
    # Raw 8-bit bytes (RFC 6532 UTF-8 headers or undeclared legacy charsets).
    if any("\udc80" <= ch <= "\udcff" for ch in text) or not text.isascii():
        text = decode_bytes(_raw_to_bytes(text), None, hint=hint)
    if "=?" not in text:
        return _clean_text(text)

    pieces: list[tuple[str | None, bytes | str]] = []  # (charset, bytes) or (None, text)
    pos = 0
    for match in _ENCODED_WORD_RE.finditer(text):
        between = text[pos : match.start()]
        # Whitespace between two encoded words is not part of the text (RFC 2047 6.2).
        if between and not (between.isspace() and pieces and pieces[-1][0] is not None):
            pieces.append((None, between))
        charset, enc, payload = match.group(1), match.group(2).upper(), match.group(3)
        data = _b_decode(payload) if enc == "B" else _q_decode(payload)
        charset_key = (charset.split("*", 1)[0] or "").lower()
        prev = pieces[-1][1] if pieces and pieces[-1][0] == charset_key else None
        if isinstance(prev, bytes):
            pieces[-1] = (charset_key, prev + data)
        else:
            pieces.append((charset_key, data))
        pos = match.end()
    if pos < len(text):
        pieces.append((None, text[pos:]))
    out: list[str] = []
    for charset, data in pieces:
        if isinstance(data, bytes):
            out.append(decode_bytes(data, charset, hint=hint))
        else:
            out.append(data)
    return _clean_text("".join(out))


def _fold_ws(text: str) -> str:
    return _WS_RE.sub(" ", text).strip()


# ---------------------------------------------------------------------------
# MIME parameters (RFC 2045 / RFC 2231) parsed from the raw header value
# ---------------------------------------------------------------------------


def _split_params(value: str) -> list[str]:
    """Split on ';' outside quotes."""
    parts: list[str] = []
    buf: list[str] = []
    quoted = False
    escaped = False
    for ch in value:
        if escaped:
            buf.append(ch)
            escaped = False
        elif ch == "\\" and quoted:
            buf.append(ch)
            escaped = True
        elif ch == '"':
            quoted = not quoted
            buf.append(ch)
        elif ch == ";" and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == '"':
        end = value.rfind('"')
        inner = value[1:end] if end > 0 else value[1:]
        return re.sub(r"\\(.)", r"\1", inner)
    return value


def parse_header_params(
    raw_value: str | None, hint: str | None = None
) -> tuple[str, dict[str, str]]:
    """Parse ``type/sub; a=b; name*0*=...`` into (lowercased value, params).

    Handles RFC 2231 charset/continuations, encoded words inside quoted values
    (non-standard but common) and raw 8-bit values.
    """
    if not raw_value:
        return "", {}
    text = _FOLD_RE.sub("", str(raw_value)).replace("\r", "").replace("\n", " ")
    chunks = _split_params(text)
    main = chunks[0].strip().lower()
    simple: dict[str, str] = {}
    extended: dict[str, dict[int, tuple[str, bool]]] = {}
    for chunk in chunks[1:]:
        if "=" not in chunk:
            continue
        key, _, val = chunk.partition("=")
        key = key.strip().lower()
        if not key:
            continue
        m = re.fullmatch(r"([^*]+)\*(?:(\d+)\*?|)", key)
        if m and (key.endswith("*") or m.group(2) is not None):
            name, idx = m.group(1), int(m.group(2) or 0)
            encoded = key.endswith("*")
            extended.setdefault(name, {})[idx] = (
                _unquote(val) if not encoded else val.strip().strip('"'),
                encoded,
            )
        elif key not in simple:
            simple[key] = _unquote(val)
    params: dict[str, str] = {}
    for name, pieces in extended.items():
        charset: str | None = None
        data = b""
        for i, idx in enumerate(sorted(pieces)):
            piece, encoded = pieces[idx]
            if encoded:
                if i == 0 and piece.count("'") >= 2:
                    charset, _lang, piece = piece.split("'", 2)
                data += re.sub(
                    rb"%([0-9A-Fa-f]{2})",
                    lambda mm: bytes([int(mm.group(1), 16)]),
                    _raw_to_bytes(piece),
                )
            else:
                data += _raw_to_bytes(piece)
        params[name] = decode_header_text(decode_bytes(data, charset or None, hint=hint), hint)
    for name, val in simple.items():
        if name not in params:
            params[name] = decode_header_text(val, hint)
    return main, params


# ---------------------------------------------------------------------------
# Addresses, dates, message ids
# ---------------------------------------------------------------------------

# \w is Unicode-aware: RFC 6532 allows UTF-8 in local parts and domains.
_EMAIL_RE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@\w(?:[\w.-]*\w)?")
_QUOTED_LOCAL_RE = re.compile(r'"[^"\\\r\n]{1,64}"@\w(?:[\w.-]*\w)?')
_ADDR_ANGLE_RE = re.compile(r"<\s*([^<>\s]+@[^<>\s]+)\s*>")


def _address_text(addr: str) -> str:
    """An address with raw 8-bit bytes: UTF-8 (RFC 6532) or nothing, never a guess."""
    if addr.isascii():
        return addr
    return _raw_to_bytes(addr).decode("utf-8", "replace") if max(addr) >= "\udc80" else addr


def _parse_addresses(
    raw_values: list[str], hint: str | None = None, allow_bare: bool = False
) -> list[tuple[str, str]]:
    """Parse address headers into (display name, lowercased email) pairs.

    ``allow_bare`` accepts a domain-less local part ("MAILER-DAEMON (Mail
    Delivery System)") when the header holds no address at all.
    """
    result: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(name: str, email: str) -> None:
        if email not in seen:
            seen.add(email)
            display = _fold_ws(decode_header_text(name, hint)).strip("\"' ")
            result.append(("" if display.lower() == email else display, email))

    for raw in raw_values:
        raw_str = _FOLD_RE.sub("", raw).replace("\r", " ").replace("\n", " ")
        # Split into addresses on the raw text (8-bit bytes kept as surrogates, encoded words
        # kept): a bad guess at the display name's charset must never touch the address, and
        # an encoded "," cannot split an address. Each name is decoded on its own.
        try:
            pairs = getaddresses([raw_str])
        except Exception:
            pairs = []
        found = [(name, email) for name, addr in pairs if (email := _pair_address(addr))]
        for name, email in found:
            add(name, email)
        if not found:
            # getaddresses gave up (unbalanced quotes, newlines...): scrape addresses.
            for name, email in _scraped_addresses(raw_str, pairs, allow_bare and not result):
                add(name, email)
    return result


def _pair_address(addr: str) -> str:
    """The lower-cased address in a getaddresses() value, '' when there is none."""
    addr = _address_text(addr.strip().strip("<>").strip())
    if _QUOTED_LOCAL_RE.fullmatch(addr):
        return addr.lower()  # '"John Smith"@example.com' is a valid (if rare) address
    if "@" in addr and _EMAIL_RE.fullmatch(addr):
        return addr.lower()
    m = _EMAIL_RE.search(addr)
    return m.group().lower() if m else ""


def _scraped_addresses(raw_str: str, pairs: list[tuple[str, str]],
                       allow_bare: bool) -> list[tuple[str, str]]:
    """Addresses in <angle brackets>, else bare ones, else a domain-less local part."""
    angled = [(raw_str[: m.start()].rsplit(",", 1)[-1], _address_text(m.group(1)).lower())
              for m in _ADDR_ANGLE_RE.finditer(raw_str)]
    found = [(name, email) for name, email in angled if _EMAIL_RE.fullmatch(email)]
    if found:
        return found
    found = [("", m.group().lower()) for m in _EMAIL_RE.finditer(_address_text(raw_str))]
    if found or not allow_bare or "@" in raw_str:
        return found
    return [(name, addr.strip().lower()) for name, addr in pairs
            if re.fullmatch(r"[\w.+-]+", addr.strip())][:1]


def _parse_date(raw: str | None) -> datetime | None:
    """Parse an RFC 5322 date leniently; naive results are taken as UTC."""
    if not raw:
        return None
    text = _fold_ws(re.sub(r"\([^)]*\)", " ", raw))
    text = re.sub(r"\s*:\s*", ":", text)  # obsolete "09 :  55 : 06"
    dt: datetime | None = None
    try:
        dt = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        try:
            tup = parsedate_tz(text)
            if tup is not None:
                dt = datetime(*tup[:6], tzinfo=UTC)
                if tup[9]:
                    from datetime import timedelta

                    dt = dt.replace(tzinfo=timezone(timedelta(seconds=tup[9])))
        except (TypeError, ValueError, IndexError, OverflowError):
            dt = None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


_MSGID_RE = re.compile(r"<([^<>\s]+)>")


def _msgid_list(raw_values: list[str]) -> list[str]:
    """All message ids in In-Reply-To/References values, normalised to ``<id>``."""
    out: list[str] = []
    for raw in raw_values:
        text = _FOLD_RE.sub("", raw)
        # Obsolete syntax allows comments and spaces inside the brackets.
        text = re.sub(r"<[^<>]*>", lambda m: re.sub(r"\([^)]*\)|\s+", "", m.group()), text)
        ids = [f"<{m}>" for m in _MSGID_RE.findall(text)]
        if not ids:
            # Broken clients omit the brackets.
            ids = [f"<{tok.strip('<>')}>" for tok in text.split() if "@" in tok]
        for msgid in ids:
            if msgid not in out:
                out.append(msgid)
    return out


#: A header block beyond these bounds is hostile or broken, never a person's mail: only this
#: much is read (the raw bytes stay stored), so parsing time stays bounded. The parser keeps
#: MAX_HEADERS fields plus up to as many key fields found after them (parse._trim_header_block).
MAX_HEADERS = 1000
MAX_HEADER_VALUE = 32 * 1024


def _raw_headers(part: Message) -> list[tuple[str, str]]:
    """Header (name, raw value) pairs as they appeared, without header objects (bounded)."""
    try:
        items = list(itertools.islice(part.raw_items(), 2 * MAX_HEADERS))
    except Exception:
        items = getattr(part, "_headers", [])[: 2 * MAX_HEADERS]
    return [(k, (v if isinstance(v, str) else str(v))[:MAX_HEADER_VALUE]) for k, v in items]


def _first_raw(part: Message, name: str) -> str | None:
    name = name.lower()
    for k, v in _raw_headers(part):
        if k.lower() == name:
            return v
    return None


def _all_raw(part: Message, name: str) -> list[str]:
    name = name.lower()
    return [v for k, v in _raw_headers(part) if k.lower() == name]
