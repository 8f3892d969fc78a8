"""The shared, second level of the finished-period cache (services.period_cache): a built
report kept in the database, so every web worker and the scheduler reuse it and it survives a
restart. Our own data only (domain dataclasses, pickled); never the source of truth: a row
may be deleted at any time and is then built again."""

from __future__ import annotations

from sqlalchemy import JSON, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class ReportCacheEntry(db.Model):
    """One built value per (kind, period, scope); replaced when built again."""

    __tablename__ = "report_cache"
    __table_args__ = (Index("ix_report_cache_kind", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what was built: "evaluation"
    kind: Mapped[str] = mapped_column(String(32))
    #: kind, period and scope as one string (period_cache's key); one row per key
    cache_key: Mapped[str] = mapped_column(String(200), unique=True)
    #: the code's format marker when built: a row of another format is ignored
    format: Mapped[str] = mapped_column(String(64))
    #: the data version the value was built at (a JSON list; services.reports.data_version)
    version = mapped_column(JSON, nullable=True)
    #: the end of the period (UTC), to check what was recorded since against it
    period_end_dt = mapped_column(UTCDateTime, nullable=False)
    #: the built value, pickled and zlib-compressed
    value: Mapped[bytes] = mapped_column(LargeBinary)
    created_dt = mapped_column(UTCDateTime, nullable=False)
