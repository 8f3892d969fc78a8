"""The channel on staff, admin and public pages; off without configuration."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

import time_machine
from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import Ticket, WhatsAppOutbox
from ticketing.services.outbox import flush

from ..support import whatsapp as wa
from ..support.staff import login, staff


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_admin_page_says_the_channel_is_off_without_configuration(client, now, app):
    login(client, staff(now, "admin", None))
    html = _html(client.get("/admin/whatsapp/"))
    assert 'data-testid="wa-off"' in html and "WHATSAPP_ACCESS_TOKEN" in html
    # Nothing else breaks: the public pages have no WhatsApp link and no error.
    assert "wa.me" not in _html(client.get("/"))


def test_admin_page_shows_the_webhook_address_when_on(client, graph, now):
    login(client, staff(now, "admin", None))
    html = _html(client.get("/admin/whatsapp/"))
    assert 'data-testid="wa-on"' in html and "/webhooks/whatsapp" in html
    login(client, staff(now, "staf", "PUMK"))
    assert client.get("/admin/whatsapp/").status_code == 403


def test_public_pages_link_to_whatsapp_with_the_service_name(client, graph):
    home = _html(client.get("/"))
    assert "https://wa.me/6281171002020" in home and wa.DISPLAY in home
    page = _html(client.get("/layanan/sertifikat-halal"))
    link = next(part for part in page.split('"') if part.startswith("https://wa.me/"))
    from ticketing.models import Service

    name = db.session.scalar(select(Service.name).where(Service.slug == "sertifikat-halal"))
    assert unquote(link).endswith(f"?text=Halo, saya ingin bertanya tentang layanan: {name}")


def test_confirmation_page_offers_tracking_on_whatsapp(client, graph, now):
    from ..blueprints.test_public import form_data

    response = client.post("/permohonan", data=form_data(), follow_redirects=True)
    html = _html(response)
    ticket = db.session.scalars(select(Ticket)).one()
    assert 'data-testid="wa-track"' in html
    link = next(part for part in html.split('"') if "LACAK" in unquote(part))
    text = unquote(link.split("text=", 1)[1]).replace("&amp;", "&")
    # The citizen sends it from a number that is not on the request: status comes back and
    # the number now follows the request.
    other = "6285711112222"
    with time_machine.travel(now, tick=False):
        wa.post(client, wa.delivery(messages=[wa.text(text, now, wa_id=other)], wa_id=other))
    db.session.refresh(ticket)
    assert ticket.requester_phone == other
    status = db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.kind == "track_status")).one()
    assert status.recipient == other and ticket.code in status.body_text
    # Without the key, a guessed code tells nothing.
    with time_machine.travel(now, tick=False):
        wa.post(client, wa.delivery(messages=[wa.text(f"LACAK {ticket.code}", now,
                                                      wa_id="6289900001111")]))
    unknown = db.session.scalars(select(WhatsAppOutbox).where(
        WhatsAppOutbox.kind == "track_unknown")).one()
    assert ticket.subject not in unknown.body_text


def test_staff_page_shows_the_window_and_the_delivery_state(client, graph, now):
    with time_machine.travel(now, tick=False):
        wa.post(client, wa.delivery(messages=[wa.text("Syarat sertifikat halal apa?", now)]))
    ticket = db.session.scalars(select(Ticket)).one()
    clerk = staff(now, "staf", "PUMK")
    login(client, clerk)
    with time_machine.travel(now + timedelta(hours=1), tick=False):
        html = _html(client.get(f"/staf/tiket/{ticket.code}"))
        assert "Jendela WhatsApp 24 jam terbuka" in html
        client.post(f"/staf/tiket/{ticket.code}/balas", data={
            "reply-body": "Daftar di ptsp.halal.go.id", "reply-status": "selesai",
            "reply-seen": str(ticket.messages[-1].id), "reply-send": "1"})
    flush(now + timedelta(hours=1))
    with time_machine.travel(now + timedelta(hours=30), tick=False):
        html = _html(client.get(f"/staf/tiket/{ticket.code}"))
    assert "Jendela WhatsApp 24 jam tertutup" in html and "pembaruan_permohonan" in html
    assert "WhatsApp: terkirim" in html
    assert 'data-testid="wa-sent"' in html and "Tanda terima" in html


def test_walk_in_form_records_a_whatsapp_conversation(client, now):
    login(client, staff(now))
    html = _html(client.get("/staf/lisan?kanal=whatsapp"))
    assert 'value="whatsapp"' in html
    response = client.post("/staf/lisan", data={
        "channel": "whatsapp", "name": "Bu Rina", "phone": "0812 7777 8888",
        "type": "informasi", "service": "sertifikat-halal", "subject": "Syarat halal",
        "need": "Apa syaratnya?", "consent": "y"}, follow_redirects=True)
    assert response.status_code == 200
    ticket = db.session.scalar(select(Ticket).where(Ticket.channel == "whatsapp"))
    assert ticket is not None and ticket.requester_phone == "6281277778888"


def test_board_and_stats_count_the_whatsapp_channel(client, graph, now):
    with time_machine.travel(now, tick=False):
        wa.post(client, wa.delivery(messages=[wa.text("Syarat sertifikat halal apa?", now)]))
        login(client, staff(now, "kabid", "PUMK"))
        html = _html(client.get("/pengawasan/"))
        stats = client.get("/api/v1/stats?period=2026-12").get_json()
    assert 'data-channel="whatsapp">1<' in html
    pumk = next(u for u in stats["units"] if u["unit"] == "PUMK")
    assert pumk["channels"]["whatsapp"] == 1 and pumk["received"] == 1


def test_healthz_reports_the_whatsapp_outbox_only_when_on(client, app, now):
    assert client.get("/healthz").get_json()["whatsapp"] is None
    from ticketing.whatsapp.payload import sign  # noqa: F401 - the channel's own module loads

    app.config.update(WHATSAPP_PHONE_NUMBER_ID="1", WHATSAPP_ACCESS_TOKEN="t",
                      WHATSAPP_APP_SECRET="s", WHATSAPP_VERIFY_TOKEN="v")
    body = client.get("/healthz").get_json()
    assert body["whatsapp"] == {"pending": 0, "failed": 0, "inbound_failed": 0}


def test_queue_filters_whatsapp_requests(client, graph, now):
    with time_machine.travel(now, tick=False):
        wa.post(client, wa.delivery(messages=[wa.text("Syarat sertifikat halal apa?", now)]))
    from ..factories import gen_ticket

    web = gen_ticket(now, subject="Pertanyaan lewat situs web")
    ticket = db.session.scalars(select(Ticket).where(Ticket.channel == "whatsapp")).one()
    login(client, staff(now, "staf", "PUMK"))
    html = _html(client.get("/staf/antrian?bidang=PUMK&kanal=whatsapp"))
    assert ticket.code in html and web.code not in html


def test_admin_reprocesses_failed_deliveries(client, graph, now):
    import json

    from ticketing.models import WhatsAppDelivery
    from ticketing.whatsapp import inbound

    raw = json.dumps(wa.delivery(messages=[wa.text("Syarat HKI?", now)])).encode()
    inbound.store(raw, now)  # stored, never processed (a crash)
    login(client, staff(now, "admin", None))
    assert "Proses ulang kiriman yang gagal" in _html(client.get("/admin/whatsapp/"))
    html = _html(client.post("/admin/whatsapp/proses-ulang", follow_redirects=True))
    assert "Diproses ulang: created 1." in html
    db.session.expire_all()
    assert db.session.scalars(select(WhatsAppDelivery)).one().state == "done"
    login(client, staff(now, "staf", "PUMK"))
    assert client.post("/admin/whatsapp/proses-ulang").status_code == 403
