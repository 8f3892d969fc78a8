"""Parse raw incoming e-mail into a plain, framework-free structure.

The parser is built on the standard library ``email`` package (``policy.default``,
falling back to ``compat32`` per part when the modern policy raises) but decodes
headers, parameters, transfer encodings and charsets itself, because real-world
mail is often mislabelled and the stdlib either raises or produces mojibake there.

Public API:

* :func:`parse_message` -> :class:`ParsedMail` (raises only :class:`MailParseError`)
* :func:`classify` -> :class:`AutoClass` (``normal`` / ``bounce`` / ``auto_reply`` / ``bulk``)
* :func:`bounced_message_ids`, :func:`bounced_recipients` for delivery status notifications
* :func:`make_message_id`, :func:`is_own_message_id`, :func:`ticket_code_from_message_id`
* :func:`find_ticket_codes`
* helpers that other modules may reuse: :func:`decode_bytes`, :func:`decode_header_text`,
  :func:`html_to_text`, :func:`sanitize_html`, :func:`strip_quoted_text`
"""

# The parser must never raise on hostile or broken input (only MailParseError),
# so catching any Exception around third-party and stdlib decoding is deliberate.
# ruff: noqa: BLE001

from __future__ import annotations

import base64
import binascii
import codecs
import dataclasses
import functools
import hashlib
import hmac
import quopri
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timezone
from email import policy as email_policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime, parsedate_tz
from html.parser import HTMLParser
from typing import TypeVar

import nh3

try:  # optional: better guesses for undeclared / wrongly declared charsets
    from charset_normalizer import from_bytes as _cn_from_bytes
except ImportError:  # pragma: no cover - the fallback path is cp1252
    _cn_from_bytes = None

try:  # optional: unpack Outlook's winmail.dat
    from tnefparse import TNEF as _TNEF
except ImportError:  # pragma: no cover - winmail.dat is then kept as is
    _TNEF = None

__all__ = [
    "AutoClass",
    "MailParseError",
    "ParsedAttachment",
    "ParsedMail",
    "bounced_message_ids",
    "bounced_recipients",
    "classify",
    "decode_bytes",
    "decode_header_text",
    "find_ticket_codes",
    "html_to_text",
    "is_own_message_id",
    "make_message_id",
    "parse_header_params",
    "parse_message",
    "sanitize_html",
    "strip_quoted_text",
    "ticket_code_from_message_id",
]

T = TypeVar("T")

# Guard rails against hostile input (deeply nested MIME, huge charset sniffing).
MAX_DEPTH = 30
_DETECT_SAMPLE = 64 * 1024


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


# ---------------------------------------------------------------------------
# Charset handling
# ---------------------------------------------------------------------------

# Labels seen in the wild mapped to the Python codec we really want.  The
# latin-1 family maps to cp1252 (as browsers do, WHATWG encoding standard):
# senders routinely declare iso-8859-1 and send cp1252 quotes and dashes.
_CHARSET_ALIASES: dict[str, str] = {
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "iso_8859-1:1987": "cp1252",
    "iso-ir-100": "cp1252",
    "ibm819": "cp1252",
    "cp819": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso646-us": "cp1252",
    "us": "cp1252",
    "windows-1252": "cp1252",
    "x-cp1252": "cp1252",
    "cp1252": "cp1252",
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "chinese": "gb18030",
    "gb18030": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "korean": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "csshiftjis": "cp932",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
}
# Labels that carry no information.
_UNKNOWN_CHARSETS = {
    "",
    "none",
    "unknown",
    "x-unknown",
    "unknown-8bit",
    "x-user-defined",
    "default",
    "charset",
    "us-ascii;",
    "binary",
    "8bit",
    "7bit",
}
# Stateful 7-bit encodings must be honoured even when the bytes are ASCII.
_SEVEN_BIT_CODECS = {"utf-7"}
# ISO-2022-JP in the wild contains half-width katakana and JIS X 0212: try the
# strict codec first, then its supersets.
_ISO2022_JP_CHAIN = (
    "iso2022_jp",
    "iso2022_jp_ext",
    "iso2022_jp_2",
    "iso2022_jp_3",
    "iso2022_jp_2004",
)

_C1_RE = re.compile("[\x80-\x9f]")
# C0 controls other than TAB, LF, CR (NUL, escape sequences...) and DEL.
_C0_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _codec_name(label: str | None) -> str | None:
    """Map a declared charset label to a Python codec name, None when unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    # RFC 2231 language suffix ("utf-8*en") and stray junk after the label.
    label = label.split("*", 1)[0].split(";", 1)[0].strip()
    if label in _UNKNOWN_CHARSETS:
        return None
    if label.startswith(("iso-2022-jp", "iso2022jp")) or label == "csiso2022jp":
        return "iso2022_jp"
    mapped = _CHARSET_ALIASES.get(label, label)
    try:
        name = codecs.lookup(mapped).name
    except LookupError:
        # "windows-1251 " / "cp-1251" / "x-windows-1250" style variants.
        alt = re.sub(r"^(x-|cs)", "", mapped).replace("windows-", "cp").replace("cp-", "cp")
        try:
            name = codecs.lookup(_CHARSET_ALIASES.get(alt, alt)).name
        except LookupError:
            return None
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    if name in ("gb2312", "gbk"):
        return "gb18030"
    if name == "euc_kr":
        return "cp949"
    if name == "shift_jis":
        return "cp932"
    return name


@functools.lru_cache(maxsize=64)
def _is_single_byte(codec: str) -> bool:
    try:
        return len(bytes(range(256)).decode(codec, errors="replace")) == 256
    except LookupError:
        return False


def _fix_c1(text: str) -> str:
    """Replace C1 controls (U+0080-U+009F) by their cp1252 meaning, or drop them."""

    def repl(match: re.Match[str]) -> str:
        try:
            return bytes([ord(match.group())]).decode("cp1252")
        except UnicodeDecodeError:
            return ""

    return _C1_RE.sub(repl, text)


def _clean_text(text: str) -> str:
    """Normalise a decoded text: no C1/C0 controls, LF newlines, NFC."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _fix_double_utf8(_fix_c1(text))
    text = _C0_RE.sub("", text).replace("\ufeff", "")
    return unicodedata.normalize("NFC", text)


def _cp1252_char(b: int) -> str:
    try:
        return bytes([b]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(b)


# UTF-8 read as cp1252 ("â€™" for "’", "Ã©" for "é"): a lead byte C2-F4 followed
# by the right number of continuation bytes 80-BF, all shown as cp1252 characters.
_CONT = "".join(re.escape(_cp1252_char(b)) for b in range(0x80, 0xC0))
_MOJIBAKE_RUN_RE = re.compile(
    "[\u00c2-\u00df]["
    + _CONT
    + "]|[\u00e0-\u00ef]["
    + _CONT
    + "]{2}|[\u00f0-\u00f4]["
    + _CONT
    + "]{3}"
)


def _fix_double_utf8(text: str) -> str:
    """Undo UTF-8 that was decoded as cp1252 somewhere upstream ("Ã¼" -> "ü").

    Each suspicious run is re-encoded separately and replaced only when it
    forms exactly one valid UTF-8 character, so legitimate text is left alone.
    """
    if not _MOJIBAKE_RUN_RE.search(text):
        return text
    # Only when every Latin-1-range character belongs to such a run: other
    # legacy-charset garbage ("¤j¸Éªw", Big5 read as latin-1) is not UTF-8.
    rest = _MOJIBAKE_RUN_RE.sub("", text)
    if any("\u0080" <= ch <= "\u00ff" and ch != "\xa0" for ch in rest):
        return text

    def repl(match: re.Match[str]) -> str:
        run = match.group()
        try:
            fixed = run.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            try:
                fixed = run.encode("latin-1").decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                return run
        return fixed if len(fixed) == 1 else run

    return _MOJIBAKE_RUN_RE.sub(repl, text)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect(data: bytes) -> str | None:
    """Guess the charset of undeclared/wrongly declared 8-bit data."""
    if _cn_from_bytes is None:
        return None
    try:
        best = _cn_from_bytes(data[:_DETECT_SAMPLE]).best()
    except Exception:  # detection must never break parsing
        return None
    if best is None:
        return None
    return _codec_name(best.encoding)


# Candidate charsets for undeclared 8-bit data, in order of preference on ties:
# western mail first, then the Cyrillic pair that is most often left unlabelled.
_GUESS_CANDIDATES = ("cp1252", "cp1251", "koi8_r", "cp1250")
_ODD_SYMBOLS = set("¤¦¨¬\xad¯´¸¹¾¿÷×¯±µ¶ƒˆ˜‡†‰‹›¢¥¼½³²ª")

_RARE_CYRILLIC = set("фъщэюцшжхйёФЪЩЭЮЦШЖХЙЁ")


def _script(ch: str) -> str:
    o = ord(ch)
    if o < 0x80:
        return "ascii"
    if 0xC0 <= o <= 0x24F:
        return "latin"
    if 0x370 <= o <= 0x3FF:
        return "greek"
    if 0x400 <= o <= 0x52F:
        return "cyrillic"
    if (
        0x3040 <= o <= 0x9FFF
        or 0xAC00 <= o <= 0xD7AF
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF
    ):
        return "cjk"
    return "other"


def _implausibility(text: str) -> float:
    """How unlikely a decoded text is to be what a person wrote (lower is better).

    Mis-decoded text shows up as words mixing scripts ("FormaГЦo"), Latin words
    made mostly of accented letters ("ôåóô"), and odd symbols ("¤", "¸").
    """
    score = 0.0
    for word in re.findall(r"[^\W\d_]+", text):
        scripts = {_script(ch) for ch in word}
        non_ascii = scripts - {"ascii"}
        if len(non_ascii) > 1 or (non_ascii - {"latin"} and "ascii" in scripts):
            score += 3
        elif non_ascii == {"latin"} and len(word) >= 2:
            ratio = sum(1 for ch in word if ord(ch) >= 0x80) / len(word)
            if ratio > 0.5:
                score += 2
        if len(word) == 1 and non_ascii and non_ascii != {"cjk"}:
            score += 1  # "ъ·ї»·ѕ": lone accented/Cyrillic letters between symbols
        if (
            len(word) > 2
            and non_ascii
            and word[1:] != word[1:].lower()
            and word[1:] != word[1:].upper()
        ):
            score += 1  # "тЕСт": case flips inside a word
    # Rare Cyrillic letters: separates KOI8-R from cp1251 read the wrong way round.
    score += 0.3 * sum(1 for ch in text if ch in _RARE_CYRILLIC)
    score += sum(
        1 for ch in text if ch in _ODD_SYMBOLS or unicodedata.category(ch) in ("Co", "Cn", "So")
    )
    score += 5 * text.count("\ufffd")
    return score


def _guess_decode(data: bytes) -> str:
    """Decode undeclared, non-UTF-8 8-bit data by picking the most plausible charset."""
    candidates = list(_GUESS_CANDIDATES)
    detected = _detect(data)
    if detected and detected not in candidates:
        candidates.append(detected)
    if "gb18030" not in candidates:
        candidates.append("gb18030")  # unlabelled Chinese spam is common
    best: tuple[float, int, str] | None = None
    sample = data[:_DETECT_SAMPLE]
    for order, codec in enumerate(candidates):
        try:
            text = _fix_c1(_decode_with(sample, codec))
        except (UnicodeDecodeError, LookupError):
            continue
        key = (_implausibility(text), order, codec)
        if best is None or key < best:
            best = key
    codec = best[2] if best else "cp1252"
    try:
        return _decode_with(data, codec)
    except (UnicodeDecodeError, LookupError):
        return data.decode("latin-1")


def _iso2022jp_via_cp932(data: bytes) -> str:
    """ISO-2022-JP as Japanese mailers really write it (Microsoft's CP50220):
    JIS X 0208 plus NEC/IBM extensions ("①") that Python's iso2022 codecs lack.
    Converts each 2-byte JIS code to Shift_JIS and decodes it as cp932."""
    out = bytearray()
    mode = "ascii"
    i = 0
    while i < len(data):
        if data[i] == 0x1B:
            seq = data[i + 1 : i + 3]
            if seq in (b"$B", b"$@"):
                mode, i = "jis", i + 3
                continue
            if seq in (b"(B", b"(J"):
                mode, i = "ascii", i + 3
                continue
            if seq == b"(I":
                mode, i = "kana", i + 3
                continue
            raise UnicodeDecodeError("iso2022_jp", data, i, i + 1, "unsupported escape")
        b = data[i]
        if (
            mode == "jis"
            and 0x21 <= b <= 0x7E
            and i + 1 < len(data)
            and 0x21 <= data[i + 1] <= 0x7E
        ):
            j1, j2 = b, data[i + 1]
            s1 = ((j1 + 1) >> 1) + 0x70
            if s1 > 0x9F:
                s1 += 0x40
            if j1 & 1:
                s2 = j2 + 0x1F + (1 if j2 >= 0x60 else 0)
            else:
                s2 = j2 + 0x7E
            out += bytes([s1, s2])
            i += 2
            continue
        if mode == "kana" and 0x21 <= b <= 0x5F:
            out.append(b + 0x80)
        else:
            out.append(b)
        i += 1
    return out.decode("cp932")


def _decode_with(data: bytes, codec: str) -> str:
    """Strictly decode; ISO-2022-JP tries its supersets. Raises UnicodeDecodeError."""
    if codec == "iso2022_jp":
        for name in _ISO2022_JP_CHAIN:
            try:
                return data.decode(name)
            except (UnicodeDecodeError, LookupError):
                continue
        return _iso2022jp_via_cp932(data)
    if codec == "cp1252":
        # cp1252 leaves 5 bytes undefined: decode them as latin-1 and let
        # _fix_c1 drop the resulting C1 controls.
        return data.decode("latin-1")
    return data.decode(codec)


def decode_bytes(data: bytes, charset: str | None = None, *, hint: str | None = None) -> str:
    """Decode ``data`` declared as ``charset`` without mojibake, never raising.

    Order: stateful 7-bit codecs as declared; pure ASCII as is; valid UTF-8 with
    non-ASCII wins over a single-byte or missing declaration (UTF-8 sent as
    latin-1); the declared codec; ``hint`` (e.g. the body's charset for raw 8-bit
    headers); charset detection; cp1252 as the last resort.
    """
    if not data:
        return ""
    codec = _codec_name(charset)
    if codec and (codec in _SEVEN_BIT_CODECS or codec.startswith(("iso2022", "utf-16", "utf-32"))):
        try:
            return _clean_text(_decode_with(data, codec))
        except UnicodeDecodeError:
            pass
    if data.isascii():
        return _clean_text(data.decode("ascii"))
    # Valid UTF-8 with non-ASCII is practically never a legacy single-byte
    # text: it is UTF-8 sent with a wrong or missing label.
    if (codec is None or codec == "utf-8" or _is_single_byte(codec)) and _is_utf8(data):
        return _clean_text(data.decode("utf-8"))
    candidates: list[str] = []
    if codec and codec != "utf-8":
        candidates.append(codec)
    hint_codec = _codec_name(hint)
    if hint_codec and hint_codec not in candidates:
        candidates.append(hint_codec)
    for name in candidates:
        try:
            return _clean_text(_decode_with(data, name))
        except (UnicodeDecodeError, LookupError):
            continue
    if codec == "utf-8" and _mostly_utf8(data):
        # A UTF-8 text with a few broken sequences (truncated by a gateway).
        return _clean_text(data.decode("utf-8", errors="replace"))
    return _clean_text(_guess_decode(data))


def _mostly_utf8(data: bytes) -> bool:
    """True when most non-ASCII bytes form valid UTF-8 sequences."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return good > 0 and bad * 4 <= good


# ---------------------------------------------------------------------------
# Header decoding
# ---------------------------------------------------------------------------

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
        if pieces and pieces[-1][0] == charset_key:
            prev = pieces[-1][1]
            assert isinstance(prev, bytes)
            pieces[-1] = (charset_key, prev + data)
        else:
            pieces.append((charset_key, data))
        pos = match.end()
    if pos < len(text):
        pieces.append((None, text[pos:]))
    out: list[str] = []
    for charset, data in pieces:
        if charset is None:
            assert isinstance(data, str)
            out.append(data)
        else:
            assert isinstance(data, bytes)
            out.append(decode_bytes(data, charset, hint=hint))
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


def _parse_addresses(
    raw_values: list[str], hint: str | None = None, allow_bare: bool = False
) -> list[tuple[str, str]]:
    """Parse address headers into (display name, lowercased email) pairs.

    ``allow_bare`` accepts a domain-less local part ("MAILER-DAEMON (Mail
    Delivery System)") when the header holds no address at all.
    """
    result: list[tuple[str, str]] = []
    seen: set[str] = set()
    for raw in raw_values:
        raw_str = _FOLD_RE.sub("", raw).replace("\r", " ").replace("\n", " ")
        # Decode raw 8-bit first (it cannot contain structure), keep encoded words
        # for after the split so an encoded "," cannot split an address.
        if not raw_str.isascii():
            raw_str = decode_bytes(_raw_to_bytes(raw_str), None, hint=hint)
        try:
            pairs = getaddresses([raw_str])
        except Exception:
            pairs = []
        found_any = False
        for name, addr in pairs:
            addr = addr.strip().strip("<>").strip()
            if _QUOTED_LOCAL_RE.fullmatch(addr):
                pass  # '"John Smith"@example.com' is a valid (if rare) address
            elif "@" not in addr or not _EMAIL_RE.fullmatch(addr):
                m = _EMAIL_RE.search(addr)
                if not m:
                    continue
                addr = m.group()
            email = addr.lower()
            found_any = True
            if email in seen:
                continue
            seen.add(email)
            display = _fold_ws(decode_header_text(name, hint)).strip("\"' ")
            if display.lower() == email:
                display = ""
            result.append((display, email))
        if not found_any:
            # getaddresses gave up (unbalanced quotes, newlines...): scrape addresses.
            for m in _ADDR_ANGLE_RE.finditer(raw_str):
                email = m.group(1).lower()
                if _EMAIL_RE.fullmatch(email) and email not in seen:
                    seen.add(email)
                    name = raw_str[: m.start()].rsplit(",", 1)[-1]
                    result.append((_fold_ws(decode_header_text(name, hint)).strip("\"' "), email))
            if not result:
                for m in _EMAIL_RE.finditer(raw_str):
                    email = m.group().lower()
                    if email not in seen:
                        seen.add(email)
                        result.append(("", email))
            if not result and allow_bare and "@" not in raw_str:
                for name, addr in pairs:
                    if re.fullmatch(r"[\w.+-]+", addr.strip()):
                        result.append(
                            (_fold_ws(decode_header_text(name, hint)), addr.strip().lower())
                        )
                        break
    return result


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


# ---------------------------------------------------------------------------
# Transfer encodings
# ---------------------------------------------------------------------------


def _cte(part: Message) -> str:
    """Normalised Content-Transfer-Encoding token ('7bit' when absent/unknown)."""
    raw = _first_raw(part, "content-transfer-encoding") or ""
    m = re.search(r"[A-Za-z0-9-]+", raw)
    token = m.group().lower() if m else "7bit"
    if token in ("x-uuencode", "uuencode", "uue", "x-uue"):
        return "uuencode"
    return token


def _b64_body(data: bytes) -> bytes:
    """Lenient base64: ignores junk characters, tolerates missing padding and
    concatenated, separately padded chunks."""
    cleaned = re.sub(rb"[^A-Za-z0-9+/=]", b"", data)
    try:
        return base64.b64decode(cleaned + b"=" * (-len(cleaned.rstrip(b"=")) % 4), validate=False)
    except (binascii.Error, ValueError):
        pass
    out = bytearray()
    for chunk in re.findall(rb"[A-Za-z0-9+/]+=*", cleaned):
        body = chunk.rstrip(b"=")
        if len(body) % 4 == 1:
            body = body[:-1]
        try:
            out += base64.b64decode(body + b"=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            continue
    return bytes(out)


def _uu_line(line: bytes) -> bytes:
    try:
        return binascii.a2b_uu(line)
    except binascii.Error:
        # Workaround for broken encoders that pad with extra characters.
        if not line:
            return b""
        nbytes = (((line[0] - 32) & 63) * 4 + 5) // 3
        try:
            return binascii.a2b_uu(line[:nbytes])
        except binascii.Error:
            return b""


_UU_BEGIN_RE = re.compile(rb"^begin(?:-base64)? +([0-7]{3,4}) +([^\r\n]+?)[ \t]*\r?$", re.MULTILINE)


def _uudecode(data: bytes) -> tuple[str | None, bytes]:
    """Decode the first uuencoded block; returns (filename, bytes)."""
    m = _UU_BEGIN_RE.search(data)
    if not m:
        return None, data
    out = bytearray()
    for line in data[m.end() :].splitlines():
        stripped = line.rstrip(b"\r")
        if stripped.strip() == b"end":
            break
        if not stripped.strip():
            continue
        out += _uu_line(stripped)
    name = m.group(2).decode("utf-8", "replace").strip()
    return name, bytes(out)


def _decode_transfer(data: bytes, cte: str) -> bytes:
    if cte == "base64":
        return _b64_body(data)
    if cte == "quoted-printable":
        return quopri.decodestring(data)
    if cte == "uuencode":
        return _uudecode(data)[1]
    return data  # 7bit, 8bit, binary and the many invented tokens ("7-bit", "plain"...)


# ---------------------------------------------------------------------------
# HTML to text, sanitising, quoted reply stripping
# ---------------------------------------------------------------------------

_BLOCK_TAGS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "ul",
    "caption",
}
_SKIP_TAGS = {
    "script",
    "style",
    "head",
    "title",
    "template",
    "noscript",
    "xml",
    "object",
    "iframe",
    "svg",
}
_VOID_TAGS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}


class _HTMLText(HTMLParser):
    """Streaming HTML -> readable text; optionally drops quoted-reply blocks."""

    def __init__(self, drop_quotes: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_stack: list[str] = []  # tags whose content is hidden
        self.pre = 0
        self.drop_quotes = drop_quotes
        self.stopped = False  # Outlook: everything after the reply header is quoted

    def _quote_block(self, tag: str, attrs: dict[str, str]) -> bool:
        if not self.drop_quotes:
            return False
        cls = attrs.get("class", "").lower()
        ident = attrs.get("id", "").lower()
        if "gmail_quote" in cls or "yahoo_quoted" in cls or "moz-cite-prefix" in cls:
            return True
        if tag == "blockquote" and (
            attrs.get("type", "").lower() == "cite" or "gmail_quote" in cls
        ):
            return True
        if (
            ident in ("appendonsend", "divrplyfwdmsg", "mail-editor-reference-message-container")
            or "outlookmessageheader" in ident
        ):
            self.stopped = True
        return False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        amap = {k.lower(): (v or "") for k, v in attrs}
        if tag == "body":
            # Unclosed <head>: the body starts here anyway.
            self.skip_stack = [t for t in self.skip_stack if t not in ("head", "title")]
        if self.skip_stack:
            if tag == self.skip_stack[-1] and tag not in _VOID_TAGS:
                self.skip_stack.append(tag)
            return
        if tag in _SKIP_TAGS or self._quote_block(tag, amap):
            if tag not in _VOID_TAGS:
                self.skip_stack.append(tag)
            return
        if self.stopped:
            return
        if tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag in _BLOCK_TAGS:
            self.out.append("\n")
        if tag == "pre":
            self.pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_TAGS or tag == "br":
            if not self.skip_stack and not self.stopped and tag == "br":
                self.out.append("\n")
            return
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip_stack:
            if tag == self.skip_stack[-1]:
                self.skip_stack.pop()
            elif tag in ("head", "html", "body") and "head" in self.skip_stack:
                self.skip_stack.clear()
            return
        if self.stopped:
            return
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in _BLOCK_TAGS and tag != "li":  # the next <li> starts its own line
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip_stack or self.stopped:
            return
        if self.pre:
            self.out.append(data)
        else:
            self.out.append(re.sub(r"[ \t\r\n\f]+", " ", data))

    def text(self) -> str:
        raw = "".join(self.out).replace("\xa0", " ")
        lines = [line.strip() for line in raw.split("\n")]
        text = "\n".join(lines)
        text = re.sub(r"\n{3,}", "\n\n", text)
        return text.strip()


def html_to_text(html: str, drop_quotes: bool = False) -> str:
    """Convert HTML to plain text, without scripts, styles or the <head>."""
    if not html:
        return ""
    parser = _HTMLText(drop_quotes=drop_quotes)
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient, but never let markup break parsing
        return _clean_text(re.sub(r"<[^>]*>", " ", html))
    return _clean_text(parser.text())


_SAFE_DATA_IMAGE_RE = re.compile(r"^data:image/(png|jpe?g|gif|webp|bmp);base64,", re.IGNORECASE)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    """nh3 hook: no remote images (tracking pixels), no data: links."""
    val = value.strip()
    low = val.lower()
    if tag == "img" and attr == "src":
        if low.startswith("cid:") or _SAFE_DATA_IMAGE_RE.match(val):
            return val
        return None
    if low.startswith(("data:", "cid:")):
        return None
    return value


def sanitize_html(html: str) -> str:
    """Clean e-mail HTML for display: no scripts/styles/handlers/remote images."""
    return nh3.clean(
        html,
        tags=set(nh3.ALLOWED_TAGS) | {"font"},
        clean_content_tags={"script", "style", "title", "head"} - set(nh3.ALLOWED_TAGS),
        attributes={
            **{k: set(v) for k, v in nh3.ALLOWED_ATTRIBUTES.items()},
            "font": {"color", "size", "face"},
            "td": {"colspan", "rowspan", "align", "valign"},
            "th": {"colspan", "rowspan", "align", "valign"},
        },
        attribute_filter=_attribute_filter,
        url_schemes=set(nh3.ALLOWED_URL_SCHEMES) | {"cid", "data"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


# Quote headers of the common clients (Indonesian and English first).
_QUOTE_HEADER_RES = [
    # Gmail/Yahoo/iOS Indonesian: "Pada Sen, 28 Des 2026 pukul 10.00 Budi <b@x.id> menulis:"
    re.compile(r"^\s*Pada\b.{0,300}\bmenulis\s*:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*On\b.{0,300}\bwrote\s*:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*Am\b.{0,300}\bschrieb\b.{0,80}:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*Le\b.{0,300}\ba\s+[ée]crit\s*:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*El\b.{0,300}\bescribi[óo]\s*:\s*$", re.IGNORECASE | re.DOTALL),
]
_ORIGINAL_MESSAGE_RE = re.compile(
    r"^\s*-{2,}\s*(Original Message|Pesan Asli|Pesan Awal|Ursprüngliche Nachricht|Message d'origine)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM_RE = re.compile(r"^\s*\*?(From|Dari|Von|De)\s*:\*?\s*\S", re.IGNORECASE)
_OUTLOOK_SENT_RE = re.compile(
    r"^\s*\*?(Sent|Dikirim|Terkirim|Date|Tanggal|Gesendet|Envoyé)\s*:\*?\s*\S", re.IGNORECASE
)
_OUTLOOK_SUBJECT_RE = re.compile(
    r"^\s*\*?(Subject|Subjek|Perihal|Hal|Betreff|Objet)\s*:", re.IGNORECASE
)
_OUTLOOK_TO_RE = re.compile(r"^\s*\*?(To|Kepada|An|À)\s*:", re.IGNORECASE)
_FORWARD_SUBJECT_RE = re.compile(
    r"^\s*(re:\s*)*(fwd?|fw|tr|wg|rv|enc|doorst|terusan|penerusan)\s*:", re.IGNORECASE
)
_FORWARD_RE = re.compile(
    r"-{3,}\s*(Forwarded message|Pesan yang diteruskan|Pesan terusan|Weitergeleitete Nachricht)\s*-{3,}",
    re.IGNORECASE,
)


def _is_quote_header(candidate: str) -> bool:
    # Real quote headers carry the date of the quoted mail: requiring a digit keeps
    # prose such as "Pada rapat itu beliau menulis:" from cutting the message.
    return any(rx.match(candidate) for rx in _QUOTE_HEADER_RES) and bool(
        re.search(r"\d", candidate)
    )


def _find_quote_start(lines: list[str]) -> int | None:
    """Index of the first line of a quoted reply block, or None."""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if _ORIGINAL_MESSAGE_RE.match(stripped):
            return i
        if _is_quote_header(stripped):
            return i
        # The header is often wrapped: "Pada ..., Budi <b@x.id>\nmenulis:".
        if (
            i + 1 < len(lines)
            and len(stripped) < 300
            and stripped.split(None, 1)[0].lower() in ("pada", "on", "am", "le", "el")
            and _is_quote_header(stripped + " " + lines[i + 1].strip())
        ):
            return i
        if _OUTLOOK_FROM_RE.match(stripped):
            window = [ln.strip() for ln in lines[i + 1 : i + 8]]
            has_sent = any(_OUTLOOK_SENT_RE.match(w) for w in window)
            has_subject = any(_OUTLOOK_SUBJECT_RE.match(w) for w in window)
            has_to = any(_OUTLOOK_TO_RE.match(w) for w in window)
            if has_sent and (has_subject or has_to):
                # Outlook puts a "____" rule before the header block.
                j = i
                while j > 0 and (
                    not lines[j - 1].strip() or re.fullmatch(r"[_\-=]{5,}", lines[j - 1].strip())
                ):
                    j -= 1
                return j
    return None


def strip_quoted_text(text: str) -> str:
    """Remove the quoted previous message(s) from a reply; keeps all if nothing is left."""
    if not text:
        return ""
    if _FORWARD_RE.search(text) and not _find_quote_start(text.split("\n")[: _forward_line(text)]):
        # A forward is the content the requester wants us to read.
        return text.strip()
    lines = text.split("\n")
    cut = _find_quote_start(lines)
    if cut is not None:
        lines = lines[:cut]
    kept = [ln for ln in lines if not ln.lstrip().startswith(">")]
    result = "\n".join(kept)
    result = re.sub(r"\n{3,}", "\n\n", result).strip()
    return result or text.strip()


def _forward_line(text: str) -> int:
    m = _FORWARD_RE.search(text)
    return text[: m.start()].count("\n") if m else 0


# ---------------------------------------------------------------------------
# MIME walking
# ---------------------------------------------------------------------------

_PARSER_DEFAULT = BytesParser(policy=email_policy.default)
_PARSER_COMPAT = BytesParser(policy=email_policy.compat32)

_EXT_BY_TYPE = {
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "message/delivery-status": ".txt",
    "message/global-delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "text/rfc822-headers": ".txt",
    "message/global-headers": ".txt",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "text/csv": ".csv",
    "text/xml": ".xml",
    "text/enriched": ".txt",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/pjpeg": ".jpg",
    "image/gif": ".gif",
    "image/bmp": ".bmp",
    "image/webp": ".webp",
    "image/tiff": ".tif",
    "image/svg+xml": ".svg",
    "application/pdf": ".pdf",
    "application/zip": ".zip",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "application/pgp-signature": ".asc",
    "application/ms-tnef": ".dat",
    "application/vnd.ms-tnef": ".dat",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "audio/wav": ".wav",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/mpeg": ".mpg",
    "application/json": ".json",
    "application/x-zip-compressed": ".zip",
    "application/gzip": ".gz",
    "application/x-rar-compressed": ".rar",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/rtf": ".rtf",
    "application/pkcs7-mime": ".p7m",
    "application/x-pkcs7-mime": ".p7m",
    "application/pgp-encrypted": ".pgp",
    "text/vcard": ".vcf",
    "text/x-vcard": ".vcf",
}
_TYPE_BY_EXT = {
    v: k for k, v in reversed(list(_EXT_BY_TYPE.items())) if not k.startswith("message/")
}
_TYPE_BY_EXT.update(
    {
        ".jpeg": "image/jpeg",
        ".txt": "text/plain",
        ".htm": "text/html",
        ".eml": "message/rfc822",
        ".doc": "application/msword",
        ".rtf": "application/rtf",
    }
)


def _safe(fn: Callable[[], T], default: T) -> T:
    try:
        return fn()
    except Exception:
        return default


def _raw_headers(part: Message) -> list[tuple[str, str]]:
    """Header (name, raw value) pairs as they appeared, without header objects."""
    try:
        return [(k, v if isinstance(v, str) else str(v)) for k, v in part.raw_items()]
    except Exception:
        return [(k, str(v)) for k, v in getattr(part, "_headers", [])]


def _first_raw(part: Message, name: str) -> str | None:
    name = name.lower()
    for k, v in _raw_headers(part):
        if k.lower() == name:
            return v
    return None


def _all_raw(part: Message, name: str) -> list[str]:
    name = name.lower()
    return [v for k, v in _raw_headers(part) if k.lower() == name]


def _content_type(part: Message, default: str = "text/plain") -> tuple[str, dict[str, str]]:
    raw = _first_raw(part, "content-type")
    ctype, params = parse_header_params(raw)
    ctype = ctype.replace(" ", "")
    if not re.fullmatch(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+", ctype or ""):
        # Python's own decision (handles e.g. message/rfc822 defaults in digests).
        ctype = _safe(part.get_content_type, default) or default
        if ctype == "text/":
            ctype = "text/plain"
    return ctype, params


def _raw_payload(part: Message) -> bytes:
    """Undecoded body bytes of a leaf part (exact, thanks to surrogateescape)."""
    # Not get_payload(): for 8-bit data it re-decodes with the declared charset
    # and "replace", which would destroy mislabelled text before we see it.
    payload = getattr(part, "_payload", None)
    if payload is None:
        payload = part.get_payload()
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return _raw_to_bytes(payload)
    return b""


def _find_delimiters(raw: bytes, boundary: str) -> list[tuple[int, int, bool]]:
    """(start, end-of-line, is_close) of every ``--boundary`` line in ``raw``."""
    b = _raw_to_bytes(boundary)
    rx = re.compile(rb"(?:\r?\n|^)--" + re.escape(b) + rb"(--)?[ \t]*(?:\r?\n|$)")
    out = []
    for m in rx.finditer(raw):
        out.append((m.start(), m.end(), bool(m.group(1))))
    return out


def _exact_subpart(raw: bytes, boundary: str | None, index: int) -> tuple[bytes, bytes] | None:
    """Raw (headers, body) of part ``index`` of the multipart using ``boundary``.

    Python's parser does not keep offsets, and regenerating a nested message
    changes its bytes, so message/rfc822 attachments are cut from the raw input.
    """
    if not boundary:
        return None
    delims = _find_delimiters(raw, boundary)
    if len(delims) < index + 2:
        return None
    start = delims[index][1]
    end = delims[index + 1][0]
    segment = raw[start:end]
    if segment.startswith((b"\r\n", b"\n")):
        return b"", segment.split(b"\n", 1)[1] if b"\n" in segment else b""
    m = re.search(rb"\r?\n\r?\n", segment)
    if not m:
        return segment, b""
    return segment[: m.start()], segment[m.end() :]


def _same_headers(a: Message, b: Message) -> bool:
    ha = [(k.lower(), _fold_ws(v)) for k, v in _raw_headers(a)][:6]
    hb = [(k.lower(), _fold_ws(v)) for k, v in _raw_headers(b)][:6]
    return ha == hb


@dataclass
class _Leaf:
    part: Message
    parent: Message | None
    index: int
    ctype: str
    params: dict[str, str]
    in_alternative: bool
    depth: int
    related_resource: bool = False  # non-root part of multipart/related
    path: tuple[int, ...] = ()  # indices from the root, to find the same part in another parse


class _Walker:
    """Collects body texts and attachments from a parsed MIME tree."""

    def __init__(
        self, raw: bytes, root: Message, hint: str | None, fallback_root: Message | None = None
    ) -> None:
        self.raw = raw
        self.root = root
        self.fallback_root = fallback_root  # the compat32 parse of the same bytes
        self.hint = hint
        self.plain: list[str] = []
        self.html: list[str] = []
        self.enriched: list[str] = []
        self.attachments: list[ParsedAttachment] = []
        self.defects: list[str] = []
        self.counter = 0

    # -- tree ---------------------------------------------------------------
    def leaves(
        self,
        part: Message,
        parent: Message | None = None,
        index: int = 0,
        in_alt: bool = False,
        depth: int = 0,
        resource: bool = False,
        path: tuple[int, ...] = (),
    ) -> Iterator[_Leaf]:
        ctype, params = _content_type(
            part,
            "message/rfc822"
            if _safe(part.get_default_type, "") == "message/rfc822"
            else "text/plain",
        )
        maintype = ctype.split("/", 1)[0]
        payload = _safe(part.get_payload, None)
        if depth > MAX_DEPTH:
            self.defects.append("MIME nesting too deep")
            return
        if maintype == "multipart" and isinstance(payload, list):
            root = _related_root(payload, params) if ctype == "multipart/related" else None
            for i, sub in enumerate(payload):
                if isinstance(sub, Message):
                    # In multipart/related only the root is content, the rest are
                    # resources it refers to (inline images, stray HTML files).
                    res = resource or (root is not None and i != root)
                    yield from self.leaves(
                        sub,
                        part,
                        i,
                        in_alt or ctype == "multipart/alternative",
                        depth + 1,
                        res,
                        path + (i,),
                    )
            return
        yield _Leaf(part, parent, index, ctype, params, in_alt, depth, resource, path)

    # -- leaves ---------------------------------------------------------------
    def process(self) -> None:
        for leaf in self.leaves(self.root):
            try:
                self._process_leaf(leaf)
                continue
            except Exception as exc:  # one bad part must not lose the others
                error = f"{type(exc).__name__}: {exc}"
            # The modern policy raised on this part: read the same part from the
            # compat32 parse, whose headers are plain strings.
            alt = self._fallback_leaf(leaf)
            if alt is not None:
                try:
                    self._process_leaf(alt)
                    self.defects.append(f"part {leaf.ctype} re-read with compat32 ({error})")
                    continue
                except Exception as exc:
                    error = f"{type(exc).__name__}: {exc}"
            self.defects.append(f"part {leaf.ctype} skipped: {error}")

    def _fallback_leaf(self, leaf: _Leaf) -> _Leaf | None:
        if self.fallback_root is None or self.fallback_root is self.root:
            return None
        node, parent = self.fallback_root, None
        for i in leaf.path:
            payload = _safe(node.get_payload, None)
            if (
                not isinstance(payload, list)
                or i >= len(payload)
                or not isinstance(payload[i], Message)
            ):
                return None
            node, parent = payload[i], node
        return dataclasses.replace(leaf, part=node, parent=parent)

    def _filename(self, part: Message) -> str | None:
        _disp, dparams = parse_header_params(_first_raw(part, "content-disposition"), self.hint)
        _ct, cparams = parse_header_params(_first_raw(part, "content-type"), self.hint)
        name = (
            dparams.get("filename")
            or cparams.get("name")
            or dparams.get("name")
            or cparams.get("filename")
        )
        if not name:
            return None
        # Keep inner spaces as sent ("Tax Invoice  INX4183.PDF"); only newlines/tabs go.
        name = re.sub(r"[\r\n\t]+", " ", name.replace("\x00", "")).strip()
        return name or None

    def _process_leaf(self, leaf: _Leaf) -> None:
        part, ctype = leaf.part, leaf.ctype
        maintype = ctype.split("/", 1)[0]
        disp, _ = parse_header_params(_first_raw(part, "content-disposition"))
        disp = disp.split(";")[0].strip()
        filename = self._filename(part)
        cid_raw = _first_raw(part, "content-id")
        content_id = _fold_ws(cid_raw).strip("<>").strip() if cid_raw else None
        cte = _cte(part)

        if maintype == "message" or isinstance(_safe(part.get_payload, None), list):
            payload = self._message_bytes(leaf)
            if not filename and ctype not in ("message/rfc822", "message/global"):
                filename = self._name_from_headers(part, ctype, content_id)
            self._add_attachment(filename, ctype, payload, disp, content_id)
            return

        data = _decode_transfer(_raw_payload(part), cte)
        is_text_body = (
            ctype in ("text/plain", "text/html", "text/enriched", "text/richtext")
            and disp != "attachment"
            and not filename
            and not leaf.related_resource
        )
        if is_text_body:
            charset = leaf.params.get("charset")
            if ctype == "text/html" and not charset:
                m = re.search(
                    rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_:.-]+)", data[:4096], re.IGNORECASE
                )
                charset = m.group(1).decode("ascii") if m else None
            text = decode_bytes(data, charset)
            if ctype == "text/html":
                self.html.append(text)
            elif ctype in ("text/enriched", "text/richtext"):
                # Only used when there is no text/plain (it is usually its alternative).
                self.enriched.append(re.sub(r"<[^>]*>", "", text))
            else:
                if cte not in ("base64", "uuencode"):
                    text = self._extract_inline_uu(text, data)
                self.plain.append(text)
            return
        if cte == "uuencode" and not filename:
            uu_name, _ = _uudecode(_raw_payload(part))
            filename = uu_name
        if not filename:
            filename = self._name_from_headers(part, ctype, content_id)
        is_tnef = (
            ctype in ("application/ms-tnef", "application/vnd.ms-tnef")
            or (filename or "").lower() == "winmail.dat"
        )
        if is_tnef and self._unpack_tnef(data):
            return
        self._add_attachment(filename, ctype, data, disp, content_id)

    def _name_from_headers(self, part: Message, ctype: str, content_id: str | None) -> str | None:
        """A name for a nameless part: Outlook's Content-ID "image001.jpg@01D...",
        or Content-Description ("Delivery report")."""
        if content_id:
            local = content_id.split("@", 1)[0].strip()
            if re.fullmatch(r"[\w\-. ]{1,100}\.[A-Za-z0-9]{1,5}", local):
                return local
        desc = _fold_ws(
            decode_header_text(_first_raw(part, "content-description") or "", self.hint)
        )
        if desc and len(desc) <= 100:
            stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", desc).strip()
            if stem:
                ext = _EXT_BY_TYPE.get(ctype, ".bin")
                return stem if stem.lower().endswith(ext) else stem + ext
        return None

    def _extract_inline_uu(self, text: str, data: bytes) -> str:
        """Lotus Notes & old clients put ``begin 644 name`` blocks in text/plain."""
        if "begin " not in text:
            return text
        rx = re.compile(r"^begin [0-7]{3,4} ([^\n]+)\n(.*?)^end[ \t]*$", re.MULTILINE | re.DOTALL)
        found = False

        def repl(m: re.Match[str]) -> str:
            nonlocal found
            payload = bytearray()
            for line in m.group(2).split("\n"):
                if line.strip():
                    payload += _uu_line(_raw_to_bytes(line.rstrip("\r")) if line.isascii() else b"")
            if not payload:
                return m.group(0)
            found = True
            name = m.group(1).strip()
            self._add_attachment(name, _guess_type(name), bytes(payload), "attachment", None)
            return ""

        result = rx.sub(repl, text)
        return result if found else text

    def _message_bytes(self, leaf: _Leaf) -> bytes:
        """Exact bytes of a message/* part (nested e-mail, delivery status)."""
        part = leaf.part
        cte = _cte(part)
        exact: bytes | None = None
        if leaf.parent is None:
            m = re.search(rb"\r?\n\r?\n", self.raw)
            exact = self.raw[m.end() :] if m else b""
        else:
            boundary = _safe(leaf.parent.get_boundary, None)
            cut = _exact_subpart(self.raw, boundary, leaf.index)
            if cut is not None:
                exact = cut[1]
        if exact is not None:
            exact = _decode_transfer(exact, cte)
            nested = _safe(part.get_payload, None)
            if (
                isinstance(nested, list)
                and nested
                and leaf.ctype in ("message/rfc822", "message/global")
            ):
                probe = _safe(lambda: _PARSER_COMPAT.parsebytes(exact, headersonly=True), None)
                if probe is not None and (
                    _same_headers(probe, nested[0]) or cte in ("base64", "quoted-printable")
                ):
                    return exact
            elif exact.strip() or not nested:
                return exact
        # Fallback: regenerate (bytes may differ in line endings/folding).
        self.defects.append(f"{leaf.ctype} regenerated, exact bytes not found")
        nested = _safe(part.get_payload, None)
        if isinstance(nested, list):
            chunks = []
            for sub in nested:
                chunks.append(_safe(lambda s=sub: s.as_bytes(policy=email_policy.compat32), b""))
            return b"\n".join(chunks)
        return _raw_payload(part)

    def _unpack_tnef(self, data: bytes) -> bool:
        if _TNEF is None:
            return False
        try:
            tnef = _TNEF(data, do_checksum=False)
            found = [(a.long_filename() or a.name, a.data) for a in tnef.attachments if a.data]
        except Exception as exc:
            self.defects.append(f"winmail.dat not unpacked: {type(exc).__name__}")
            return False
        if not found:
            return False
        for name, payload in found:
            self._add_attachment(
                str(name), _guess_type(str(name)), bytes(payload), "attachment", None
            )
        return True

    def _add_attachment(
        self, filename: str | None, ctype: str, payload: bytes, disp: str, content_id: str | None
    ) -> None:
        self.counter += 1
        if not filename:
            if ctype in ("message/rfc822", "message/global"):
                subject = _safe(lambda: _nested_subject(payload, self.hint), "")
                stem = (
                    re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", subject).strip()[:80]
                    or f"message-{self.counter}"
                )
                filename = f"{stem}.eml"
            elif ctype in ("application/ms-tnef", "application/vnd.ms-tnef"):
                filename = "winmail.dat"
            else:
                filename = f"attachment-{self.counter}{_EXT_BY_TYPE.get(ctype, '.bin')}"
        elif ctype in ("message/rfc822", "message/global") and not filename.lower().endswith(
            ".eml"
        ):
            filename += ".eml"  # so that a download opens in a mail program
        is_inline = disp == "inline" or (not disp and content_id is not None)
        self.attachments.append(
            ParsedAttachment(filename, ctype, payload, is_inline, content_id or None)
        )


def _related_root(payload: list[Message], params: dict[str, str]) -> int:
    """Index of the root part of a multipart/related (RFC 2387 ``start``)."""
    start = params.get("start", "").strip().strip("<>")
    if start:
        for i, sub in enumerate(payload):
            cid = (_first_raw(sub, "content-id") or "").strip().strip("<>")
            if cid == start:
                return i
    return 0


def _nested_subject(payload: bytes, hint: str | None) -> str:
    msg = _PARSER_COMPAT.parsebytes(payload, headersonly=True)
    return _fold_ws(decode_header_text(_first_raw(msg, "subject"), hint))


def _guess_type(filename: str) -> str:
    ext = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    return _TYPE_BY_EXT.get(ext, "application/octet-stream")


def _charset_hint(msg: Message) -> str | None:
    """First declared charset in the message, used to read raw 8-bit headers."""
    stack = [msg]
    while stack:
        part = stack.pop(0)
        _ct, params = parse_header_params(_first_raw(part, "content-type"))
        cs = params.get("charset")
        if cs and _codec_name(cs) not in (None, "cp1252", "utf-8"):
            return cs
        payload = _safe(part.get_payload, None)
        if isinstance(payload, list):
            stack.extend(p for p in payload if isinstance(p, Message))
    return None


# ---------------------------------------------------------------------------
# parse_message
# ---------------------------------------------------------------------------

_HEADER_LINE_RE = re.compile(rb"^[!-9;-~]+[ \t]*:")
_STRICT_HEADER_RE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]{0,60}:")
_OBS_HEADER_RE = re.compile(rb"^([A-Za-z][A-Za-z0-9-]{0,60})[ \t]+:")


def _repair_header_block(raw: bytes) -> tuple[bytes, list[str]]:
    """Fix header blocks that make Python's parser give up on the headers.

    * junk lines before the first header ("---- Original email message ----");
    * obsolete "Name  : value" (RFC 5322 obs-syntax), seen as non-headers;
    * unindented continuation lines (long X- headers wrapped by a gateway),
      which would otherwise end the header block and drop From/Subject.
    Lines are only rewritten when real header lines follow them.
    """
    m = re.search(rb"\r?\n\r?\n", raw)
    end = m.start() if m else len(raw)
    lines = raw[:end].split(b"\n")
    repairs: list[str] = []

    def is_header(line: bytes) -> bool:
        return bool(_STRICT_HEADER_RE.match(line) or _OBS_HEADER_RE.match(line))

    # Leading junk (at most 3 lines) when a header follows.
    skip = 0
    while (
        skip < min(3, len(lines) - 1) and not is_header(lines[skip]) and is_header(lines[skip + 1])
    ):
        skip += 1
        if is_header(lines[skip]):
            break
    if skip:
        lines = lines[skip:]
        repairs.append("junk before headers skipped")
    out: list[bytes] = []
    changed = False
    for i, line in enumerate(lines):
        obs = _OBS_HEADER_RE.match(line)
        if obs:
            line = obs.group(1) + b":" + line[obs.end() :]
            changed = True
        elif (
            i > 0
            and line.strip()
            and not _HEADER_LINE_RE.match(line)
            and line[:1] not in (b" ", b"\t")
            and any(is_header(later) for later in lines[i + 1 :])
        ):
            line = b" " + line
            changed = True
        out.append(line)
    if changed:
        repairs.append("header block repaired")
    if not skip and not changed:
        return raw, []
    return b"\n".join(out) + raw[end:], repairs


_BOUNDARY_DEFECTS = (
    "StartBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
    "NoBoundaryInMultipartDefect",
    "CloseBoundaryNotFoundDefect",
)


def _boundary_defects(msg: Message) -> int:
    parts = _safe(lambda: list(msg.walk()), [msg])
    return sum(
        1 for p in parts for d in getattr(p, "defects", []) if type(d).__name__ in _BOUNDARY_DEFECTS
    )


def _generated_message_id(raw: bytes) -> str:
    return f"<{hashlib.sha256(raw).hexdigest()[:32]}@generated.invalid>"


def parse_message(raw: bytes) -> ParsedMail:
    """Parse raw RFC 5322 bytes. Raises MailParseError only for non-messages."""
    if raw is None or not raw.strip():
        raise MailParseError("empty message")
    if isinstance(raw, str):  # tolerate callers handing us text
        raw = raw.encode("utf-8", "surrogateescape")
    # Drop an mbox "From " separator and leading blank lines so headers start at 0.
    body_raw = raw.lstrip(b"\r\n\t ")
    envelope_from = ""
    if re.match(rb"From [^\s:]", body_raw) and b"\n" in body_raw:
        first, body_raw = body_raw.split(b"\n", 1)
        envelope_from = (
            first[5:].split(None, 1)[0].decode("ascii", "replace") if first[5:].strip() else ""
        )
    body_raw, repairs = _repair_header_block(body_raw)
    if not _HEADER_LINE_RE.match(body_raw):
        raise MailParseError("no header block")

    defects: list[str] = list(repairs)
    trees: dict[str, Message] = {}
    for label, parser in (("default", _PARSER_DEFAULT), ("compat32", _PARSER_COMPAT)):
        try:
            trees[label] = parser.parsebytes(body_raw)
        except Exception as exc:  # e.g. RecursionError on absurd nesting
            defects.append(f"{label} parser failed: {type(exc).__name__}")
    msg = trees.get("default") or trees.get("compat32")
    if msg is None:
        msg = _PARSER_COMPAT.parsebytes(body_raw, headersonly=True)
    elif (
        "compat32" in trees
        and msg is trees.get("default")
        and _boundary_defects(trees["compat32"]) < _boundary_defects(msg)
    ):
        # The modern policy's stricter Content-Type parser rejects some real-world
        # boundaries (unquoted "=" etc.), which flattens the whole MIME tree.  The
        # structure then comes from compat32's lenient parameter parser.
        defects.append("MIME structure taken from compat32 parse")
        msg = trees["compat32"]
    if not _raw_headers(msg):
        raise MailParseError("no headers")

    for part_defect in _safe(lambda: [d for p in msg.walk() for d in p.defects], []):
        defects.append(type(part_defect).__name__)

    hint = _charset_hint(msg)
    headers: dict[str, list[str]] = {}
    for name, value in _raw_headers(msg):
        headers.setdefault(name.lower(), []).append(
            _safe(lambda v=value: decode_header_text(v, hint), str(value))
        )

    walker = _Walker(body_raw, msg, hint, trees.get("compat32"))
    try:
        walker.process()
    except Exception as exc:
        # The tree broke somewhere we did not guard: retry the walk on compat32.
        defects.append(f"MIME walk failed: {type(exc).__name__}")
        alt_root = trees.get("compat32")
        if alt_root is not None and alt_root is not msg:
            walker = _Walker(body_raw, alt_root, hint)
            _safe(walker.process, None)
    defects.extend(walker.defects)

    plain = "\n".join(walker.plain)
    if not plain.strip() and not "".join(walker.html).strip():
        plain = "\n".join(walker.enriched)
    html = "\n".join(walker.html)
    subject_raw = headers.get("subject", [""])[0]
    # A forward ("Fwd:", Outlook "FW:") is the content the requester wants us to
    # read: its embedded header block must not be stripped as a quote.
    is_forward = bool(_FORWARD_SUBJECT_RE.match(subject_raw))
    if plain.strip():
        text = plain.strip("\n")
        new_text = text.strip() if is_forward else strip_quoted_text(text)
    elif html.strip():
        text = html_to_text(html)
        if is_forward or _FORWARD_RE.search(text):
            new_text = text
        else:
            new_text = strip_quoted_text(html_to_text(html, drop_quotes=True) or text)
    else:
        text = plain.strip("\n")
        new_text = text
    html_sanitized = _safe(lambda: sanitize_html(html).strip(), None) if html.strip() else None

    msgid_values = _msgid_list(_all_raw(msg, "message-id"))
    if msgid_values:
        message_id = msgid_values[0]
    else:
        message_id = _generated_message_id(raw)

    reply_pairs = _parse_addresses(_all_raw(msg, "reply-to"), hint)
    from_pairs = _parse_addresses(_all_raw(msg, "from"), hint, allow_bare=True) or _parse_addresses(
        _all_raw(msg, "sender"), hint
    )
    if not from_pairs and reply_pairs:
        # No usable From: whoever gets our replies is the requester.
        from_name = _fold_ws(
            decode_header_text(re.sub(r"<[^<>]*>", "", _first_raw(msg, "from") or ""), hint)
        )
        from_pairs = [(from_name.strip("\"' ") or reply_pairs[0][0], reply_pairs[0][1])]
        defects.append("From taken from Reply-To")
    if not from_pairs:
        # Still nothing: fall back to the envelope (mbox "From " line, Return-Path).
        name = _fold_ws(decode_header_text(_first_raw(msg, "from") or "", hint)).strip("\"' <>")
        envelope = _parse_addresses(
            [envelope_from] + [v for v in _all_raw(msg, "return-path") if "@" in v], hint
        )
        if envelope:
            from_pairs = [(name or envelope[0][0], envelope[0][1])]
            defects.append("From taken from the envelope")
        else:
            defects.append("no parsable From")

    parsed = ParsedMail(
        message_id=message_id,
        in_reply_to=_msgid_list(_all_raw(msg, "in-reply-to")),
        references=_msgid_list(_all_raw(msg, "references")),
        subject=_fold_ws(headers.get("subject", [""])[0]),
        from_name=from_pairs[0][0] if from_pairs else "",
        from_email=from_pairs[0][1] if from_pairs else "",
        reply_to_email=reply_pairs[0][1] if reply_pairs else "",
        to=[e for _n, e in _parse_addresses(_all_raw(msg, "to"), hint)],
        cc=[e for _n, e in _parse_addresses(_all_raw(msg, "cc"), hint)],
        date=_parse_date(_first_raw(msg, "date")),
        text=text,
        html_sanitized=html_sanitized,
        new_text=new_text,
        attachments=walker.attachments,
        headers=headers,
        defects=defects,
    )
    parsed.auto = classify(parsed)
    return parsed


# ---------------------------------------------------------------------------
# Classification: bounce / auto-reply / bulk
# ---------------------------------------------------------------------------

_BOUNCE_SUBJECT_RE = re.compile(
    r"(undeliver|undelivered mail|delivery status notification|delivery (has )?fail|mail delivery (failed|failure"
    r"|subsystem)|failure notice|returned mail|returned to sender|non[- ]?delivery|could not (be )?deliver"
    r"|could not send message|delivery notification|mail system error|unzustellbar|nicht zugestellt"
    r"|tidak terkirim|gagal terkirim|pengiriman gagal|tidak dapat dikirim|message not delivered"
    r"|delivery problem|warning: could not send)",
    re.IGNORECASE,
)
_AUTO_SUBJECT_RE = re.compile(
    r"^\s*(automatic reply|auto(matic)?[- ]?(reply|response|antwort)|autoreply|auto:|out of (the )?office"
    r"|ooo\b|balasan otomatis|jawaban otomatis|respons otomatis|balas otomatis|di luar kantor|sedang cuti"
    r"|abwesenheit|r[ée]ponse automatique|vacation reply|away from (the )?office|read:|dibaca:"
    r"|gelesen:|lu\s*:)",
    re.IGNORECASE,
)
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")
_NOREPLY_RE = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|noreply[-_.+].*|.*[-_.+]noreply)$",
    re.IGNORECASE,
)


def _header_values(parsed: ParsedMail, name: str) -> list[str]:
    return [v.strip() for v in parsed.headers.get(name.lower(), [])]


def classify(parsed: ParsedMail) -> AutoClass:
    """Decide whether a message is from a person, a bounce, an auto-reply or bulk.

    Uses the union of what RT, Zammad and osTicket check.  Bounces first (they
    also carry auto headers), then explicit auto-reply markers, then bulk.
    """
    local = parsed.from_email.split("@", 1)[0].lower() if parsed.from_email else ""
    subject = parsed.subject or ""
    ctype, cparams = parse_header_params(parsed.header("content-type"))
    part_types = {a.content_type for a in parsed.attachments}
    report_types = set()
    if ctype == "multipart/report":
        report_types.add(cparams.get("report-type", "").lower())
    # A report nested deeper (forwarded, or wrapped by a gateway) shows in its parts.
    if part_types & {"message/delivery-status", "message/global-delivery-status"}:
        report_types.add("delivery-status")
    if part_types & {"message/disposition-notification", "message/global-disposition-notification"}:
        report_types.add("disposition-notification")
    return_path = [v.replace(" ", "") for v in _header_values(parsed, "return-path")]
    null_sender = bool(return_path) and all(v in ("<>", "") for v in return_path)

    # --- bounces -----------------------------------------------------------
    if "delivery-status" in report_types:
        return AutoClass("bounce", "delivery status notification (multipart/report)")
    if parsed.headers.get("x-failed-recipients"):
        return AutoClass("bounce", "X-Failed-Recipients header")
    if local in _BOUNCE_SENDERS:
        return AutoClass("bounce", f"sender {parsed.from_email}")
    if _BOUNCE_SUBJECT_RE.search(subject) and (
        null_sender or report_types or not parsed.from_email
    ):
        return AutoClass("bounce", f"bounce subject without a sender address: {subject[:60]}")

    # --- auto replies --------------------------------------------------------
    for value in _header_values(parsed, "auto-submitted"):
        if value and value.split(";")[0].strip().lower() != "no":
            return AutoClass("auto_reply", f"Auto-Submitted: {value}")
    if "disposition-notification" in report_types:
        return AutoClass("auto_reply", "read receipt (disposition-notification)")
    for name in (
        "x-autoreply",
        "x-autorespond",
        "x-autoresponder",
        "x-autogenerated",
        "x-auto-reply",
    ):
        for value in _header_values(parsed, name):
            if value.lower() not in ("no", "false", "0"):
                return AutoClass("auto_reply", f"{name.title()}: {value}")
    for value in _header_values(parsed, "x-auto-response-suppress"):
        tokens = {t.strip().lower() for t in re.split(r"[,\s]+", value) if t.strip()}
        if tokens & {"all", "oof", "autoreply"}:
            return AutoClass("auto_reply", f"X-Auto-Response-Suppress: {value}")
    for name in ("precedence", "x-precedence"):
        for value in _header_values(parsed, name):
            if value.lower() in ("auto_reply", "auto-reply", "autoreply"):
                return AutoClass("auto_reply", f"{name.title()}: {value}")
    if parsed.headers.get("x-ms-exchange-generated-message-source"):
        return AutoClass(
            "auto_reply",
            "X-MS-Exchange-Generated-Message-Source: "
            + parsed.header("x-ms-exchange-generated-message-source"),
        )
    if _AUTO_SUBJECT_RE.match(subject):
        return AutoClass("auto_reply", f"auto-reply subject: {subject[:60]}")
    if parsed.headers.get("x-autoreply-from") or parsed.headers.get("x-mail-autoreply"):
        return AutoClass("auto_reply", "autoreply header")

    # --- bulk --------------------------------------------------------------------
    for name in ("precedence", "x-precedence"):
        for value in _header_values(parsed, name):
            if value.lower() in ("bulk", "junk", "list"):
                return AutoClass("bulk", f"{name.title()}: {value}")
    for name in ("list-id", "list-unsubscribe", "list-post", "x-mailing-list"):
        if parsed.headers.get(name):
            return AutoClass("bulk", f"{name.title()} header (mailing list)")

    # --- sender heuristics ---------------------------------------------------
    if null_sender:
        return AutoClass("auto_reply", "Return-Path: <> (null sender)")
    if local and _NOREPLY_RE.match(local):
        return AutoClass("auto_reply", f"no-reply sender {parsed.from_email}")
    return AutoClass("normal", "")


def _as_parsed(parsed_or_raw: ParsedMail | bytes) -> ParsedMail:
    if isinstance(parsed_or_raw, ParsedMail):
        return parsed_or_raw
    return parse_message(parsed_or_raw)


def bounced_message_ids(parsed_or_raw: ParsedMail | bytes) -> list[str]:
    """Message-ID (then References) of the original message inside a DSN.

    Looks at message/rfc822 and text/rfc822-headers parts, then at header lines
    pasted into the text.  Meant for messages classified as bounces: on other
    mail it would return the ids of any attached .eml.
    """
    parsed = _as_parsed(parsed_or_raw)
    ids: list[str] = []

    def add(values: list[str]) -> None:
        for v in values:
            if v not in ids:
                ids.append(v)

    for att in parsed.attachments:
        if att.content_type in (
            "message/rfc822",
            "message/global",
            "text/rfc822-headers",
            "message/global-headers",
        ) or att.filename.lower().endswith(".eml"):
            head = _safe(lambda a=att: _PARSER_COMPAT.parsebytes(a.payload, headersonly=True), None)
            if head is None:
                continue
            add(_msgid_list(_all_raw(head, "message-id")))
            add(_msgid_list(_all_raw(head, "references")))
    if not ids:
        # Fallback: MTAs that paste the original headers into the body text.
        texts = [parsed.text] + [
            decode_bytes(a.payload)
            for a in parsed.attachments
            if a.content_type.startswith("text/") and len(a.payload) < 1_000_000
        ]
        for text in texts:
            for m in re.finditer(
                r"^\s*Message-ID:\s*(<[^<>\s]+>)", text, re.IGNORECASE | re.MULTILINE
            ):
                add([m.group(1)])
            for m in re.finditer(
                r"^\s*References:\s*((?:<[^<>\s]+>\s*)+)", text, re.IGNORECASE | re.MULTILINE
            ):
                add(_msgid_list([m.group(1)]))
    return ids


def bounced_recipients(parsed_or_raw: ParsedMail | bytes) -> list[str]:
    """Recipients named in Final-Recipient/Original-Recipient of a DSN."""
    parsed = _as_parsed(parsed_or_raw)
    found: list[str] = []
    sources = [
        a.payload
        for a in parsed.attachments
        if a.content_type in ("message/delivery-status", "message/global-delivery-status")
    ]
    texts = [decode_bytes(s) for s in sources] or [parsed.text]
    for text in texts:
        for m in re.finditer(
            r"^(?:Final|Original)-Recipient\s*:\s*(?:[\w.-]+\s*;)?\s*<?([^\s<>;]+@[^\s<>;]+)>?",
            text,
            re.IGNORECASE | re.MULTILINE,
        ):
            addr = m.group(1).lower()
            if addr not in found:
                found.append(addr)
    if not found and parsed.headers.get("x-failed-recipients"):
        for value in parsed.headers["x-failed-recipients"]:
            for m in _EMAIL_RE.finditer(value):
                if m.group().lower() not in found:
                    found.append(m.group().lower())
    return found


# ---------------------------------------------------------------------------
# Our own Message-IDs and ticket codes
# ---------------------------------------------------------------------------

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_CHARS = "[" + CODE_ALPHABET + "]"
_CODE_RE_TEXT = f"{_CODE_CHARS}{{4}}-{_CODE_CHARS}{{4}}"
_CODE_FULL_RE = re.compile(_CODE_RE_TEXT)
_BRACKET_CODE_RE = re.compile(r"\[\s*#?(" + _CODE_RE_TEXT + r")\s*\]", re.IGNORECASE)
_BARE_CODE_RE = re.compile(r"(?<![\w-])#?(" + _CODE_RE_TEXT + r")(?![\w-])", re.IGNORECASE)
_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_OWN_MSGID_RE = re.compile(
    r"^<?t\.(" + _CODE_RE_TEXT + r")\.([A-Za-z0-9_-]{1,64})\.([0-9a-fA-F]{10})@([^<>\s@]+)>?$"
)


def _hmac10(code: str, nonce: str, secret: bytes) -> str:
    return hmac.new(secret, f"{code}.{nonce}".encode("ascii"), hashlib.sha256).hexdigest()[:10]


def make_message_id(ticket_code: str, secret: bytes, domain: str, nonce: str) -> str:
    """``<t.{CODE}.{nonce}.{hmac10}@{domain}>`` for an outgoing message of a ticket."""
    code = ticket_code.strip().upper()
    if not _CODE_FULL_RE.fullmatch(code):
        raise ValueError(f"invalid ticket code: {ticket_code!r}")
    if not _NONCE_RE.fullmatch(nonce):
        raise ValueError("nonce must be 1-64 characters of [A-Za-z0-9_-]")
    if not domain or not re.fullmatch(r"[A-Za-z0-9.-]+", domain):
        raise ValueError(f"invalid domain: {domain!r}")
    return f"<t.{code}.{nonce}.{_hmac10(code, nonce, secret)}@{domain.lower()}>"


def ticket_code_from_message_id(msgid: str, secret: bytes, domain: str) -> str | None:
    """The ticket code of one of *our* Message-IDs, None for anything else or forged."""
    if not msgid:
        return None
    m = _OWN_MSGID_RE.match(msgid.strip())
    if not m:
        return None
    code, nonce, mac, msg_domain = m.groups()
    if msg_domain.lower() != domain.lower() or code != code.upper():
        return None
    if not hmac.compare_digest(mac.lower(), _hmac10(code, nonce, secret)):
        return None
    return code


def is_own_message_id(msgid: str, secret: bytes, domain: str) -> bool:
    """True when ``msgid`` was generated by :func:`make_message_id` with this secret."""
    return ticket_code_from_message_id(msgid, secret, domain) is not None


def find_ticket_codes(subject: str) -> list[str]:
    """Ticket codes in a subject: ``[7KQ4-M9XD]`` first, then bare tokens; upper-cased."""
    if not subject:
        return []
    codes: list[str] = []
    for rx in (_BRACKET_CODE_RE, _BARE_CODE_RE):
        for m in rx.finditer(subject):
            code = m.group(1).upper()
            if code not in codes:
                codes.append(code)
    return codes
