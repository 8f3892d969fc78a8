"""Canned answers: prepared replies to the questions each service gets every day."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .catalogue import Service
from .people import User


class CannedAnswer(db.Model):
    """A reply text staff can insert into an answer, kept by the unit's ketua tim."""

    __tablename__ = "canned_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the service it answers; None for answers usable on any request (e.g. triage)
    service_id: Mapped[int | None] = mapped_column(db.ForeignKey("services.id"), index=True)
    #: short label shown in the picker, e.g. "Langkah self declare (SEHATI)"
    title: Mapped[str] = mapped_column(db.String(200))
    #: the text inserted; {nama} and {kode} are replaced by the requester's name and the code
    body: Mapped[str] = mapped_column(db.Text)
    #: hidden from the picker when False (kept, so the history stays readable)
    is_active: Mapped[bool] = mapped_column(default=True)
    #: also published to citizens (FAQ page, service page, suggestions on the request form)
    is_public: Mapped[bool] = mapped_column(default=False, server_default=db.false())
    sort_order: Mapped[int] = mapped_column(default=0)
    created_dt = mapped_column(UTCDateTime, default=utcnow)
    updated_dt = mapped_column(UTCDateTime, default=utcnow)
    #: who last changed it (None: the seed)
    updated_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))

    service: Mapped[Service | None] = relationship()
    updated_by: Mapped[User | None] = relationship()

    def render(self, requester_name: str, code: str) -> str:
        """The body with its placeholders filled (plain replace: no format-string surprises)."""
        return self.body.replace("{nama}", requester_name).replace("{kode}", code)

    def __repr__(self) -> str:
        return f"<CannedAnswer {self.title!r}>"


class FaqFeedback(db.Model):
    """A citizen said a published answer helped (or not): counted to report deflection."""

    __tablename__ = "faq_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    canned_answer_id: Mapped[int] = mapped_column(db.ForeignKey("canned_answers.id"), index=True)
    #: True "ini menjawab pertanyaan saya"; False "belum menjawab"
    is_helpful: Mapped[bool] = mapped_column()
    #: where it was shown: "form" (suggested while typing a request) or "faq" (the FAQ pages)
    context: Mapped[str] = mapped_column(db.String(10))
    created_dt = mapped_column(UTCDateTime, default=utcnow, index=True)
