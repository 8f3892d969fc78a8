"""Storing files citizens and staff attach; the type is judged by content, not by name."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: what the public form accepts: detected MIME type -> canonical extension
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    DOCX: "docx",
}
ALLOWED_LABEL = "PDF, JPG, PNG atau DOCX"


def megabytes(size: int) -> str:
    """A limit in whole megabytes, as the desk's words give it ("10 MB")."""
    return f"{size / 1024 / 1024:.0f} MB"


def accepted(config) -> dict:
    """What the desk accepts, from the limits it applies (the app's config), for every page
    and message that tells a citizen: the types, the largest file, files per request."""
    return {"types": ALLOWED_LABEL, "size": megabytes(config["MAX_ATTACHMENT_BYTES"]),
            "count": config["MAX_ATTACHMENTS"]}


@dataclass
class Upload:
    """A file as received: its claimed name and its bytes."""

    filename: str
    data: bytes


@dataclass
class Checked:
    filename: str
    content_type: str
    data: bytes
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def safe_filename(name: str, fallback: str = "lampiran") -> str:
    """A display/download name with no path, control characters or shell surprises."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]+", "", name)
    name = re.sub(r'[<>:"|?*]+', "_", name).strip(" .")
    return (name or fallback)[:200]


def detect_type(data: bytes) -> str | None:
    """MIME type from the bytes; a docx must be a real Word zip, not any zip."""
    kind = filetype.guess(data)
    if kind is None:
        return None
    mime = kind.mime
    if mime == DOCX:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" not in names or "[Content_Types].xml" not in names:
            return "application/zip"
    return mime


def check_upload(upload: Upload, max_bytes: int) -> Checked:
    """Judge one file by its content and size; the error is in Indonesian for the sender."""
    name = safe_filename(upload.filename)
    size = len(upload.data)
    if size == 0:
        return Checked(name, "application/octet-stream", upload.data, "Berkas kosong.")
    if size > max_bytes:
        return Checked(
            name, "application/octet-stream", upload.data,
            f"Berkas {name} terlalu besar ({size / 1048576:.1f} MB); "
            f"batasnya {megabytes(max_bytes)}.",
        )
    mime = detect_type(upload.data)
    if mime not in ALLOWED_TYPES:
        return Checked(
            name, mime or "application/octet-stream", upload.data,
            f"Berkas {name} bukan {ALLOWED_LABEL} yang sah (isi berkas diperiksa, bukan namanya).",
        )
    # The stored name gets the extension that matches the content, so a download never
    # opens as something else.
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return Checked(f"{stem}.{ALLOWED_TYPES[mime]}", mime, upload.data)


def store_bytes(upload_dir: str, data: bytes) -> tuple[str, str]:
    """Write content-addressed (by sha256) and return (sha256, relative path)."""
    digest = hashlib.sha256(data).hexdigest()
    relative = f"{digest[:2]}/{digest}"
    path = Path(upload_dir) / relative
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return digest, relative
