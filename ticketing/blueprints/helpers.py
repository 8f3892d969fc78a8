"""Small helpers shared by the blueprints."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import abort, current_app, request, send_file
from flask_babel import format_timedelta
from flask_babel import gettext as _
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


def refusal_wait(refusal) -> str:
    """How long a citizen refused by the intake limit waits, in words ("2 menit", "1 jam"):
    whole minutes, rounded up (never a wait that ends before the window reopens; reset_at is
    itself rounded up to a whole second, hence the second taken off)."""
    minutes = max(1, math.ceil((refusal.reset_at - time.time() - 1) / 60))
    return format_timedelta(timedelta(minutes=minutes), granularity="minute", threshold=1)


def refused_form(form, refusal) -> None:
    """A form refused by the intake limit comes back with what was typed and these words: how
    long to wait, and that files chosen must be chosen again (a refused request's files are
    not stored: the limit is there against floods)."""
    text = _("Terlalu banyak permintaan dari alamat Anda dalam waktu singkat. Isian Anda masih "
             "ada di bawah: tunggu sekitar %(wait)s, lalu kirim kembali.",
             wait=refusal_wait(refusal))
    if any(item.filename for item in request.files.values()):
        text += " " + _("Lampiran yang tadi dipilih perlu dipilih lagi.")
    form.form_errors.append(text)


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
