"""Small helpers shared by the blueprints."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import abort, current_app, send_file
from werkzeug.datastructures import FileStorage

from ..models import Attachment
from ..services.attachments import Upload


def now_utc() -> datetime:
    """The request's `now`; time-machine moves it in tests."""
    return datetime.now(UTC)


def read_uploads(files: list[FileStorage] | None, limit_bytes: int) -> list[Upload]:
    """Read uploaded files, keeping at most limit+1 bytes each so 'too large' is detectable."""
    uploads = []
    for storage in files or []:
        if storage is None or not storage.filename:
            continue
        data = storage.stream.read(limit_bytes + 1)
        uploads.append(Upload(filename=storage.filename, data=data))
    return uploads


def apply_errors(form, errors: dict[str, str]) -> None:
    """Show a service's field -> message errors beside the fields; others above the form."""
    for name, message in errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)


def today_local():
    """Today's date on the office's clock (periods, reports)."""
    return now_utc().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


#: types a browser shows safely by itself, so they may open in a tab instead of downloading
PREVIEWABLE = frozenset({"application/pdf", "image/png", "image/jpeg"})
#: a previewed file is its own sandboxed document: no scripts, no forms, no outside requests
PREVIEW_CSP = ("sandbox allow-downloads; default-src 'none'; img-src 'self'; "
               "style-src 'unsafe-inline'; object-src 'self'; plugin-types application/pdf")


def send_attachment(item: Attachment, *, opaque: bool = False, inline: bool = False):
    """Serve a stored file: a download, or (images and PDF, when asked) shown in the browser.

    `opaque` hands a refused file (wrong type) out only as raw bytes, for staff review; such a
    file is never shown inline.
    """
    path = Path(current_app.config["UPLOAD_DIR"]) / item.storage_path
    if not path.is_file():
        abort(404)
    mimetype = "application/octet-stream" if opaque else item.content_type
    show = inline and not opaque and item.is_accepted and mimetype in PREVIEWABLE
    response = send_file(path, mimetype=mimetype, as_attachment=not show,
                         download_name=item.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if show:
        response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response
