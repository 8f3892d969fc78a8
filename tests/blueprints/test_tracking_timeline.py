"""The tracking page's timeline and the recovery of lost codes (issue 16, item 4)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import OutboxMail, Unit
from ticketing.services import outbox
from ticketing.services import tickets as svc
from ticketing.services.lifecycle import set_status
from ticketing.services.transaction import run

from ..factories import gen_ticket, say_and_set
from ..support.staff import staff


def _open(client, ticket):
    client.post("/lacak", data={"code": ticket.code, "contact": ticket.requester_email})


def _timeline(html: str) -> str:
    block = re.search(r'<ol class="timeline">.*?</ol>', html, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block))


def test_the_timeline_tells_each_step_in_plain_words_without_staff_names(client, now):
    ticket = gen_ticket(now)
    officer = staff(now, name="Rahasia Petugas")
    run(svc.claim, ticket, officer, now + timedelta(minutes=5))
    say_and_set(ticket, "menunggu_pemohon", now + timedelta(hours=1), actor=officer,
               reason="butuh NIB")
    db.session.commit()
    _open(client, ticket)
    steps = _timeline(client.get(f"/lacak/{ticket.code}").get_data(as_text=True))
    assert steps.index("Permohonan diterima") < steps.index(
        "Menunggu tanggapan atau kelengkapan dari Anda")
    assert "2 Desember 2026" in steps
    assert "Rahasia Petugas" not in steps and "butuh NIB" not in steps
    assert "menunggu_pemohon" not in steps


def test_the_timeline_shows_the_deadline_while_open_and_a_reopen(client, now):
    ticket = gen_ticket(now)
    _open(client, ticket)
    steps = _timeline(client.get(f"/lacak/{ticket.code}").get_data(as_text=True))
    assert "Batas waktu jawaban" in steps
    say_and_set(ticket, "selesai", now + timedelta(hours=2), actor_label="test")
    set_status(ticket, "diproses", now + timedelta(hours=3), actor_label="test")
    db.session.commit()
    steps = _timeline(client.get(f"/lacak/{ticket.code}").get_data(as_text=True))
    assert steps.index("Dijawab petugas") < steps.index("Dibuka kembali")


def test_a_transfer_reads_as_passed_to_the_unit(client, now):
    ticket = gen_ticket(now)
    ketua = staff(now, "ketua_tim")
    unit = db.session.scalar(select(Unit).where(Unit.code == "KELEMBAGAAN"))
    run(svc.transfer, ticket, ketua, unit, "salah bidang", now)
    db.session.commit()
    _open(client, ticket)
    steps = _timeline(client.get(f"/lacak/{ticket.code}").get_data(as_text=True))
    assert "Diteruskan ke Bidang Kelembagaan dan Pengawasan Koperasi" in steps


def _pending(kind="code_recovery"):
    return db.session.scalars(select(OutboxMail).where(OutboxMail.kind == kind)).all()


def test_lost_codes_are_mailed_to_the_address_and_the_page_says_the_same_either_way(client, now):
    first = gen_ticket(now, subject="Pertama soal halal")
    second = gen_ticket(now, subject="Kedua soal merek")
    gen_ticket(now, email="orang.lain@example.com", subject="Milik orang lain")
    known = client.post("/lacak/kirim-ulang", data={"contact": "SITI@example.com"},
                        follow_redirects=True)
    unknown = client.post("/lacak/kirim-ulang", data={"contact": "tidak.ada@example.com"},
                          follow_redirects=True)
    flash = re.compile(r'<div class="alert alert-success"[^>]*>(.*?)</div>', re.S)
    assert flash.search(known.get_data(as_text=True)).group(1) == \
        flash.search(unknown.get_data(as_text=True)).group(1)
    mails = _pending()
    assert [m.recipient for m in mails] == ["siti@example.com"]
    body = mails[0].body_text
    assert first.code in body and second.code in body and "Milik orang lain" not in body
    assert "/lacak/" in body and "?t=" in body  # signed links open the request directly


def test_asking_again_within_the_hour_sends_no_second_mail(client, now):
    gen_ticket(now)
    for _ in range(3):
        assert client.post("/lacak/kirim-ulang", data={"contact": "siti@example.com"}
                           ).status_code == 303
    assert len(_pending()) == 1


def test_a_bad_address_or_number_is_explained(client):
    response = client.post("/lacak/kirim-ulang", data={"contact": "bukan@email"})
    assert response.status_code == 422
    assert "Alamat email tidak valid." in response.get_data(as_text=True)
    response = client.post("/lacak/kirim-ulang", data={"contact": "bukan-nomor"})
    assert response.status_code == 422
    assert "Nomor telepon tidak valid" in response.get_data(as_text=True)


def test_the_recovery_mail_is_delivered(client, now, smtp_server, app):
    gen_ticket(now)
    client.post("/lacak/kirim-ulang", data={"contact": "siti@example.com"})
    outbox.flush(now + timedelta(minutes=1))
    assert any("Kode pelacakan" in m.subject and m.recipients == ["siti@example.com"]
               for m in smtp_server.messages)
