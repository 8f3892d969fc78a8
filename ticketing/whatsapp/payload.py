"""Plain functions over the Cloud API's webhook JSON (no Flask, no database)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from ..domain import subjects
from ..domain.codes import normalize_code
from ..mail.msgids import find_ticket_codes

#: message types whose content is a media object fetched through the Graph API
MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")
_MEDIA_LABELS = {"image": "gambar", "document": "dokumen", "audio": "audio", "video": "video",
                 "sticker": "stiker"}
STOP_WORDS = {"berhenti", "stop", "unsubscribe", "stop promo"}
START_WORDS = {"mulai", "start", "lanjut"}
_TRACK_RE = re.compile(r"^\s*(?:lacak|status|cek)\s+([0-9A-Za-z-]{8,10})(?:\s+k[=:]?\s*(\w+))?",
                       re.IGNORECASE)


def signature_ok(raw: bytes, header: str | None, app_secret: str) -> bool:
    """X-Hub-Signature-256: 'sha256=' + HMAC-SHA256 of the raw body, compared in constant time."""
    if not header or not app_secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256="):].strip().lower())


def sign(raw: bytes, app_secret: str) -> str:
    """The header value Meta would send for these bytes."""
    return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


def changes(body: dict) -> Iterator[dict]:
    """The `value` of every `messages` change in a delivery (other fields are ignored)."""
    if not isinstance(body, dict):
        return
    entries = body.get("entry")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("changes"), list):
            continue
        for change in entry["changes"]:
            if isinstance(change, dict) and change.get("field") == "messages":
                value = change.get("value")
                if isinstance(value, dict):
                    yield value


def profile_names(value: dict) -> dict[str, str]:
    names = {}
    contacts = value.get("contacts")
    for contact in contacts if isinstance(contacts, list) else []:
        if isinstance(contact, dict) and contact.get("wa_id"):
            profile = contact.get("profile")
            name = profile.get("name") if isinstance(profile, dict) else None
            if isinstance(name, str) and name.strip():
                names[wa_digits(contact["wa_id"])] = name.strip()[:200]
    return names


def timestamp(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def wa_digits(value) -> str:
    """A wa_id as digits only (E.164 without '+')."""
    return re.sub(r"\D", "", str(value or ""))[:32]


@dataclass
class Content:
    """What one inbound message says, for the conversation."""

    type: str
    #: the text shown to staff
    text: str
    #: text the citizen typed (commands and ticket codes are read from it)
    typed: str = ""
    media_id: str | None = None
    mime_type: str | None = None
    filename: str | None = None
    #: the id of a reply button / list row the citizen pressed
    reply_id: str | None = None
    #: a reaction: (the wamid reacted to, emoji)
    reaction: tuple[str, str] | None = None
    #: Meta could not give us the content (unsupported type)
    is_unsupported: bool = False


def content(message: dict) -> Content:
    """The content of a message object in Meta's documented shapes; unknown types say so."""
    kind = str(message.get("type") or "unknown")
    handler = _HANDLERS.get(kind)
    if handler is not None:
        return handler(kind, message)
    return _unsupported(kind, message)


def _text(kind: str, message: dict) -> Content:
    body = str((message.get("text") or {}).get("body") or "")
    return Content(kind, body, typed=body)


def _media(kind: str, message: dict) -> Content:
    media = message.get(kind) or {}
    caption = str(media.get("caption") or "").strip()
    label = _MEDIA_LABELS[kind]
    if kind == "audio" and media.get("voice"):
        label = "pesan suara"
    filename = str(media.get("filename") or "").strip() or None
    shown = f"[{label}{': ' + filename if filename else ''}]"
    # A sticker is decoration, not a document: recorded, not fetched (and not refused).
    media_id = None if kind == "sticker" else str(media.get("id") or "") or None
    return Content(kind, f"{shown} {caption}".strip(), typed=caption, media_id=media_id,
                   mime_type=str(media.get("mime_type") or "") or None, filename=filename)


def _location(kind: str, message: dict) -> Content:
    loc = message.get("location") or {}
    lat, lon = loc.get("latitude"), loc.get("longitude")
    parts = [str(loc.get(k)).strip() for k in ("name", "address") if loc.get(k)]
    where = ", ".join(parts)
    text = f"[lokasi] {where} ({lat}, {lon}) https://maps.google.com/?q={lat},{lon}".replace(
        "]  (", "] (")
    return Content(kind, text.strip())


def _contacts(kind: str, message: dict) -> Content:
    lines = []
    for contact in message.get("contacts") or []:
        if not isinstance(contact, dict):
            continue
        name = (contact.get("name") or {}).get("formatted_name") or "(tanpa nama)"
        phones = ", ".join(str(p.get("phone")) for p in contact.get("phones") or []
                           if isinstance(p, dict) and p.get("phone"))
        emails = ", ".join(str(e.get("email")) for e in contact.get("emails") or []
                           if isinstance(e, dict) and e.get("email"))
        lines.append(" ".join(x for x in (f"[kontak] {name}", phones, emails) if x))
    return Content(kind, "\n".join(lines) or "[kontak]")


def _interactive(kind: str, message: dict) -> Content:
    interactive = message.get("interactive") or {}
    reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
    title = str(reply.get("title") or "").strip()
    description = str(reply.get("description") or "").strip()
    text = title + (f" ({description})" if description else "")
    return Content(kind, text or "[balasan tombol]", typed=title,
                   reply_id=str(reply.get("id") or "") or None)


def _button(kind: str, message: dict) -> Content:
    """A quick-reply button of a template message."""
    button = message.get("button") or {}
    title = str(button.get("text") or "").strip()
    return Content(kind, title or "[balasan tombol]", typed=title,
                   reply_id=str(button.get("payload") or "") or None)


def _reaction(kind: str, message: dict) -> Content:
    reaction = message.get("reaction") or {}
    emoji = str(reaction.get("emoji") or "")
    target = str(reaction.get("message_id") or "")
    text = f"[reaksi {emoji}]" if emoji else "[reaksi dihapus]"
    return Content(kind, text, reaction=(target, emoji))


def _unsupported(kind: str, message: dict) -> Content:
    errors = message.get("errors") or []
    why = ""
    if errors and isinstance(errors[0], dict):
        why = str(errors[0].get("title") or errors[0].get("message") or "")
    text = f"[jenis pesan tidak didukung: {kind}{' - ' + why if why else ''}]"
    return Content(kind, text, is_unsupported=True)


_HANDLERS = {
    "text": _text, "image": _media, "document": _media, "audio": _media, "video": _media,
    "sticker": _media, "location": _location, "contacts": _contacts,
    "interactive": _interactive, "button": _button, "reaction": _reaction,
}


def command(typed: str) -> str | None:
    """'stop' or 'start' when the whole message is an opt-out / opt-in word."""
    word = re.sub(r"[\s.!]+", " ", (typed or "")).strip().lower()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None


def track_request(typed: str) -> tuple[str, str | None] | None:
    """'LACAK 7KQ4-M9XD [k=token]' -> (code, token)."""
    match = _TRACK_RE.match(typed or "")
    if not match:
        return None
    code = normalize_code(match.group(1))
    return (code, match.group(2)) if code else None


def ticket_codes(typed: str) -> list[str]:
    return find_ticket_codes(typed or "")


def subject_from(texts: list[str]) -> str:
    """A subject for a WhatsApp request (domain.subjects), "Pesan WhatsApp" when it has no
    text at all."""
    return subjects.subject_from(texts, default="Pesan WhatsApp")
