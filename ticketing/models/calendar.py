"""Working-time settings an admin can change: weekly office hours and special periods.

Closures (extra closed days) live in catalogue.Closure. With no rows here the office hours
come from the configuration (Config.OFFICE_HOURS).
"""

from __future__ import annotations

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class OfficeHours(db.Model):
    """The regular hours of one weekday (WIB wall clock)."""

    __tablename__ = "calendar_office_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 0 = Monday .. 6 = Sunday
    weekday: Mapped[int] = mapped_column(unique=True)
    #: None (with close_time None) when the office is closed that weekday
    open_time = mapped_column(db.Time, nullable=True)
    close_time = mapped_column(db.Time, nullable=True)
    updated_dt = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))


class SpecialPeriod(db.Model):
    """A date range with its own weekly hours, e.g. Ramadan (Palembang starts at 08.00)."""

    __tablename__ = "calendar_special_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(120))
    #: first and last day, inclusive
    start_day = mapped_column(db.Date, nullable=False)
    end_day = mapped_column(db.Date, nullable=False)
    #: {"0": ["08:00", "15:00"], ..., "5": null, "6": null}; a missing weekday is closed
    weekly_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    created_dt = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))
