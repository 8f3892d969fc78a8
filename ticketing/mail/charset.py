"""Charset handling: labels, guesses for undeclared 8-bit data, mojibake repair."""

# ruff: noqa: BLE001

from __future__ import annotations

import codecs
import functools
import re
import unicodedata

try:  # optional: better guesses for undeclared / wrongly declared charsets
    from charset_normalizer import from_bytes as _cn_from_bytes
except ImportError:  # pragma: no cover - the fallback path is cp1252
    _cn_from_bytes = None


_DETECT_SAMPLE = 64 * 1024  # bytes given to charset detection

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
    # Lone surrogates (UTF-7 and UTF-16 senders, broken escapes) cannot be stored or shown.
    text = _SURROGATE_RE.sub("\ufffd", text)
    return unicodedata.normalize("NFC", text)


_SURROGATE_RE = re.compile("[\ud800-\udfff]")
#: bidirectional embedding/override/isolate controls (and the marks): they let a name such
#: as "invoice\u202egpj.exe" read as "invoiceexe.jpg" to staff
_BIDI_RE = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def strip_bidi(text: str) -> str:
    """Text without bidi control characters (for names and filenames shown to staff)."""
    return _BIDI_RE.sub("", text) if text else text


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
    codec = _codec_name(best.encoding)
    # A guess of a multi-byte family (UTF-16/32, UTF-7) turns 8-bit text with one bad byte
    # into CJK: such codecs are only ever used when declared (or with a BOM).
    return codec if codec and is_ascii_compatible(codec) else None


@functools.lru_cache(maxsize=256)
def is_ascii_compatible(codec: str) -> bool:
    """True when the codec maps ASCII bytes to themselves (not UTF-16/32/7, not EBCDIC)."""
    probe = "From: Budi <budi@example.id>, 1+1=2"
    try:
        return probe.encode(codec) == probe.encode("ascii")
    except (LookupError, UnicodeError):
        return False


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
            s2 = j2 + 31 + (1 if j2 >= 96 else 0) if j1 & 1 else j2 + 126
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
    # The hint (the body's charset) is a guess for these bytes: never a multi-byte family.
    if hint_codec and hint_codec not in candidates and is_ascii_compatible(hint_codec):
        candidates.append(hint_codec)
    for name in candidates:
        try:
            return _clean_text(_decode_with(data, name))
        except (UnicodeDecodeError, LookupError):
            continue
    if codec in (None, "utf-8") and _mostly_utf8(data):
        # A UTF-8 text with a few broken sequences (truncated by a gateway).
        return _clean_text(data.decode("utf-8", errors="replace"))
    return _clean_text(_guess_decode(data))


def _mostly_utf8(data: bytes) -> bool:
    """True when most non-ASCII bytes form valid UTF-8 sequences."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    # one broken byte (a truncated or mangled character) next to real UTF-8 is still UTF-8
    return good > 0 and (bad == 1 or bad * 4 <= good)
