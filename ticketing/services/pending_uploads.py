"""Files a citizen attached to a form that came back with a mistake are kept, not lost.

They are stored provisionally (outside the attachment store, under UPLOAD_DIR/pending) and
named in the form by a signed token; the corrected submit takes them along, a "Hapus" box
drops one, and anything not used within a day is removed the next time a file is kept.
Only files that pass the form's own checks (type by content, size) are kept.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature

from ..signing import timed_signer
from .attachments import Upload, check_upload

SALT = "pending-upload"
MAX_AGE = 24 * 3600


@dataclass(frozen=True)
class Kept:
    token: str
    filename: str
    size: int


def _dir(upload_dir: str) -> Path:
    path = Path(upload_dir) / "pending"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _prune(folder: Path, now: float) -> None:
    for item in folder.glob("*.bin"):
        try:
            if now - item.stat().st_mtime > MAX_AGE:
                item.unlink(missing_ok=True)
        except OSError:
            continue


def keep(uploads: list[Upload], *, upload_dir: str, secret_key: str,
         max_bytes: int) -> list[Kept]:
    """Store the acceptable files for the next submit; returns their tokens."""
    folder = _dir(upload_dir)
    _prune(folder, time.time())
    signer = timed_signer(secret_key, SALT)
    kept = []
    for upload in uploads:
        checked = check_upload(upload, max_bytes)
        if not checked.ok:
            continue  # a refused file is explained on the form, never kept
        key = secrets.token_urlsafe(18)
        (folder / f"{key}.bin").write_bytes(upload.data)
        token = signer.dumps({"k": key, "n": checked.filename, "s": len(upload.data)})
        kept.append(Kept(token, checked.filename, len(upload.data)))
    return kept


def read(tokens: list[str], *, upload_dir: str, secret_key: str) -> list[tuple[Kept, Upload]]:
    """The kept files the form names (forged, expired or missing ones are skipped)."""
    if not tokens:  # the common case: nothing kept, nothing to look for on disk
        return []
    signer = timed_signer(secret_key, SALT)
    folder = _dir(upload_dir)
    out = []
    for token in dict.fromkeys(tokens):
        try:
            meta = signer.loads(token, max_age=MAX_AGE)
        except BadSignature:
            continue
        if not isinstance(meta, dict) or not isinstance(meta.get("k"), str):
            continue
        path = folder / f"{meta['k']}.bin"
        if "/" in meta["k"] or not path.is_file():
            continue
        data = path.read_bytes()
        out.append((Kept(token, str(meta.get("n", "lampiran")), len(data)),
                    Upload(filename=str(meta.get("n", "lampiran")), data=data)))
    return out


def discard(tokens: list[str], *, upload_dir: str, secret_key: str) -> None:
    """Remove kept files once used (or removed by the citizen)."""
    if not tokens:
        return
    signer = timed_signer(secret_key, SALT)
    folder = _dir(upload_dir)
    for token in tokens:
        try:
            meta = signer.loads(token, max_age=MAX_AGE)
        except BadSignature:
            continue
        if isinstance(meta, dict) and isinstance(meta.get("k"), str) and "/" not in meta["k"]:
            (folder / f"{meta['k']}.bin").unlink(missing_ok=True)


def to_json(kept: list[Kept]) -> str:
    return json.dumps([k.token for k in kept])
