"""Which quarter the evaluation opens on, and the parts of the evaluation document that are
not figures (respondent profile, follow-up plan, signatory): the queries behind them.

The figures themselves come from services.reports (how they are computed is its business).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from ..domain import periods
from ..extensions import db
from ..models import SurveyResponse, Ticket, Unit


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _has_data(period: periods.Period, unit: Unit | None) -> bool:
    start, end = period.bounds(_tz())
    tickets = select(Ticket.id).where(Ticket.created_dt >= start, Ticket.created_dt < end)
    responses = select(SurveyResponse.id).where(SurveyResponse.submitted_dt >= start,
                                                SurveyResponse.submitted_dt < end)
    if unit is not None:
        tickets = tickets.where(Ticket.unit_id == unit.id)
        responses = responses.where(SurveyResponse.unit_id == unit.id)
    return (db.session.scalar(tickets.limit(1)) is not None
            or db.session.scalar(responses.limit(1)) is not None)


def _latest(unit: Unit | None, now: datetime) -> datetime | None:
    tickets = select(func.max(Ticket.created_dt)).where(Ticket.created_dt <= now)
    responses = select(func.max(SurveyResponse.submitted_dt)).where(
        SurveyResponse.submitted_dt <= now)
    if unit is not None:
        tickets = tickets.where(Ticket.unit_id == unit.id)
        responses = responses.where(SurveyResponse.unit_id == unit.id)
    moments = [m for m in (db.session.scalar(tickets), db.session.scalar(responses)) if m]
    return max(moments) if moments else None


def default_period(today: date, now: datetime, unit: Unit | None) -> periods.Period:
    """The quarter to open on: the last finished quarter when it has data (the one to
    evaluate); otherwise the most recent quarter with data (requests received or survey
    responses in scope), which may be the running one; with no data at all, the last
    finished quarter."""
    finished = periods.containing(today, "quarter").previous()
    if _has_data(finished, unit):
        return finished
    latest = _latest(unit, now)
    if latest is None:
        return finished
    if latest.tzinfo is None:  # an aggregate may come back naive (UTC) from SQLite
        latest = latest.replace(tzinfo=UTC)
    return periods.containing(latest.astimezone(_tz()).date(), "quarter")
