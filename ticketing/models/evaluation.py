"""The quarterly evaluation's written parts: the analysis and follow-up plan (rencana tindak
lanjut) per quarter and scope, and the document's signatory."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .catalogue import Unit
from .people import User

#: rencana | berjalan | selesai | batal
ACTION_STATUSES = ("rencana", "berjalan", "selesai", "batal")


class EvaluationReview(db.Model):
    """The analysis of one quarter for one unit (or for all units: unit None), written by
    the kabid (own unit) or the kepala dinas; published once the kepala dinas approves."""

    __tablename__ = "evaluation_reviews"
    __table_args__ = (
        Index("ix_evaluation_reviews_period_scope", "period_key", "scope_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the quarter, as domain.periods keys it: 2026-Q4
    period_key: Mapped[str] = mapped_column(db.String(10))
    #: the unit's code, or "SEMUA" for the whole office (a unique key, NULL-free)
    scope_key: Mapped[str] = mapped_column(db.String(20))
    unit_id: Mapped[int | None] = mapped_column(db.ForeignKey("units.id"))
    #: findings: what the figures and the weakest unsur show, and why
    analysis: Mapped[str] = mapped_column(db.Text, default="")
    is_approved: Mapped[bool] = mapped_column(default=False)
    approved_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))
    approved_dt = mapped_column(UTCDateTime, nullable=True)
    updated_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))
    updated_dt = mapped_column(UTCDateTime, default=utcnow)
    created_dt = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit | None] = relationship()
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    actions: Mapped[list[FollowUpAction]] = relationship(
        back_populates="review", order_by="FollowUpAction.id", cascade="all, delete-orphan")


class FollowUpAction(db.Model):
    """One line of the follow-up plan: what will be done, by whom, by when, and how far."""

    __tablename__ = "follow_up_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(db.ForeignKey("evaluation_reviews.id"), index=True)
    #: the unsur it answers (domain.ikm key), None for other findings (timeliness, volume...)
    element_key: Mapped[str | None] = mapped_column(db.String(20))
    action: Mapped[str] = mapped_column(db.Text)
    #: who is responsible: a position (e.g. "Ketua Tim PUMK"), shown publicly
    owner: Mapped[str] = mapped_column(db.String(200))
    target_date: Mapped[date] = mapped_column(db.Date)
    status: Mapped[str] = mapped_column(db.String(20), default="rencana")
    #: what was done so far (carried into the next quarter's report)
    progress: Mapped[str] = mapped_column(db.Text, default="")
    updated_dt = mapped_column(UTCDateTime, default=utcnow)
    created_dt = mapped_column(UTCDateTime, default=utcnow)

    review: Mapped[EvaluationReview] = relationship(back_populates="actions")


class ReportSignatory(db.Model):
    """Who signs the evaluation (one row; seeded with the standard's signer)."""

    __tablename__ = "report_signatory"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(200))
    #: e.g. "Kepala Dinas Koperasi dan Usaha Kecil dan Menengah Kota Palembang"
    position: Mapped[str] = mapped_column(db.String(300))
    #: pangkat/golongan, e.g. "Pembina Tingkat I"
    rank: Mapped[str] = mapped_column(db.String(100))
    nip: Mapped[str] = mapped_column(db.String(30))
    #: where the document is signed
    place: Mapped[str] = mapped_column(db.String(100))
    updated_dt = mapped_column(UTCDateTime, default=utcnow)
