"""The satisfaction survey (SKM, PermenPAN-RB 14/2017): invitations and responses."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Index, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.ikm import ELEMENT_KEYS
from ..extensions import db
from .base import UTCDateTime, utcnow
from .catalogue import Service, Unit
from .tickets import Ticket

#: how a response reached us: the signed link (mail or tracking page) or the staff tablet
SURVEY_CHANNELS = ("tautan", "kios")


class SurveyInvitation(db.Model):
    """The citizen of a ticket was invited to the survey. The unique ticket is the
    once-only guarantee: a ticket confirmed and later closed is still invited once."""

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(db.ForeignKey("tickets.id"), unique=True)
    #: what made the ticket ready for the survey: dipahami (confirmed) or ditutup (closed)
    trigger: Mapped[str] = mapped_column(db.String(20))
    #: True when an invitation mail went to the outbox (False: no usable e-mail address)
    is_mailed: Mapped[bool] = mapped_column(default=False)
    created_dt = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship()


class SurveyResponse(db.Model):
    """One citizen's ratings of the 9 elements (1-4) for one ticket; at most one per ticket."""

    __tablename__ = "survey_responses"
    __table_args__ = tuple(
        CheckConstraint(f"{key} BETWEEN 1 AND 4", name=f"{key}_range") for key in ELEMENT_KEYS
    ) + (
        # reports read a period's responses, per unit
        Index("ix_survey_responses_unit_submitted", "unit_id", "submitted_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(db.ForeignKey("tickets.id"), unique=True)
    #: the ticket's unit and service when the citizen answered (a rating stays with the unit
    #: that served, even if the ticket moves later)
    unit_id: Mapped[int | None] = mapped_column(db.ForeignKey("units.id"))
    service_id: Mapped[int | None] = mapped_column(db.ForeignKey("services.id"))
    #: U1 persyaratan
    persyaratan: Mapped[int] = mapped_column(SmallInteger)
    #: U2 sistem, mekanisme dan prosedur
    prosedur: Mapped[int] = mapped_column(SmallInteger)
    #: U3 waktu penyelesaian
    waktu: Mapped[int] = mapped_column(SmallInteger)
    #: U4 biaya/tarif
    biaya: Mapped[int] = mapped_column(SmallInteger)
    #: U5 produk spesifikasi jenis pelayanan
    produk: Mapped[int] = mapped_column(SmallInteger)
    #: U6 kompetensi pelaksana
    kompetensi: Mapped[int] = mapped_column(SmallInteger)
    #: U7 perilaku pelaksana
    perilaku: Mapped[int] = mapped_column(SmallInteger)
    #: U8 penanganan pengaduan, saran dan masukan
    pengaduan: Mapped[int] = mapped_column(SmallInteger)
    #: U9 sarana dan prasarana
    sarana: Mapped[int] = mapped_column(SmallInteger)
    #: the citizen's own words (optional)
    comment: Mapped[str | None] = mapped_column(db.Text)
    #: respondent profile of the questionnaire, each optional (codes of domain.skm); reported
    #: only as counts per quarter, never next to the response
    sex: Mapped[str | None] = mapped_column(db.String(1))
    age_group: Mapped[str | None] = mapped_column(db.String(10))
    education: Mapped[str | None] = mapped_column(db.String(10))
    occupation: Mapped[str | None] = mapped_column(db.String(20))
    #: tautan (signed link) | kios (staff tablet)
    channel: Mapped[str] = mapped_column(db.String(10))
    #: the staff member who opened the kiosk, None for the link
    kiosk_user_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))
    submitted_dt = mapped_column(UTCDateTime, default=utcnow, index=True)

    ticket: Mapped[Ticket] = relationship()
    unit: Mapped[Unit | None] = relationship()
    service: Mapped[Service | None] = relationship()

    @property
    def scores(self) -> tuple[int, ...]:
        return tuple(getattr(self, key) for key in ELEMENT_KEYS)
