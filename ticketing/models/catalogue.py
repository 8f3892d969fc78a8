"""The service catalogue: units (bidang), their services and published standards."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, Numeric
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

UNIT_CODES = ("PUMK", "KELEMBAGAAN")


class Unit(db.Model):
    """A bidang of the office that answers requests."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable code used in the API: PUMK or KELEMBAGAAN
    code: Mapped[str] = mapped_column(db.String(20), unique=True)
    #: full name, e.g. "Bidang Pemberdayaan Usaha Mikro Kecil"
    name: Mapped[str] = mapped_column(db.String(200))
    short_name: Mapped[str] = mapped_column(db.String(80))
    #: staff count promised by the standard ("Jumlah Pelaksana")
    staff_count: Mapped[int] = mapped_column(default=0)
    sort_order: Mapped[int] = mapped_column(default=0)

    services: Mapped[list[Service]] = relationship(
        back_populates="unit", order_by="Service.sort_order"
    )

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class Service(db.Model):
    """One service of the catalogue, with its published 14-component standard."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(db.String(80), unique=True)
    name: Mapped[str] = mapped_column(db.String(200))
    summary: Mapped[str] = mapped_column(db.Text, default="")
    #: None for the general complaint/suggestion entry, which goes to triage
    unit_id: Mapped[int | None] = mapped_column(db.ForeignKey("units.id"), index=True)
    #: service-level target in working days ("Jangka Waktu Pelayanan")
    target_days: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    #: SLA reminder at this percentage of the target used; None: SLA_WARNING_PERCENT (75)
    sla_warning_percent: Mapped[int | None] = mapped_column(nullable=True)
    #: escalation level 2 this many working days past due; None: SLA_LEVEL2_DAYS (1)
    sla_level2_days: Mapped[Decimal | None] = mapped_column(Numeric(4, 2), nullable=True)
    fee: Mapped[str] = mapped_column(db.String(120), default="Gratis")
    product: Mapped[str] = mapped_column(db.String(200), default="Pelayanan Informasi")
    #: the published standard, all 14 components in the decree's order:
    #: [{"key", "title", "body", "group": "pelayanan" | "pengelolaan"}]
    components: Mapped[list] = mapped_column(JSON, default=list)
    #: texts in other languages, entered by an admin: {"en": {"name", "summary", "fee",
    #: "product", "components": {key: body}}}; a missing text falls back to Indonesian
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    is_active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    created_dt = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit | None] = relationship(back_populates="services")

    def __repr__(self) -> str:
        return f"<Service {self.slug}>"


class Closure(db.Model):
    """A date the office is closed beyond the national holidays (entered by an admin)."""

    __tablename__ = "calendar_closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    day = mapped_column(db.Date, unique=True)
    reason: Mapped[str] = mapped_column(db.String(200))
    created_dt = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))
