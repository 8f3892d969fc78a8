"""MIME walking: body texts and attachments from a parsed tree."""

# ruff: noqa: BLE001

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy as email_policy
from email.message import Message
from email.parser import BytesParser
from functools import lru_cache

import formatflowed

try:  # optional: unpack Outlook's winmail.dat
    from tnefparse import TNEF as _TNEF
except ImportError:  # pragma: no cover - winmail.dat is then kept as is
    _TNEF = None

from .charset import _clean_text, _codec_name, decode_bytes, strip_bidi
from .headers import (
    _first_raw,
    _fold_ws,
    _raw_headers,
    _raw_to_bytes,
    decode_header_text,
    parse_header_params,
)
from .model import MAX_DEPTH, ParsedAttachment, _safe, check_budget
from .transfer import _EXT_BY_TYPE, _cte, _decode_transfer, _guess_type, _uu_line, _uudecode

# ---------------------------------------------------------------------------
# MIME walking
# ---------------------------------------------------------------------------


#: messages attached to one mail that are read into its text (each is parsed whole: a mail
#: of a thousand attached messages keeps the rest as attachments, within its parse budget)
MAX_FORWARDS = 20


class _ParsedOncePolicy(email_policy.EmailPolicy):
    """email.policy.default, with a header field parsed once into its header object: the
    feed parser and the walk read a part's Content-Type again and again
    (get_content_type, get_content_maintype, is_multipart...), and each read parsed it anew
    (half of parsing a typical message). Header objects are immutable strings, so one object
    serves every read of the same field."""

    def header_fetch_parse(self, name, value):
        if hasattr(value, "name") or len(value) > _PARSED_ONCE_CHARS:
            return super().header_fetch_parse(name, value)
        return _parsed_header(name, value)


#: longer fields (rare, and possibly hostile) are parsed at each read, not kept
_PARSED_ONCE_CHARS = 2000


@lru_cache(maxsize=4096)
def _parsed_header(name: str, value: str):
    return email_policy.default.header_fetch_parse(name, value)


#: the modern policy every message is parsed with (besides compat32)
MODERN_POLICY = _ParsedOncePolicy()
_PARSER_DEFAULT = BytesParser(policy=MODERN_POLICY)
_PARSER_COMPAT = BytesParser(policy=email_policy.compat32)


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
        self.forwarded: list[str] = []  # readable blocks of attached messages (parse.forwarded)
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
                        (*path, i),
                    )
            return
        yield _Leaf(part, parent, index, ctype, params, in_alt, depth, resource, path)

    # -- leaves ---------------------------------------------------------------
    def process(self) -> None:
        for leaf in self.leaves(self.root):
            check_budget()
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
        return safe_filename(name) or None

    def _process_leaf(self, leaf: _Leaf) -> None:
        part, ctype = leaf.part, leaf.ctype
        maintype = ctype.split("/", 1)[0]
        if maintype == "multipart":
            # a multipart whose parts cannot be told apart (no boundary, none to be read
            # from its body: parse._with_guessed_boundary): its body is read as text, so
            # staff see the words rather than a file to download
            ctype, maintype = "text/plain", "text"
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
            if (ctype in ("message/rfc822", "message/global") and not self._in_report(leaf)
                    and len(self.forwarded) < MAX_FORWARDS):
                from .parse import forwarded  # parse builds on this module

                read = forwarded(payload)
                if read is not None:
                    # its files beside it: a forwarded scan is opened like any attachment
                    self.forwarded.append(read[0])
                    self.attachments.extend(read[1])
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
                if leaf.params.get("format", "").lower() == "flowed":
                    text = _safe(lambda: unflow(text, leaf.params.get("delsp", "")), text)
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

    @staticmethod
    def _in_report(leaf: _Leaf) -> bool:
        """A message inside a delivery or read report (RFC 6522) is the one that bounced, not
        something the sender forwarded."""
        return leaf.parent is not None and _content_type(leaf.parent)[0] == "multipart/report"

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
            ParsedAttachment(safe_filename(filename) or f"attachment-{self.counter}", ctype,
                             payload, is_inline, content_id or None)
        )


def unflow(text: str, delsp: str = "") -> str:
    """format=flowed text (RFC 3676: iOS Mail, Thunderbird) with its soft line breaks
    joined again, so a paragraph reads as one line; quoted lines keep their '>' marks and
    fixed lines stay as sent. `delsp`: the part's DelSp parameter ("yes": the space before a
    soft break was added by the sender's program and goes)."""
    flowed = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8", "surrogatepass")
    lines = []
    for info, chunk in formatflowed.decode(flowed, delete_space=delsp.lower() == "yes",
                                           character_set="utf-8",
                                           error_handling="surrogatepass"):
        depth = info.get("quotedepth", 0)
        lines.append(">" * depth + (" " if depth and chunk else "") + chunk)
    return "\n".join(lines)


def safe_filename(name: str) -> str:
    """A filename fit to store and show: decodable (replacement characters where the sender's
    bytes were not), no control or bidi characters."""
    return strip_bidi(_clean_text(name)).strip()


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
