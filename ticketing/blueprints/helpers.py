"""Small helpers shared by the blueprints."""

from __future__ import annotations

from datetime import datetime, timezone

from werkzeug.datastructures import FileStorage

from ..services.attachments import Upload


def now_utc() -> datetime:
    """The request's `now`; time-machine moves it in tests."""
    return datetime.now(timezone.utc)


def read_uploads(files: list[FileStorage] | None, limit_bytes: int) -> list[Upload]:
    """Read uploaded files, keeping at most limit+1 bytes each so 'too large' is detectable."""
    uploads = []
    for storage in files or []:
        if storage is None or not storage.filename:
            continue
        data = storage.stream.read(limit_bytes + 1)
        uploads.append(Upload(filename=storage.filename, data=data))
    return uploads
