"""Every documented message type, media into the attachment store, retries of downloads."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import Attachment, Ticket, WhatsAppMessage, WhatsAppOutbox
from ticketing.whatsapp.media import retry_due

from ..factories import EXE_BYTES, JPEG_BYTES, PDF_BYTES
from ..support import whatsapp as wa


def _post(client, now, *messages):
    with time_machine.travel(now, tick=False):
        return wa.post(client, wa.delivery(messages=list(messages)))


def _ticket() -> Ticket:
    return db.session.scalars(select(Ticket)).one()


@pytest.mark.parametrize(("kind", "content", "expected"), [
    ("location", {"latitude": -2.9761, "longitude": 104.7754, "name": "Kantor Koperasi",
                  "address": "Jl. Merdeka 6"},
     "[lokasi] Kantor Koperasi, Jl. Merdeka 6 (-2.9761, 104.7754)"),
    ("contacts", [{"name": {"formatted_name": "Rina Koperasi", "first_name": "Rina"},
                   "phones": [{"phone": "+62 812 1111 2222", "type": "CELL"}]}],
     "[kontak] Rina Koperasi +62 812 1111 2222"),
    ("interactive", {"type": "list_reply", "list_reply": {
        "id": "svc-halal", "title": "Sertifikat halal", "description": "PUMK"}},
     "Sertifikat halal (PUMK)"),
    ("button", {"payload": "info", "text": "Info syarat"}, "Info syarat"),
])
def test_structured_messages_become_readable_text(client, graph, now, kind, content, expected):
    msg = wa.message(kind, None, now)
    msg["contacts" if kind == "contacts" else kind] = content
    _post(client, now, msg)
    assert _ticket().messages[0].body_text.startswith(expected)


def test_image_with_caption_is_downloaded_into_the_attachment_store(client, graph, now, app):
    graph.add_media("1001", JPEG_BYTES, "image/jpeg")
    msg = wa.message("image", {"id": "1001", "mime_type": "image/jpeg", "sha256": "x",
                               "caption": "foto NIB saya untuk sertifikat halal"}, now)
    _post(client, now, msg)
    ticket = _ticket()
    assert ticket.messages[0].body_text == "[gambar] foto NIB saya untuk sertifikat halal"
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.is_accepted and attachment.content_type == "image/jpeg"
    assert attachment.size == len(JPEG_BYTES)
    assert db.session.scalars(select(WhatsAppMessage)).one().media_state == "stored"


def test_document_keeps_its_name_and_a_refused_type_is_told(client, graph, now):
    graph.add_media("2001", PDF_BYTES, "application/pdf")
    graph.add_media("2002", EXE_BYTES, "application/octet-stream")
    _post(client, now, wa.message("document", {"id": "2001", "mime_type": "application/pdf",
                                               "filename": "akta-koperasi.pdf"}, now))
    _post(client, now + timedelta(seconds=5), wa.message(
        "document", {"id": "2002", "mime_type": "application/octet-stream",
                     "filename": "setup.exe"}, now + timedelta(seconds=5)))
    rows = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert rows[0].filename == "akta-koperasi.pdf" and rows[0].is_accepted
    assert not rows[1].is_accepted and rows[1].refusal_reason
    notice = db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.kind == "media_refused")).one()
    assert "Yang kami terima: PDF, JPG, PNG atau DOCX, paling besar 10 MB." in notice.body_text


def test_failed_download_leaves_the_ticket_and_is_retried_by_the_scheduler(client, graph, now):
    graph.add_media("3001", JPEG_BYTES, "image/jpeg")
    graph.media_failures["3001"] = 1
    _post(client, now, wa.message("image", {"id": "3001", "mime_type": "image/jpeg"}, now))
    ticket = _ticket()
    row = db.session.scalars(select(WhatsAppMessage)).one()
    assert row.media_state == "pending" and row.media_attempts == 1
    assert ticket.messages[0].attachments == []
    assert retry_due(now)["stored"] == 0  # not due yet (backoff)
    assert retry_due(now + timedelta(minutes=2))["stored"] == 1
    db.session.refresh(ticket.messages[0])
    assert len(ticket.messages[0].attachments) == 1


@pytest.mark.parametrize(("content", "shown"), [
    ({"id": "4001", "mime_type": "audio/ogg; codecs=opus", "voice": True}, "[pesan suara]"),
    ({"id": "4001", "mime_type": "video/mp4", "caption": "antrian"}, "[video] antrian"),
])
def test_voice_and_video_are_recorded(client, graph, now, content, shown):
    kind = "audio" if "voice" in content else "video"
    graph.add_media("4001", b"\x1aE\xdf\xa3 not really media", content["mime_type"])
    _post(client, now, wa.message(kind, content, now))
    assert _ticket().messages[0].body_text == shown
    # Not a type the web form accepts: kept for staff review, the citizen is told.
    assert db.session.scalars(select(WhatsAppMessage)).one().media_state == "refused"


def test_reaction_is_a_note_and_unsupported_is_answered(client, graph, now):
    _post(client, now, wa.text("Syarat HKI merek apa saja?", now))
    ticket = _ticket()
    graph.clear()
    from ticketing.services.outbox import flush

    flush(now + timedelta(minutes=3))
    ack = db.session.scalars(select(WhatsAppOutbox)).one()
    later = now + timedelta(minutes=5)
    _post(client, later, wa.message("reaction", {"message_id": ack.wamid, "emoji": "👍"}, later))
    _post(client, later, wa.message("unsupported", None, later) | {"errors": [
        {"code": 131051, "title": "Message type unknown"}]})
    db.session.refresh(ticket)
    assert ticket.status == "baru"
    notes = [m.body_text for m in ticket.messages if m.direction == "note"]
    assert any("👍" in n for n in notes)
    assert any("tidak didukung" in m.body_text for m in ticket.messages if m.direction == "in")
    assert db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.kind == "unsupported")).one()


def test_reply_with_context_and_code_thread_to_the_right_ticket(client, graph, now):
    _post(client, now, wa.text("Syarat HKI merek apa saja?", now))
    first = _ticket()
    from ticketing.services.outbox import flush

    flush(now + timedelta(minutes=3))
    ack = db.session.scalars(select(WhatsAppOutbox)).one()
    first.status = "ditutup"  # a reply to a closed ticket opens a linked new one
    db.session.commit()
    later = now + timedelta(days=1)
    _post(client, later, wa.text("terima kasih, satu lagi", later, context=ack.wamid))
    newest = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert newest.id != first.id and newest.parent_id == first.id
    # A code from another number never joins that ticket.
    other = "6289999999999"
    _post(client, later, wa.text(f"tentang {newest.code} ya", later, wa_id=other))
    assert db.session.scalars(select(Ticket).where(Ticket.requester_phone == other)).one()


def test_a_code_from_the_requesters_number_joins_that_ticket_after_the_window(
        client, graph, now, app):
    _post(client, now, wa.text("Syarat HKI merek apa saja?", now))
    first = _ticket()
    later = now + timedelta(hours=app.config["WHATSAPP_THREAD_HOURS"] + 24)
    _post(client, later, wa.text(f"Tentang {first.code.lower()}: sudah saya kirim berkasnya",
                                 later))
    db.session.refresh(first)
    assert len(db.session.scalars(select(Ticket)).all()) == 1
    assert first.messages[-1].body_text.startswith("Tentang")
    # Within the window the number's open ticket gets it; after it, a new request.
    after = later + timedelta(hours=app.config["WHATSAPP_THREAD_HOURS"] + 1)
    _post(client, after, wa.text("Pertanyaan baru: izin koperasi?", after))
    assert len(db.session.scalars(select(Ticket)).all()) == 2
