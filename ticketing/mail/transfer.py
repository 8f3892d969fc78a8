"""Content-Transfer-Encodings (lenient base64, quoted-printable, uuencode) and file types."""


from __future__ import annotations

import base64
import binascii
import quopri
import re
from email.message import Message

from .headers import _first_raw

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


def _guess_type(filename: str) -> str:
    ext = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    return _TYPE_BY_EXT.get(ext, "application/octet-stream")
