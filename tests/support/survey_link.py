"""A survey link for a freshly answered request (for page checks in the browser)."""

from __future__ import annotations

from datetime import timedelta

from ticketing.extensions import db
from ticketing.services import survey

from ..factories import gen_ticket, say_and_set


def answered_survey_link(now) -> str:
    ticket = gen_ticket(now)
    say_and_set(ticket, "selesai", now + timedelta(minutes=5))
    db.session.commit()
    return f"/survei/{ticket.code}?t={survey.make_token(ticket.code)}"
