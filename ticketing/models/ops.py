"""Operations: the scheduler's heartbeats."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class JobHeartbeat(db.Model):
    """One row per scheduler job: when it last started, succeeded and failed (GET /healthz)."""

    __tablename__ = "job_heartbeats"

    #: the job's name in ticketing.jobs.JOBS
    name: Mapped[str] = mapped_column(db.String(40), primary_key=True)
    last_start_dt = mapped_column(UTCDateTime, nullable=True)
    last_success_dt = mapped_column(UTCDateTime, nullable=True)
    last_error_dt = mapped_column(UTCDateTime, nullable=True)
    #: the exception of the last failed run (no personal data: type and message only)
    last_error: Mapped[str | None] = mapped_column(db.Text)
    #: how long the last finished run took
    last_duration_ms: Mapped[int | None] = mapped_column(nullable=True)
