"""The satisfaction survey (SKM): inviting the citizen once, and recording one response per
ticket, through the signed link or on a staff tablet (kiosk).

The invitation is written by the same transaction that makes the ticket ready for it (the
citizen confirms the answer, or the ticket is closed): see `invite`, called from
services.intake.confirm_understanding and services.lifecycle.set_status. That keeps it in
step with the outbox pattern (no window in which a ticket is closed but never invited, no
scanning job) and the unique ticket on the invitation row makes "once" a database fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..domain import ikm, lifecycle, skm
from ..extensions import db
from ..models import SurveyInvitation, SurveyResponse, Ticket, User
from ..signing import timed_signer
from ..urls import public_base
from . import audit

#: a survey link stays valid this long (the citizen may answer weeks later)
LINK_MAX_AGE_DAYS = 120
COMMENT_MAX = 2000

ALREADY = ("Survei untuk permohonan ini sudah diisi. Setiap permohonan hanya dapat dinilai "
           "satu kali. Terima kasih atas penilaian Anda.")
NOT_READY = ("Survei dapat diisi setelah permohonan Anda dijawab. Silakan kembali setelah "
             "menerima jawaban.")
BAD_LINK = ("Tautan survei tidak valid untuk permohonan ini. Buka tautan dari surel undangan "
            "atau dari halaman pelacakan permohonan Anda.")
EXPIRED = ("Tautan survei sudah kedaluwarsa. Buka halaman pelacakan permohonan Anda untuk "
           "mendapatkan tautan baru.")


class SurveyError(ValueError):
    """A response that cannot be accepted; `errors` maps field -> Indonesian message."""

    def __init__(self, errors: dict[str, str], *, status: int = 422):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.status = status


# ------------------------------------------------------------------ signed links

def _serializer() -> URLSafeTimedSerializer:
    return timed_signer(current_app.config["SECRET_KEY"], "survei-ikm")


def make_token(code: str) -> str:
    return _serializer().dumps(code)


def check_token(code: str, token: str | None) -> None:
    """Raise SurveyError unless the token was signed by us for this very ticket."""
    if not token:
        raise SurveyError({"token": BAD_LINK}, status=404)
    max_age = int(current_app.config.get("SURVEY_LINK_MAX_AGE_DAYS", LINK_MAX_AGE_DAYS)) * 86400
    try:
        signed_code = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise SurveyError({"token": EXPIRED}, status=410) from exc
    except BadSignature as exc:
        raise SurveyError({"token": BAD_LINK}, status=404) from exc
    if signed_code != code:
        raise SurveyError({"token": BAD_LINK}, status=404)


def survey_url(ticket: Ticket) -> str:
    """The citizen's link to the survey of this ticket (signed, absolute)."""
    return f"{public_base()}/survei/{ticket.code}?t={make_token(ticket.code)}"


# ------------------------------------------------------------------ invitation

def is_answered(ticket: Ticket) -> bool:
    """The ticket got a substantive answer (the survey rates a service that was given)."""
    return ticket.first_response_dt is not None or ticket.resolved_dt is not None


def is_ready(ticket: Ticket) -> bool:
    """Answered, and either confirmed as understood or closed: the moment to ask."""
    return is_answered(ticket) and (ticket.status == "ditutup" or
                                    (ticket.status == "selesai" and bool(ticket.is_understood)))


def has_response(ticket: Ticket) -> bool:
    return db.session.scalar(
        select(SurveyResponse.id).where(SurveyResponse.ticket_id == ticket.id)) is not None


def invite(ticket: Ticket, now: datetime, trigger: str, *,
           send: bool = True) -> SurveyInvitation | None:
    """Invite the citizen once, on their channel (services.notify). No commit.

    Called when a ticket is confirmed (trigger 'dipahami') or closed ('ditutup'). A ticket
    closed without ever being answered (spam, duplicate, withdrawn) is not invited.
    send=False: the caller's own notice carries the link (closing: one message, not two).
    """
    if not is_answered(ticket):
        return None
    if _invited(ticket) or has_response(ticket):
        return None
    from . import notify

    reachable = notify.reach(ticket).channel is not None
    invitation = SurveyInvitation(ticket_id=ticket.id, trigger=trigger, is_mailed=reachable,
                                  created_dt=now)
    db.session.add(invitation)
    if send:
        notify.tell(ticket, lifecycle.SURVEY, now, context={"survey_url": survey_url(ticket)})
    audit.record(ticket, "survey_invite", now, new=trigger, detail={"mailed": reachable})
    return invitation


# ------------------------------------------------------------------ responses

@dataclass
class Answers:
    """What the citizen chose: element key -> score (1-4), and an optional comment."""

    scores: dict[str, int | None]
    comment: str = ""
    #: the respondent profile (domain.skm codes), every field optional
    profile: dict[str, str | None] = field(default_factory=dict)


def check_answers(answers: Answers) -> dict[str, str]:
    errors: dict[str, str] = {}
    ordered = [answers.scores.get(key) for key in ikm.ELEMENT_KEYS]
    for i in ikm.check_scores(ordered):
        key = ikm.ELEMENT_KEYS[i]
        errors[key] = f"Pilih salah satu nilai untuk unsur {ikm.ELEMENT_LABELS[key].lower()}."
    if len((answers.comment or "").strip()) > COMMENT_MAX:
        errors["comment"] = f"Saran atau komentar paling banyak {COMMENT_MAX} karakter."
    errors.update(skm.check_profile(answers.profile))
    return errors


def submit(ticket: Ticket, answers: Answers, now: datetime, *, channel: str = "tautan",
           kiosk_user: User | None = None) -> SurveyResponse:
    """Record the citizen's response for this ticket (no commit).

    A second response for the same ticket is refused with a clear message (status 409), also
    when two submits race: the unique ticket on the response row decides.
    """
    if has_response(ticket):
        raise SurveyError({"survey": ALREADY}, status=409)
    if not is_answered(ticket):
        raise SurveyError({"survey": NOT_READY}, status=409)
    errors = check_answers(answers)
    if errors:
        raise SurveyError(errors)
    comment = (answers.comment or "").strip() or None
    response = SurveyResponse(
        ticket_id=ticket.id, unit_id=ticket.unit_id, service_id=ticket.service_id,
        comment=comment, channel=channel,
        kiosk_user_id=kiosk_user.id if kiosk_user is not None else None, submitted_dt=now,
        **{key: int(answers.scores[key]) for key in ikm.ELEMENT_KEYS},
        **{key: answers.profile.get(key) or None for key in skm.PROFILE_KEYS},
    )
    db.session.add(response)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise SurveyError({"survey": ALREADY}, status=409) from exc
    audit.record(ticket, "survey_response", now, actor=kiosk_user,
                 actor_label=None if kiosk_user else audit.CITIZEN, new=channel)
    return response


def state_for_tracking(ticket: Ticket) -> dict | None:
    """What the tracking page shows: the survey link, a thank-you, or nothing."""
    if has_response(ticket):
        return {"done": True, "token": None}
    if not is_ready(ticket):
        return None  # never while an answer still waits for "Ya" / "Belum"
    return {"done": False, "token": make_token(ticket.code)}


def _invited(ticket: Ticket) -> bool:
    return db.session.scalar(
        select(SurveyInvitation.id).where(SurveyInvitation.ticket_id == ticket.id)) is not None
