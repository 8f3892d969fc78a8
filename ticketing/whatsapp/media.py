"""Media of inbound messages (image, document, audio, video, sticker): media id -> URL ->
bytes with the token, into the attachment store under the web form's type and size rules.
A failed download leaves the ticket as it is; the scheduler tries again with the outbox's
backoff, and staff are told when it gives up."""

from __future__ import annotations

import logging
import mimetypes
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Message, WhatsAppMessage
from ..services.attachments import Upload
from ..services.intake import attach_files
from . import is_configured, notify
from .client import GraphClient, GraphError, MediaTooLarge
from .delivery import retry_after, retry_window_over

log = logging.getLogger(__name__)


def _filename(row: WhatsAppMessage, mime: str | None) -> str:
    media = (row.payload or {}).get(row.type) or {}
    if media.get("filename"):
        return str(media["filename"])
    ext = mimetypes.guess_extension((mime or "").split(";")[0].strip()) or ""
    return f"whatsapp-{row.type}-{row.id}{ext}"


def fetch(row_id: int, now: datetime) -> str:
    """Try once; returns the media state. Commits."""
    row = db.session.get(WhatsAppMessage, row_id)
    if row is None or row.media_state != "pending" or row.message_id is None:
        return row.media_state if row is not None else "none"
    cfg = current_app.config
    client = GraphClient.from_config(cfg)
    row.media_attempts += 1
    try:
        info = client.media_info(row.media_id)
        data = client.download(str(info.get("url") or ""), cfg["MAX_ATTACHMENT_BYTES"])
        mime = info.get("mime_type")
    except MediaTooLarge as exc:
        _refused(row, now, f"Berkas {row.type} terlalu besar; {exc}.")
        db.session.commit()
        return row.media_state
    except GraphError as exc:
        row.media_error = str(exc)[:300]
        if retry_window_over(row.created_dt, now):
            row.media_state = "failed"
            _note(row, now, f"Berkas {row.type} dari WhatsApp tidak dapat diunduh setelah "
                            f"{row.media_attempts} percobaan: {exc}. Minta pemohon mengirim ulang.")
        else:
            row.media_next_dt = now + retry_after(row.media_attempts)
        log.warning("whatsapp media %s: %s", row.media_id, exc)
        db.session.commit()
        return row.media_state
    message = db.session.get(Message, row.message_id)
    stored = attach_files(message, [Upload(filename=_filename(row, mime), data=data)], now,
                          keep_refused=True)
    refused = [a for a in stored if not a.is_accepted]
    if refused:
        _refused(row, now, refused[0].refusal_reason or "berkas ditolak")
    else:
        row.media_state, row.media_error = "stored", None
    db.session.commit()
    return row.media_state


def _refused(row: WhatsAppMessage, now: datetime, why: str) -> None:
    """Not accepted under the form's rules: kept for staff (when downloaded), sender told."""
    row.media_state, row.media_error = "refused", why[:300]
    if row.ticket is not None:
        notify.queue(row.ticket, "media_refused", now, to=row.wa_id, direct=True,
                     context={"reason": why})


def _note(row: WhatsAppMessage, now: datetime, text: str) -> None:
    if row.ticket is not None:
        row.ticket.messages.append(Message(direction="note", author_name="Sistem WhatsApp",
                                           channel="whatsapp", body_text=text, created_dt=now))


def retry_due(now: datetime, limit: int = 50) -> dict:
    """The scheduler's job: downloads that failed earlier and are due again."""
    summary = {"stored": 0, "pending": 0, "refused": 0, "failed": 0}
    if not is_configured(current_app.config):
        return {"disabled": True}
    ids = db.session.scalars(select(WhatsAppMessage.id).where(
        WhatsAppMessage.media_state == "pending", WhatsAppMessage.media_next_dt <= now)
        .order_by(WhatsAppMessage.media_next_dt).limit(limit)).all()
    for row_id in ids:
        state = fetch(row_id, now)
        summary[state] = summary.get(state, 0) + 1
    return summary
