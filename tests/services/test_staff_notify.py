"""Staff hear about new work (issue 16, item 8): who is told, once, by their preference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ticketing.extensions import db
from ticketing.models import OutboxMail, StaffNotification, Unit
from ticketing.services import intake, staff_notify
from ticketing.services import tickets as svc

from ..factories import gen_ticket
from ..support.staff import StaffClient, login, staff

#: Wednesday 2 December 2026, 10.00 WIB
WED = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def mails_to(address: str) -> list[OutboxMail]:
    return list(db.session.scalars(select(OutboxMail).where(
        OutboxMail.kind == "staff_notification", OutboxMail.recipient == address)))


def news(user) -> list[tuple[str, str]]:
    return [(n.kind, n.ticket.code) for n in db.session.scalars(
        select(StaffNotification).where(StaffNotification.user_id == user.id)
        .order_by(StaffNotification.id))]


@pytest.fixture
def people(app):
    pumk_staf = staff(WED, "staf", name="Staf PUMK")
    pumk_ketua = staff(WED, "ketua_tim", name="Ketua PUMK")
    other_unit = staff(WED, "staf", "KELEMBAGAAN", name="Staf Kelembagaan")
    ketua_kel = staff(WED, "ketua_tim", "KELEMBAGAAN", name="Ketua Kelembagaan")
    return pumk_staf, pumk_ketua, other_unit, ketua_kel


def test_a_new_ticket_tells_its_units_staff_and_ketua_tim_once(people):
    pumk_staf, pumk_ketua, other_unit, _ = people
    ticket = gen_ticket(WED)
    assert staff_notify.run(WED)["notifications"] == 2
    assert news(pumk_staf) == news(pumk_ketua) == [("new_ticket", ticket.code)]
    assert news(other_unit) == []
    assert staff_notify.run(WED + timedelta(minutes=1))["notifications"] == 0  # once
    assert len(mails_to(pumk_staf.email)) == 1
    assert ticket.code in mails_to(pumk_staf.email)[0].body_text


def test_triage_goes_to_the_ketua_tim_who_route_it(people):
    pumk_staf, pumk_ketua, other_unit, ketua_kel = people
    ticket = gen_ticket(WED, service="pengaduan-umum", type="pengaduan")
    assert ticket.unit_id is None  # the general complaint entry waits in triage
    staff_notify.run(WED)
    assert news(pumk_ketua) == news(ketua_kel) == [("triage", ticket.code)]
    assert news(pumk_staf) == news(other_unit) == []


def test_a_citizen_reply_tells_only_the_assignee_and_not_the_actor(people):
    pumk_staf, pumk_ketua, _, _ = people
    ticket = gen_ticket(WED)
    svc.claim(ticket, pumk_staf, WED)
    db.session.commit()
    staff_notify.run(WED)
    intake.citizen_reply(ticket, "Ini NIB saya, terlampir.", [], WED + timedelta(hours=1))
    db.session.commit()
    staff_notify.run(WED + timedelta(hours=1))
    assert news(pumk_staf)[-1] == ("citizen_reply", ticket.code)
    assert ("citizen_reply", ticket.code) not in news(pumk_ketua)


def test_an_assignment_tells_the_assignee_but_not_the_one_who_assigned(people):
    pumk_staf, pumk_ketua, _, _ = people
    ticket = gen_ticket(WED)
    staff_notify.run(WED)
    svc.assign(ticket, pumk_ketua, pumk_staf, WED + timedelta(minutes=5))
    db.session.commit()
    staff_notify.run(WED + timedelta(minutes=5))
    assert news(pumk_staf)[-1] == ("assigned", ticket.code)
    assert ("assigned", ticket.code) not in news(pumk_ketua)


def test_preferences_off_and_daily_digest(people):
    pumk_staf, pumk_ketua, _, _ = people
    staff_notify.set_preference(pumk_staf, "mati")
    staff_notify.set_preference(pumk_ketua, "ringkasan")
    db.session.commit()
    early = WED.replace(hour=0)  # 07.00 WIB: before the digest time
    gen_ticket(early)
    staff_notify.run(early)
    assert mails_to(pumk_staf.email) == [] and mails_to(pumk_ketua.email) == []
    gen_ticket(WED)
    staff_notify.run(WED)  # 10.00 WIB: the digest goes out once, with both tickets
    digest = mails_to(pumk_ketua.email)
    assert len(digest) == 1 and digest[0].body_text.count("/staf/tiket/") == 2
    gen_ticket(WED + timedelta(hours=1))
    staff_notify.run(WED + timedelta(hours=1))
    assert len(mails_to(pumk_ketua.email)) == 1  # the next one comes tomorrow
    assert mails_to(pumk_staf.email) == []
    assert len(news(pumk_staf)) == 3  # still marked in the queue


def test_a_run_reads_only_what_is_new(people):
    for _ in range(3):
        gen_ticket(WED)
    staff_notify.run(WED)
    from ticketing.models import AuditEntry, JobCursor

    cursor = db.session.get(JobCursor, staff_notify.CURSOR)
    assert cursor.last_id == db.session.scalar(select(func.max(AuditEntry.id)))


def test_the_queue_marks_unread_news_until_the_ticket_is_opened(app, people):
    pumk_staf = people[0]
    ticket = gen_ticket(WED)
    staff_notify.run(WED)
    app.test_client_class = StaffClient
    client = app.test_client()
    login(client, pumk_staf)
    queue = client.get("/staf/antrian").get_data(as_text=True)
    assert 'data-testid="unread"' in queue
    assert "Pemberitahuan" in queue
    client.get(f"/staf/tiket/{ticket.code}")
    assert 'data-testid="unread"' not in client.get("/staf/antrian").get_data(as_text=True)


def test_the_preference_page_saves_and_lists_news(app, people):
    pumk_staf = people[0]
    gen_ticket(WED)
    staff_notify.run(WED)
    app.test_client_class = StaffClient
    client = app.test_client()
    login(client, pumk_staf)
    page = client.get("/staf/pemberitahuan/").get_data(as_text=True)
    assert "Tiket baru di bidang Anda" in page and "belum dibuka" in page
    assert client.post("/staf/pemberitahuan/", data={"pref": "ringkasan"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(type(pumk_staf), pumk_staf.id).notify_pref == "ringkasan"
    assert client.post("/staf/pemberitahuan/", data={"pref": "tiap-detik"}).status_code == 422


def unread(user) -> list[str]:
    return [n.ticket.code for n in db.session.scalars(
        select(StaffNotification).where(StaffNotification.user_id == user.id,
                                        StaffNotification.read_dt.is_(None)))]


def test_news_nobody_needs_to_act_on_stops_being_unread(people):
    """Unread news is bounded by the open work, not the history: once a ticket is someone's,
    the others' news of it is settled; once it is answered or closed, everyone's is."""
    pumk_staf, pumk_ketua, _, _ = people
    second = staff(WED, "staf", name="Staf PUMK Dua")
    ticket = gen_ticket(WED)
    staff_notify.run(WED)
    assert unread(pumk_staf) == unread(pumk_ketua) == unread(second) == [ticket.code]
    svc.assign(ticket, pumk_ketua, pumk_staf, WED + timedelta(minutes=5))
    db.session.commit()
    staff_notify.run(WED + timedelta(minutes=5))
    assert unread(pumk_ketua) == unread(second) == []  # it is Staf PUMK's now
    assert unread(pumk_staf) == [ticket.code, ticket.code]  # new work, then assigned to me
    svc.reply(ticket, pumk_staf, "Silakan daftar melalui SIHALAL.", "selesai",
              WED + timedelta(hours=1))
    db.session.commit()
    staff_notify.run(WED + timedelta(hours=1))
    assert unread(pumk_staf) == []  # answered: nothing left to act on
    assert staff_notify.unread_count(pumk_staf) == 0


def test_news_of_a_ticket_moved_to_another_unit_leaves_the_old_unit(people):
    pumk_staf, pumk_ketua, other_unit, ketua_kel = people
    ticket = gen_ticket(WED)
    staff_notify.run(WED)
    kelembagaan = db.session.scalar(select(Unit).where(Unit.code == "KELEMBAGAAN"))
    svc.transfer(ticket, pumk_ketua, kelembagaan, "Izin koperasi", WED + timedelta(minutes=5))
    db.session.commit()
    staff_notify.run(WED + timedelta(minutes=5))
    assert unread(pumk_staf) == unread(pumk_ketua) == []
    assert unread(other_unit) == unread(ketua_kel) == [ticket.code]
