"""Keyword routing: the admin-editable rules and the record of each decision and correction."""

from __future__ import annotations

from sqlalchemy import JSON, event, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .audit import AuditEntry
from .base import UTCDateTime, utcnow
from .catalogue import Unit
from .people import User


class RoutingRule(db.Model):
    """A word or phrase pointing to a unit (see domain.routing.Rule); seeded from
    domain.routing.DEFAULT_RULES and edited by admins."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None: a neutral phrase that only masks its words (the office's own name)
    unit_id: Mapped[int | None] = mapped_column(db.ForeignKey("units.id"))
    #: matched on whole words, case- and accent-insensitively
    phrase: Mapped[str] = mapped_column(db.String(200), unique=True)
    weight: Mapped[float] = mapped_column(db.Float, default=2.0)
    #: counts only when no other unit has a specific match ("koperasi", "pengurus")
    is_generic: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_dt = mapped_column(UTCDateTime, default=utcnow)
    updated_dt = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))

    unit: Mapped[Unit | None] = relationship()
    updated_by: Mapped[User | None] = relationship()


class RoutingDecision(db.Model):
    """What the rules decided for a ticket that came without a service choice (mail), and
    the unit staff moved it to afterwards: the material for improving the rules."""

    __tablename__ = "routing_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(db.ForeignKey("tickets.id"), unique=True)
    #: the unit the rules chose; None: no confident match, the ticket went to triage
    unit_id: Mapped[int | None] = mapped_column(db.ForeignKey("units.id"))
    #: unit code -> score, and unit code -> matched phrases
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    matched: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(db.String(300), default="")
    created_dt = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: the unit staff last moved the ticket to (None: never moved)
    corrected_unit_id: Mapped[int | None] = mapped_column(db.ForeignKey("units.id"))
    corrected_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))
    corrected_dt = mapped_column(UTCDateTime, nullable=True)
    correction_reason: Mapped[str | None] = mapped_column(db.String(300))

    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    corrected_unit: Mapped[Unit | None] = relationship(foreign_keys=[corrected_unit_id])


@event.listens_for(AuditEntry, "after_insert")
def _log_routing_correction(mapper, connection, entry: AuditEntry) -> None:
    """Every change of a ticket's unit is audited ("unit"); mirror it onto the ticket's
    routing decision, whichever service or screen made it, in the same transaction."""
    if entry.action != "unit" or entry.ticket_id is None or not entry.new_value:
        return
    unit_id = select(Unit.id).where(Unit.code == entry.new_value).scalar_subquery()
    reason = (entry.detail or {}).get("reason") if isinstance(entry.detail, dict) else None
    connection.execute(
        update(RoutingDecision)
        .where(RoutingDecision.ticket_id == entry.ticket_id)
        .values(corrected_unit_id=unit_id, corrected_by_id=entry.actor_id,
                corrected_dt=entry.created_dt,
                correction_reason=(str(reason)[:300] if reason else None))
    )
