"""The satisfaction survey: invited once when a ticket is confirmed or closed; one response
per ticket, refused clearly the second time."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ticketing.domain.ikm import ELEMENT_KEYS
from ticketing.extensions import db
from ticketing.models import AuditEntry, OutboxMail, SurveyInvitation, SurveyResponse, Ticket
from ticketing.services import intake, sla, survey
from ticketing.services import tickets as ticket_service
from ticketing.services.lifecycle import set_status
from ticketing.services.outbox import flush
from ticketing.services.transaction import run

from ..factories import gen_ticket, say_and_set
from ..support.staff import staff


def invitations(ticket: Ticket) -> list[OutboxMail]:
    return list(db.session.scalars(select(OutboxMail).where(
        OutboxMail.ticket_id == ticket.id, OutboxMail.kind == "survey_invitation")))


def answered_ticket(now, **kw) -> Ticket:
    ticket = gen_ticket(now, **kw)
    say_and_set(ticket, "selesai", now + timedelta(hours=1))
    db.session.commit()
    return ticket


def answers(score: int = 4, comment: str = "", **override) -> survey.Answers:
    scores = dict.fromkeys(ELEMENT_KEYS, score) | override
    return survey.Answers(scores, comment)


def test_confirming_the_answer_invites_once_with_a_signed_link(app, now, smtp_server):
    ticket = answered_ticket(now)
    assert invitations(ticket) == []  # answered, not yet confirmed: not yet
    run(intake.confirm_understanding, ticket, True, "", now + timedelta(hours=2))
    (mail,) = invitations(ticket)
    assert mail.recipient == "siti@example.com" and f"[{ticket.code}]" in mail.subject
    link = re.search(r"http://localhost/survei/(\S+)\?t=(\S+)", mail.body_text)
    assert link and link.group(1) == ticket.code
    survey.check_token(ticket.code, link.group(2))  # signed for this ticket
    assert link.group(0) in mail.body_html
    # closing it later does not invite again
    set_status(ticket, "ditutup", now + timedelta(days=3))
    db.session.commit()
    assert len(invitations(ticket)) == 1
    invitation = db.session.scalar(select(SurveyInvitation))
    assert invitation.trigger == "dipahami" and invitation.is_mailed
    flush(now + timedelta(days=3))
    (delivered,) = [m for m in smtp_server.to("siti@example.com") if "survei" in m.text()]
    assert link.group(0) in delivered.text()


def test_closing_an_answered_ticket_invites_and_closing_an_unanswered_one_does_not(app, now):
    answered = answered_ticket(now)
    set_status(answered, "ditutup", now + timedelta(days=1))
    spam = gen_ticket(now, email="spam@example.com")
    set_status(spam, "ditutup", now + timedelta(hours=1), reason="spam")
    db.session.commit()
    assert len(invitations(answered)) == 1
    assert invitations(spam) == []
    assert db.session.scalar(select(SurveyInvitation.trigger)) == "ditutup"


def test_auto_close_invites_through_the_lifecycle(app, now):
    ticket = answered_ticket(now)
    sla.auto_close(now + timedelta(days=14))
    assert db.session.get(Ticket, ticket.id).status == "ditutup"
    assert len(invitations(ticket)) == 1


def test_phone_only_citizen_is_invited_without_mail(app, now):
    ticket = answered_ticket(now, email=None, phone="0812 3333 4444")
    set_status(ticket, "ditutup", now + timedelta(days=1))
    db.session.commit()
    invitation = db.session.scalar(select(SurveyInvitation))
    assert invitation.ticket_id == ticket.id and invitation.is_mailed is False
    assert db.session.scalar(select(func.count()).select_from(OutboxMail).where(
        OutboxMail.kind == "survey_invitation")) == 0


def test_walk_in_closed_on_the_spot_is_invited(app, now):
    user = staff(now)
    ticket = run(ticket_service.record_oral, user, ticket_service.OralRequest(
        channel="lisan", name="Pak Harun", type="informasi", subject="Syarat halal",
        need="Apa syarat sertifikat halal?", service_slug="sertifikat-halal",
        email="harun@example.com", answer="Syaratnya NIB dan KTP.", steps=[1, 2, 3, 4, 7],
        close_now=True), now)
    assert len(invitations(ticket)) == 1


def test_one_response_per_ticket(app, now):
    ticket = answered_ticket(now)
    response = run(survey.submit, ticket, answers(3, " Petugas ramah. "), now + timedelta(days=1))
    assert response.scores == (3,) * 9 and response.comment == "Petugas ramah."
    assert response.unit.code == "PUMK" and response.service.slug == "sertifikat-halal"
    assert response.channel == "tautan"
    with pytest.raises(survey.SurveyError) as refused:
        run(survey.submit, ticket, answers(1), now + timedelta(days=2))
    assert refused.value.status == 409
    assert "hanya dapat dinilai satu kali" in refused.value.errors["survey"]
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    assert db.session.scalar(select(SurveyResponse.persyaratan)) == 3
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.action == "survey_response")) == "survey_response"


def test_the_database_itself_refuses_a_second_response(app, now):
    ticket = answered_ticket(now)
    run(survey.submit, ticket, answers(), now)
    db.session.add(SurveyResponse(ticket_id=ticket.id, channel="tautan", submitted_dt=now,
                                  **dict.fromkeys(ELEMENT_KEYS, 2)))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_a_score_outside_1_to_4(app, now):
    ticket = answered_ticket(now)
    db.session.add(SurveyResponse(ticket_id=ticket.id, channel="tautan", submitted_dt=now,
                                  **(dict.fromkeys(ELEMENT_KEYS, 3) | {"sarana": 5})))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_bad_answers_are_named(app, now):
    ticket = answered_ticket(now)
    with pytest.raises(survey.SurveyError) as refused:
        run(survey.submit, ticket, answers(4, "x" * 2001, waktu=None, biaya=7), now)
    assert set(refused.value.errors) == {"waktu", "biaya", "comment"}
    assert "waktu penyelesaian" in refused.value.errors["waktu"]
    assert refused.value.status == 422
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


def test_an_unanswered_ticket_cannot_be_rated(app, now):
    ticket = gen_ticket(now)
    with pytest.raises(survey.SurveyError) as refused:
        run(survey.submit, ticket, answers(), now)
    assert "setelah permohonan Anda dijawab" in refused.value.errors["survey"]


def test_tokens_belong_to_one_ticket(app, now):
    one, two = gen_ticket(now), gen_ticket(now, email="lain@example.com")
    token = survey.make_token(one.code)
    survey.check_token(one.code, token)
    for code, value in ((two.code, token), (one.code, token + "x"), (one.code, None)):
        with pytest.raises(survey.SurveyError) as refused:
            survey.check_token(code, value)
        assert refused.value.status == 404
