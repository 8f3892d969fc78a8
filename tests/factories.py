"""Factories (`gen_*`): build real rows through the real services."""

from __future__ import annotations

import io
import itertools
import zipfile
from datetime import datetime

from ticketing.extensions import db
from ticketing.services import intake
from ticketing.services.attachments import Upload

_seq = itertools.count(1)


def gen_ticket(now: datetime, **kw) -> intake.Ticket:
    data = intake.RequestData(
        name=kw.get("name", "Siti Aminah"),
        email=kw.get("email", "siti@example.com"),
        phone=kw.get("phone"),
        type=kw.get("type", "informasi"),
        service_slug=kw.get("service", "sertifikat-halal"),
        subject=kw.get("subject", "Cara daftar sertifikat halal gratis"),
        message=kw.get("message", "Bagaimana cara mendaftar sertifikat halal self declare?"),
        channel=kw.get("channel", "web"),
        uploads=kw.get("uploads", []),
        submission_key=kw.get("submission_key"),
    )
    ticket = intake.open_request(data, now)
    db.session.commit()  # the factory is the caller: one use case, one commit
    return ticket


# Minimal valid files of each accepted type, built in code (no binary fixtures in the repo).
PDF_BYTES = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
             b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(name: str, data: bytes) -> Upload:
    return Upload(filename=name, data=data)


def say_and_set(ticket, status: str, now: datetime, *, body: str = "Jawaban petugas.",
                actor=None, **kw) -> None:
    """A public staff message and the status it leaves the ticket in (selesai: the answer,
    menunggu_pemohon: what is needed), as a lower-level stand-in for tickets.reply. No commit."""
    from ticketing.models import Message
    from ticketing.services.lifecycle import set_status

    message = Message(direction="out", author_name=actor.name if actor else "Petugas",
                      author_id=actor.id if actor else None, body_text=body, created_dt=now)
    ticket.messages.append(message)
    db.session.flush()
    set_status(ticket, status, now, actor=actor, public_message=message, **kw)
