"""The state machine of a request, over every status transition and actor (staf, ketua tim,
citizen, scheduler), with the issue-10 rules: selesai only with a public answer,
menunggu_pemohon only with the question, and every change that affects the citizen told to
them once, on their channel, through the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ticketing.domain import lifecycle
from ticketing.extensions import db
from ticketing.models import AuditEntry, OutboxMail, Ticket
from ticketing.services import audit, intake, sla
from ticketing.services import notify as notify_service
from ticketing.services import tickets as svc
from ticketing.services.lifecycle import set_status
from ticketing.services.transaction import run

from ..factories import gen_ticket
from ..support.staff import staff

PAIRS = [(old, new) for old in lifecycle.STATUSES for new in lifecycle.STATUSES if old != new]

#: what a bare status change by staff tells the citizen: (number of messages, outbox kind)
STAFF_NOTICE = {
    ("baru", "diproses"): (0, None),
    ("menunggu_pemohon", "diproses"): (0, None),
    ("baru", "ditutup"): (1, "requester_update"),
    ("diproses", "ditutup"): (1, "requester_update"),
    ("menunggu_pemohon", "ditutup"): (1, "requester_update"),
    ("selesai", "ditutup"): (1, "survey_invitation"),  # answered: the survey link comes along
    ("selesai", "diproses"): (1, "requester_update"),
    ("ditutup", "diproses"): (1, "requester_update"),
}


def fresh(ticket: Ticket) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def citizen_mail(ticket: Ticket) -> list[OutboxMail]:
    return list(db.session.scalars(select(OutboxMail).where(
        OutboxMail.ticket_id == ticket.id, OutboxMail.recipient == "siti@example.com")
        .order_by(OutboxMail.id)))


def in_status(status: str, now) -> Ticket:
    """A ticket brought into `status` the real way (claim, reply, close)."""
    ticket = gen_ticket(now)
    worker = staff(now)
    if status != "baru":
        run(svc.claim, ticket, worker, now)
    if status in ("menunggu_pemohon", "selesai"):
        run(svc.reply, fresh(ticket), worker, "Mohon kirim NIB." if status != "selesai"
            else "Syaratnya NIB dan KTP.", status, now)
    if status == "ditutup":
        run(svc.close, fresh(ticket), worker, now, reason="selesai lewat telepon")
    ticket = fresh(ticket)
    assert ticket.status == status
    return ticket


@pytest.mark.parametrize("role", ["staf", "ketua_tim"])
@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_a_bare_status_change_by_staff(app, now, role, old, new):
    ticket = in_status(old, now)
    actor = staff(now, role)
    before = (len(citizen_mail(ticket)), ticket.first_response_dt, ticket.is_understood)
    later = now + timedelta(hours=1)
    if (old, new) not in STAFF_NOTICE:
        # Not in the lifecycle, or it needs a public message: refused, nothing kept.
        with pytest.raises(svc.ActionError) as refused:
            run(svc.change_status, ticket, actor, new, later)
        if new in lifecycle.NEEDS_PUBLIC_MESSAGE and lifecycle.can_transition(old, new):
            assert "hanya dapat dipilih bersama" in refused.value.message
        ticket = fresh(ticket)
        assert ticket.status == old
        assert (len(citizen_mail(ticket)), ticket.first_response_dt,
                ticket.is_understood) == before
        return
    run(svc.change_status, ticket, actor, new, later)
    ticket = fresh(ticket)
    assert ticket.status == new
    assert ticket.first_response_dt == before[1]  # a status change never answers
    count, kind = STAFF_NOTICE[(old, new)]
    mails = citizen_mail(ticket)[before[0]:]
    assert len(mails) == count
    if kind:
        assert mails[0].kind == kind and f"/lacak/{ticket.code}" in mails[0].body_text


@pytest.mark.parametrize("role", ["staf", "ketua_tim"])
@pytest.mark.parametrize("old", lifecycle.STATUSES)
@pytest.mark.parametrize("new", svc.REPLY_STATUSES)
def test_a_reply_by_staff(app, now, role, old, new):
    ticket = in_status(old, now)
    actor = staff(now, role)
    before = len(citizen_mail(ticket))
    first = ticket.first_response_dt
    later = now + timedelta(hours=2)
    allowed = old != "ditutup" and (old == new or lifecycle.can_transition(old, new))
    if not allowed:
        with pytest.raises(svc.ActionError):
            run(svc.reply, ticket, actor, "Jawaban", new, later)
        assert len(citizen_mail(fresh(ticket))) == before
        return
    message = run(svc.reply, ticket, actor, "Ini jawaban kami.", new, later)
    ticket = fresh(ticket)
    assert ticket.status == new
    (mail,) = citizen_mail(ticket)[before:]  # told once
    assert mail.kind == "staff_reply" and "Ini jawaban kami." in mail.body_text
    assert mail.message_id == db.session.get(type(message), message.id).email_message_id
    if new == "selesai":
        assert ticket.first_response_dt == (first or later)
        assert ticket.is_understood is None  # a new "sudah dipahami?" round
        assert "sudah dapat dipahami" in mail.body_text
    else:
        assert ticket.first_response_dt == first
    if new == "menunggu_pemohon":
        assert ticket.due_dt is None and ticket.sla_remaining_seconds is not None
        assert "menunggu tanggapan" in mail.body_text


@pytest.mark.parametrize("old", lifecycle.STATUSES)
def test_the_citizen_writing_back(app, now, old):
    ticket = in_status(old, now)
    before = len(citizen_mail(ticket))
    later = now + timedelta(hours=3)
    if old == "ditutup":
        with pytest.raises(intake.IntakeError):
            run(intake.citizen_reply, ticket, "Masih ada pertanyaan", [], later)
        assert fresh(ticket).status == "ditutup"
        return
    run(intake.citizen_reply, ticket, "Ini NIB saya: 123.", [], later)
    ticket = fresh(ticket)
    expected = {"baru": "baru", "diproses": "diproses", "menunggu_pemohon": "diproses",
                "selesai": "diproses"}[old]
    assert ticket.status == expected
    if old == "menunggu_pemohon":
        assert ticket.due_dt is not None  # the clock runs again
    assert len(citizen_mail(ticket)) == before  # their own message is not echoed back


@pytest.mark.parametrize("old", lifecycle.STATUSES)
@pytest.mark.parametrize("understood", [True, False])
def test_the_citizen_confirming(app, now, old, understood):
    ticket = in_status(old, now)
    before = len(citizen_mail(ticket))
    later = now + timedelta(hours=3)
    if old != "selesai":
        with pytest.raises(intake.IntakeError):
            run(intake.confirm_understanding, ticket, understood, "Belum jelas", later)
        assert len(citizen_mail(fresh(ticket))) == before
        return
    run(intake.confirm_understanding, ticket, understood, "Belum jelas syaratnya", later)
    ticket = fresh(ticket)
    mails = citizen_mail(ticket)[before:]
    if understood:
        assert ticket.is_understood is True and ticket.status == "selesai"
        assert [m.kind for m in mails] == ["survey_invitation"]
    else:
        assert ticket.status == "diproses" and mails == []
    # The same answer cannot be confirmed twice.
    with pytest.raises(intake.IntakeError):
        run(intake.confirm_understanding, ticket, True, "", later)


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_the_scheduler(app, now, old, new):
    """The scheduler's only change is the auto-close; the rule covers any it might make."""
    ticket = in_status(old, now)
    before = len(citizen_mail(ticket))
    later = now + timedelta(days=1)
    if not lifecycle.settable_alone(old, new):
        with pytest.raises(lifecycle.TransitionError):
            set_status(ticket, new, later, actor_label=audit.SYSTEM)
        db.session.rollback()
        return
    set_status(ticket, new, later, actor_label=audit.SYSTEM)
    db.session.commit()
    mails = citizen_mail(fresh(ticket))[before:]
    if new == "ditutup":
        (mail,) = mails
        assert "ditutup otomatis" in mail.subject
    elif (old, new) in (("selesai", "diproses"), ("ditutup", "diproses")):
        assert len(mails) == 1 and "dibuka kembali" in mails[0].subject
    else:
        assert mails == []


def test_auto_close_tells_the_citizen_once_with_the_survey(app, now):
    ticket = in_status("selesai", now)
    before = len(citizen_mail(ticket))
    sla.auto_close(now + timedelta(days=14))
    sla.auto_close(now + timedelta(days=15))
    ticket = fresh(ticket)
    assert ticket.status == "ditutup"
    (mail,) = citizen_mail(ticket)[before:]
    assert mail.kind == "survey_invitation" and "ditutup otomatis" in mail.subject
    assert "/survei/" in mail.body_text and "tidak ada tanggapan" in mail.body_text


def test_transfer_tells_the_citizen_the_new_unit_and_deadline(app, now):
    ticket = in_status("diproses", now)
    lead = staff(now, "ketua_tim")
    from ticketing.models import Unit

    unit = db.session.scalar(select(Unit).where(Unit.code == "KELEMBAGAAN"))
    before = len(citizen_mail(ticket))
    run(svc.transfer, ticket, lead, unit, "soal izin koperasi", now + timedelta(hours=1))
    ticket = fresh(ticket)
    (mail,) = citizen_mail(ticket)[before:]
    assert unit.name in mail.body_text and "paling lambat" in mail.body_text


def test_a_second_answer_asks_again(app, now):
    ticket = in_status("selesai", now)
    run(intake.confirm_understanding, ticket, False, "Belum jelas syaratnya", now)
    assert fresh(ticket).is_understood is False
    run(svc.reply, fresh(ticket), staff(now), "Syaratnya: NIB, KTP, foto produk.", "selesai",
        now + timedelta(hours=1))
    ticket = fresh(ticket)
    assert ticket.is_understood is None  # the Ya/Belum question is asked again
    run(intake.confirm_understanding, ticket, True, "", now + timedelta(hours=2))
    assert fresh(ticket).is_understood is True


def test_a_requester_who_cannot_be_reached_is_named_to_staff(app, now, client):
    ticket = gen_ticket(now, email=None, phone="0812 3333 4444")
    reach = notify_service.reach(ticket)
    assert reach.channel is None and "0812" not in (reach.why_not or "") \
        and "6281233334444" in reach.why_not
    run(svc.reply, ticket, staff(now), "Jawaban", "selesai", now)
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.ticket_id == ticket.id, AuditEntry.action == "notice"))
    assert entry.detail["channel"] is None
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0
