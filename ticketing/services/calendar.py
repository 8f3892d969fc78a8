"""The office calendar as configured: hours from config, closures from the database."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ..domain.calendar import WorkingCalendar
from ..extensions import db
from ..models import Closure


def office_calendar() -> WorkingCalendar:
    """The working-time calendar in force (config hours + admin-entered closures)."""
    closures = {c.day: c.reason for c in db.session.scalars(select(Closure))}
    return WorkingCalendar(
        tz=current_app.config["TIMEZONE"],
        weekly_hours=current_app.config["OFFICE_HOURS"],
        closures=closures,
    )
