"""A survey link for a freshly answered request (for page checks in the browser)."""

from __future__ import annotations

from datetime import timedelta

from ticketing.extensions import db
from ticketing.services import survey
from ticketing.services.lifecycle import set_status

from ..factories import gen_ticket


def answered_survey_link(now) -> str:
    ticket = gen_ticket(now)
    set_status(ticket, "selesai", now + timedelta(minutes=5))
    db.session.commit()
    return f"/survei/{ticket.code}?t={survey.make_token(ticket.code)}"
