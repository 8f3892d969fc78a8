"""parse_message: raw bytes to ParsedMail (never raises except MailParseError)."""

# ruff: noqa: BLE001

from __future__ import annotations

import dataclasses
import hashlib
import re
from contextvars import ContextVar
from email.message import Message

from .charset import strip_bidi
from .classify import classify
from .headers import (
    MAX_HEADERS,
    _all_raw,
    _first_raw,
    _fold_ws,
    _msgid_list,
    _parse_addresses,
    _parse_date,
    _raw_headers,
    decode_header_text,
    header_block_end,
)
from .htmltext import html_to_text, sanitize_html
from .mime import _PARSER_COMPAT, _PARSER_DEFAULT, _charset_hint, _Walker
from .model import (
    MailParseError,
    MailParseTimeout,
    ParsedAttachment,
    ParsedMail,
    _safe,
    check_budget,
    time_budget,
)
from .quotes import FORWARD_RE, FORWARD_SUBJECT_RE, strip_quoted_text

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
    end = header_block_end(raw)
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
    # header_after[i]: a real header line follows line i (one backward pass, so the repair
    # stays linear: a 1 MB block without a blank line is read once, not once per line).
    header_after = [False] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        header_after[i] = header_after[i + 1] or is_header(lines[i])
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
            and header_after[i + 1]
        ):
            line = b" " + line
            changed = True
        out.append(line)
    if changed:
        repairs.append("header block repaired")
    if not skip and not changed:
        return raw, []
    return b"\n".join(out) + raw[end:], repairs


#: header fields always read, even after MAX_HEADERS others (a list or spam marker that a
#: hostile sender pushed down the block must still count)
_KEY_FIELD_RE = re.compile(
    rb"^(from|sender|reply-to|to|cc|subject|date|message-id|in-reply-to|references"
    rb"|return-path|mime-version|content-[a-z-]+|auto-submitted|precedence|x-precedence"
    rb"|list-[a-z]+|x-spam[a-z-]*|x-failed-recipients|authentication-results"
    rb"|x-auto[a-z-]*|x-mailman-version|x-ml-name):",
    re.IGNORECASE,
)


def _trim_header_block(raw: bytes) -> tuple[bytes, list[str]]:
    """Keep at most MAX_HEADERS fields (plus the key fields wherever they are): a block of
    a million junk fields is hostile, and the standard parser would spend seconds on it.
    The raw bytes are stored untouched; only what is parsed is trimmed."""
    end = header_block_end(raw)
    if raw.count(b"\n", 0, end) < MAX_HEADERS:
        return raw, []
    kept: list[bytes] = []
    fields = key_fields = 0
    keep = True
    for line in raw[:end].split(b"\n"):
        if line[:1] not in (b" ", b"\t"):  # a new field starts
            fields += 1
            keep = fields <= MAX_HEADERS or (
                key_fields < MAX_HEADERS and bool(_KEY_FIELD_RE.match(line)))
            key_fields += keep and fields > MAX_HEADERS
        if keep:
            kept.append(line)
    if fields <= MAX_HEADERS:
        return raw, []
    return b"\n".join(kept) + raw[end:], [f"header block trimmed ({fields} fields)"]


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


def parse_message(raw: bytes, *, budget_seconds: float | None = None) -> ParsedMail:
    """Parse raw RFC 5322 bytes. Raises only MailParseError: for non-messages, and
    MailParseTimeout when parsing takes longer than ``budget_seconds``."""
    with time_budget(budget_seconds):
        return _parse(raw)


def _parse(raw: bytes) -> ParsedMail:
    if raw is None or not raw.strip():
        raise MailParseError("empty message")
    if isinstance(raw, str):  # tolerate callers handing us text
        raw = raw.encode("utf-8", "surrogateescape")
    body_raw, envelope_from, defects = _prepare(raw)
    msg, trees = _parse_trees(body_raw, defects)
    repaired = _with_guessed_boundary(msg, body_raw)
    if repaired is not None:
        body_raw, boundary = repaired
        defects.append(f"multipart without a boundary: {boundary!r} read from its body")
        msg, trees = _parse_trees(body_raw, defects)
    check_budget()
    hint = _charset_hint(msg)
    headers: dict[str, list[str]] = {}
    for name, value in _raw_headers(msg):
        headers.setdefault(name.lower(), []).append(
            _safe(lambda v=value: decode_header_text(v, hint), str(value))
        )
    check_budget()
    walker = _walk(body_raw, msg, hint, trees, defects)
    check_budget()
    text, new_text, html_sanitized = _bodies(walker, headers.get("subject", [""])[0])
    msgid_values = _msgid_list(_all_raw(msg, "message-id"))
    reply_pairs = _parse_addresses(_all_raw(msg, "reply-to"), hint)
    from_pairs = _sender(msg, hint, envelope_from, reply_pairs, defects)
    parsed = ParsedMail(
        message_id=msgid_values[0] if msgid_values else _generated_message_id(raw),
        in_reply_to=_msgid_list(_all_raw(msg, "in-reply-to")),
        references=_msgid_list(_all_raw(msg, "references")),
        subject=strip_bidi(_fold_ws(headers.get("subject", [""])[0])),
        from_name=strip_bidi(from_pairs[0][0]) if from_pairs else "",
        from_email=from_pairs[0][1] if from_pairs else "",
        reply_to_email=reply_pairs[0][1] if reply_pairs else "",
        reply_to_name=strip_bidi(reply_pairs[0][0]) if reply_pairs else "",
        to=[e for _n, e in _parse_addresses(_all_raw(msg, "to"), hint)],
        cc=[e for _n, e in _parse_addresses(_all_raw(msg, "cc"), hint)],
        date=_parse_date(_first_raw(msg, "date")),
        text=text,
        html_sanitized=html_sanitized,
        new_text=new_text,
        attachments=walker.attachments,
        headers=headers,
        defects=defects,
        forwarded=walker.forwarded,
    )
    parsed.auto = classify(parsed)
    return parsed


#: messages forwarded inside forwarded messages are read this deep (each a parse of its own)
MAX_FORWARD_DEPTH = 3
_forward_depth: ContextVar[int] = ContextVar("forward_depth", default=0)
FORWARD_HEADING = "---------- Pesan terusan (lampiran) ----------"


def forwarded(raw: bytes) -> tuple[str, list[ParsedAttachment]] | None:
    """A message attached to another (a forward "as attachment"): its readable block (its
    sender, date, subject and recipients, then its text with what it forwarded in turn) and
    the files attached to it (not its inline images, nor the messages it attaches: those are
    in the block). None when it cannot be read (the attachment is still kept) or nests too
    deep."""
    depth = _forward_depth.get()
    if depth >= MAX_FORWARD_DEPTH:
        return None
    token = _forward_depth.set(depth + 1)
    try:
        inner = _parse(raw)
    except MailParseTimeout:
        raise
    except Exception:  # an unreadable forward stays an attachment only
        return None
    finally:
        _forward_depth.reset(token)
    sender = (f"{inner.from_name} <{inner.from_email}>" if inner.from_name and inner.from_email
              else inner.from_email or inner.from_name)
    lines = [FORWARD_HEADING]
    for label, value in (("Dari", sender), ("Tanggal", inner.header("date")),
                         ("Perihal", inner.subject), ("Kepada", ", ".join(inner.to))):
        if value:
            lines.append(f"{label}: {_fold_ws(value)}")
    body = inner.full_content
    files = [dataclasses.replace(a, from_forward=True) for a in inner.attachments
             if not a.is_inline and a.content_type not in ("message/rfc822", "message/global")]
    return "\n".join(lines) + ("\n\n" + body if body else ""), files


def _prepare(raw: bytes) -> tuple[bytes, str, list[str]]:
    """(header-repaired bytes, envelope sender of an mbox "From " line, defects)."""
    # Drop an mbox "From " separator and leading blank lines so headers start at 0.
    body_raw = raw.lstrip(b"\r\n\t ")
    envelope_from = ""
    if re.match(rb"From [^\s:]", body_raw) and b"\n" in body_raw:
        first, body_raw = body_raw.split(b"\n", 1)
        envelope_from = (
            first[5:].split(None, 1)[0].decode("ascii", "replace") if first[5:].strip() else ""
        )
    body_raw, repairs = _repair_header_block(body_raw)
    body_raw, trimmed = _trim_header_block(body_raw)
    if not _HEADER_LINE_RE.match(body_raw):
        raise MailParseError("no header block")
    return body_raw, envelope_from, repairs + trimmed


_DELIMITER_LINE_RE = re.compile(rb"^--([0-9A-Za-z'()+_,./:=?-][0-9A-Za-z'()+_,./:=? -]{0,69})"
                                rb"[ \t]*\r?$", re.MULTILINE)
_MULTIPART_TYPE_RE = re.compile(rb"^(content-type:[ \t]*multipart/[a-z0-9.+-]+)[ \t]*(;?)",
                                re.IGNORECASE | re.MULTILINE)


def _with_guessed_boundary(msg: Message, body_raw: bytes) -> tuple[bytes, str] | None:
    """A multipart message whose Content-Type names no boundary (a broken mailer): the bytes
    with the boundary its body's first delimiter line uses ("--x") added to that header,
    when that line closes the body too ("--x--"); else None (the body is then read as
    text)."""
    if _safe(msg.get_content_maintype, "") != "multipart" or _safe(msg.get_boundary, None):
        return None
    end = header_block_end(body_raw)
    found = _DELIMITER_LINE_RE.search(body_raw, end)
    if found is None:
        return None
    boundary = found.group(1).rstrip()
    if b"--" + boundary + b"--" not in body_raw[found.end():]:
        return None
    header = _MULTIPART_TYPE_RE.search(body_raw, 0, end)
    if header is None:
        return None
    # (the boundary's characters need no escaping inside the quotes)
    return (body_raw[:header.end(1)] + b'; boundary="' + boundary + b'"' + header.group(2)
            + body_raw[header.end():], boundary.decode("ascii", "replace"))


def _parse_trees(body_raw: bytes, defects: list[str]) -> tuple[Message, dict[str, Message]]:
    """The MIME tree (modern policy, or compat32 where it copes better) and both parses."""
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
    return msg, trees


def _walk(body_raw: bytes, msg: Message, hint: str | None, trees: dict[str, Message],
          defects: list[str]) -> _Walker:
    walker = _Walker(body_raw, msg, hint, trees.get("compat32"))
    try:
        walker.process()
    except MailParseTimeout:
        raise
    except Exception as exc:
        # The tree broke somewhere we did not guard: retry the walk on compat32.
        defects.append(f"MIME walk failed: {type(exc).__name__}")
        alt_root = trees.get("compat32")
        if alt_root is not None and alt_root is not msg:
            walker = _Walker(body_raw, alt_root, hint)
            _safe(walker.process, None)
    defects.extend(walker.defects)
    return walker


def _bodies(walker: _Walker, subject: str) -> tuple[str, str, str | None]:
    """(full text, new text without the quoted reply, sanitised HTML)."""
    plain = "\n".join(walker.plain)
    if not plain.strip() and not "".join(walker.html).strip():
        plain = "\n".join(walker.enriched)
    html = "\n".join(walker.html)
    # A forward ("Fwd:", Outlook "FW:") is the content the requester wants us to
    # read: its embedded header block must not be stripped as a quote.
    is_forward = bool(FORWARD_SUBJECT_RE.match(subject))
    if plain.strip():
        text = plain.strip("\n")
        new_text = text.strip() if is_forward else strip_quoted_text(text)
    elif html.strip():
        text = html_to_text(html)
        check_budget()
        if is_forward or FORWARD_RE.search(text):
            new_text = text
        else:
            marked = html_to_text(html, mark_quotes=True)
            new_text = strip_quoted_text(marked, quotes_marked=True) if marked else text
    else:
        text = plain.strip("\n")
        new_text = text
    html_sanitized = _safe(lambda: sanitize_html(html).strip(), None) if html.strip() else None
    return text, new_text, html_sanitized


def _sender(msg: Message, hint: str | None, envelope_from: str,
            reply_pairs: list[tuple[str, str]], defects: list[str]) -> list[tuple[str, str]]:
    """(name, address) of the sender: From, Sender, Reply-To, then the envelope."""
    from_pairs = _parse_addresses(_all_raw(msg, "from"), hint, allow_bare=True) or _parse_addresses(
        _all_raw(msg, "sender"), hint
    )
    if not from_pairs and reply_pairs:
        # No usable From: whoever gets our replies is the requester.
        from_name = _fold_ws(
            decode_header_text(re.sub(r"<[^<>]*>", "", _first_raw(msg, "from") or ""), hint)
        )
        defects.append("From taken from Reply-To")
        return [(from_name.strip("\"' ") or reply_pairs[0][0], reply_pairs[0][1])]
    if not from_pairs:
        # Still nothing: fall back to the envelope (mbox "From " line, Return-Path).
        name = _fold_ws(decode_header_text(_first_raw(msg, "from") or "", hint)).strip("\"' <>")
        envelope = _parse_addresses(
            [envelope_from] + [v for v in _all_raw(msg, "return-path") if "@" in v], hint
        )
        if envelope:
            defects.append("From taken from the envelope")
            return [(name or envelope[0][0], envelope[0][1])]
        defects.append("no parsable From")
    return from_pairs
