"""Small helpers shared by the blueprints."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import abort, current_app, make_response, render_template, request, send_file
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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


def refused_text(refusal) -> str:
    """Why a post over the intake (or login) limit came back, and how long to wait."""
    return _("Terlalu banyak permintaan dari alamat Anda dalam waktu singkat. Isian Anda masih "
             "ada di bawah: tunggu sekitar %(wait)s, lalu kirim kembali.",
             wait=refusal_wait(refusal))


def expired_text() -> str:
    """Why a post whose form had expired (CSRF: the browser's session was gone) came back."""
    return _("Formulir ini sudah kedaluwarsa (misalnya karena peramban sempat ditutup), jadi "
             "belum terkirim. Isian Anda masih ada di bawah: periksa, lalu kirim kembali.")


def with_input_back(form, message: str):
    """`form` (built from what was posted) with `message` above it, and a word that files
    chosen must be chosen again: a post refused before its view ran is not read further,
    and its files are not stored (the intake limit is there against floods)."""
    if any(item.filename for item in request.files.values()):
        message += " " + _("Lampiran yang tadi dipilih perlu dipilih lagi.")
    form.form_errors.append(message)
    return form


def input_back(again: Callable[[str, int], object]):
    """Mark a view whose page can be shown again with what was typed, for a post refused
    before the view ran: `again(message, status)` returns that page, or None when there is
    none to show (then the shared error page). See give_input_back."""

    def decorate(view):
        view.input_back = again
        return view

    return decorate


def page_again(template: str, form_class):
    """An `input_back` page: `template` again with its form as typed and the message."""

    def again(message: str, status: int):
        form = with_input_back(form_class(), message)
        return make_response(render_template(template, form=form), status)

    return again


def give_input_back(refusal=None):
    """This post's page again with what was typed: after the intake limit refused it
    (`refusal`: 429 with the wait; ratelimit.intake_limited's on_refusal) or after its form
    expired (no refusal: 400; errors' CSRF handler). None when the view has no such page."""
    view = current_app.view_functions.get(request.endpoint or "")
    again = getattr(view, "input_back", None)
    if again is None:
        return None
    if refusal is None:
        return again(expired_text(), 400)
    return again(refused_text(refusal), 429)


#: posted fields never written back into a page: passwords, tokens, the forms' machinery
_NOT_SHOWN = re.compile(r"(password|sandi|current|new|confirm|token|csrf|secret|key|started|"
                        r"kept|hapus|website|next|version|seen|^t)$", re.IGNORECASE)
#: the labels of the fields a citizen or staff member types most
_LABELS = {"name": _l("Nama"), "email": _l("Email"), "phone": _l("Telepon"),
           "subject": _l("Perihal"), "message": _l("Pesan"), "body": _l("Pesan"),
           "comment": _l("Komentar"), "contact": _l("Email atau nomor telepon"),
           "code": _l("Kode pelacakan")}


def same_origin() -> bool:
    """The post came from a page of this site (its Origin, else its Referer, names our
    host; browsers send Origin with every form post). Host names only: behind nginx the
    Host header may lack the port the browser used."""
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    host = urlsplit(source).hostname
    return bool(host) and host == urlsplit(f"//{request.host}").hostname


def unsent_fields() -> list[tuple[str, str]]:
    """(label, text) of what was typed into a form that could not be sent, to copy."""
    shown = []
    for name, value in request.form.items(multi=True):
        base = name.rsplit("-", 1)[-1]  # a prefixed form's field ("reply-body")
        if not value.strip() or _NOT_SHOWN.search(base):
            continue
        if base not in _LABELS and len(value.strip()) < 20:
            continue  # a choice or a flag, not something typed
        shown.append((str(_LABELS.get(base, base.replace("_", " ").capitalize())), value))
    return shown[:20]


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
