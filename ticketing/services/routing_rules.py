"""The routing rules in the database (seeded from domain.routing, edited by admins), routing
a request with them, and the record of decisions and staff corrections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, case, func, select

from ..domain import routing
from ..extensions import db
from ..models import RoutingDecision, RoutingRule, Ticket, Unit, User
from . import audit, process_cache


class RuleError(ValueError):
    """Input an admin must fix; `errors` maps field -> Indonesian message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def seed_rules(now: datetime) -> int:
    """Add the default rules whose phrase is not in the table yet (idempotent; an admin's
    edits and deactivations are kept). No commit; returns how many were added."""
    units = {u.code: u.id for u in db.session.scalars(select(Unit))}
    existing = {p.lower() for p in db.session.scalars(select(RoutingRule.phrase))}
    added = 0
    for rule in routing.DEFAULT_RULES:
        if rule.phrase.lower() in existing:
            continue
        if rule.unit is not None and rule.unit not in units:
            continue  # catalogue not seeded yet: the next seed adds it
        db.session.add(RoutingRule(unit_id=units.get(rule.unit) if rule.unit else None,
                                   phrase=rule.phrase, weight=rule.weight,
                                   is_generic=rule.generic, is_active=True,
                                   created_dt=now, updated_dt=now))
        existing.add(rule.phrase.lower())
        added += 1
    db.session.flush()
    _forget()
    return added


def active_rules() -> list[routing.Rule]:
    """The rules routing uses: the table's active rows; the built-in defaults while the table
    has never been seeded (a fresh database before `flask seed`). Kept per process for
    ROUTING_RULES_CACHE_SECONDS (every mail and WhatsApp request is routed; an edit through
    this module forgets them at once in this process)."""
    return list(process_cache.kept(
        "routing_rules", current_app.config.get("ROUTING_RULES_CACHE_SECONDS", 60),
        _read_rules))


def _forget() -> None:
    process_cache.forget("routing_rules")


def routed_unit(code: str | None) -> Unit | None:
    """The unit a decision names: this process's copy put into the session without a query
    (SQLAlchemy's merge without load, as the catalogue's services); None when unknown."""
    if not code:
        return None
    kept = process_cache.kept(
        "units_by_code", current_app.config.get("ROUTING_RULES_CACHE_SECONDS", 60),
        _read_units).get(code)
    return db.session.merge(kept, load=False) if kept is not None else None


def _read_units() -> dict[str, Unit]:
    # A session of its own: the copies outlive this one, detached.
    with db.session.session_factory() as session:
        return {unit.code: unit for unit in session.scalars(select(Unit))}


process_cache.forget_on_commit("routing_rules", RoutingRule, Unit)
process_cache.forget_on_commit("units_by_code", Unit)


def _read_rules() -> tuple[routing.Rule, ...]:
    rows = db.session.execute(
        select(RoutingRule.phrase, RoutingRule.weight, RoutingRule.is_generic,
               RoutingRule.is_active, Unit.code)
        .outerjoin(Unit, RoutingRule.unit_id == Unit.id)
    ).all()
    if not rows:
        return tuple(routing.DEFAULT_RULES)
    return tuple(routing.Rule(code, phrase, float(weight), bool(generic))
                 for phrase, weight, generic, active, code in rows if active)


def route_request(subject: str, body: str) -> routing.RoutingDecision:
    return routing.route(subject, body, active_rules())


def record_decision(ticket: Ticket, decision: routing.RoutingDecision, now: datetime) -> None:
    """Keep what the rules decided for the ticket (no commit)."""
    db.session.add(RoutingDecision(**decision_values(ticket.id, ticket.unit, decision, now)))


def decision_values(ticket_id: int | None, unit: Unit | None,
                    decision: routing.RoutingDecision, now: datetime) -> dict:
    """The columns of the record of a decision for a ticket routed to `unit` (also written
    without the ORM by mail intake, its ticket_id then left unset)."""
    unit_id = None
    if decision.unit and unit is not None and unit.code == decision.unit:
        unit_id = unit.id  # routed as decided: no query
    elif decision.unit:
        unit_id = db.session.scalar(select(Unit.id).where(Unit.code == decision.unit))
    return {"ticket_id": ticket_id, "unit_id": unit_id,
            "scores": dict(decision.score_by_unit.items()),
            "matched": {k: list(v) for k, v in decision.matched.items() if v},
            "reason": decision.reason[:300], "created_dt": now}


# ------------------------------------------------------------------ admin editing

@dataclass
class RuleInput:
    phrase: str
    unit_code: str | None
    weight: float
    is_generic: bool = False


def _validate(data: RuleInput, rule_id: int | None) -> tuple[str, int | None, float]:
    errors: dict[str, str] = {}
    phrase = " ".join((data.phrase or "").split()).lower()
    if not routing.normalize_text(phrase):
        errors["phrase"] = "Tulis kata atau frasa (huruf atau angka)."
    elif len(phrase) > 200:
        errors["phrase"] = "Paling panjang 200 karakter."
    else:
        clash = db.session.scalar(select(RoutingRule.id).where(
            func.lower(RoutingRule.phrase) == phrase))
        if clash is not None and clash != rule_id:
            errors["phrase"] = "Frasa ini sudah ada."
    unit_id = None
    if data.unit_code:
        unit_id = db.session.scalar(select(Unit.id).where(Unit.code == data.unit_code))
        if unit_id is None:
            errors["unit"] = "Bidang tidak dikenal."
    try:
        weight = float(data.weight)
    except (TypeError, ValueError):
        weight = -1.0
    if not 0 <= weight <= 10:
        errors["weight"] = "Bobot 0 sampai 10."
    if errors:
        raise RuleError(errors)
    return phrase, unit_id, weight


def add_rule(actor: User, data: RuleInput, now: datetime) -> RoutingRule:
    """A new rule, active at once. No commit."""
    phrase, unit_id, weight = _validate(data, None)
    rule = RoutingRule(phrase=phrase, unit_id=unit_id, weight=weight,
                       is_generic=data.is_generic, is_active=True, created_dt=now,
                       updated_dt=now, updated_by_id=actor.id)
    db.session.add(rule)
    audit.record(None, "routing_rule", now, actor=actor, new=f"{data.unit_code or '-'}: {phrase}",
                 detail={"weight": weight, "generic": data.is_generic})
    db.session.flush()
    _forget()
    return rule


def set_rule_active(actor: User, rule: RoutingRule, active: bool, now: datetime) -> None:
    rule.is_active = active
    rule.updated_dt, rule.updated_by_id = now, actor.id
    audit.record(None, "routing_rule", now, actor=actor, old=rule.phrase,
                 new="aktif" if active else "nonaktif")
    db.session.flush()
    _forget()


# ------------------------------------------------------------------ how well the rules do

def decision_stats() -> dict:
    """Counts over all recorded decisions: routed by the rules, sent to triage, and of the
    routed ones how many staff moved to another unit."""
    # One aggregate row, not every decision loaded into Python (the admin page shows this).
    d = RoutingDecision
    moved = and_(d.unit_id.is_not(None), d.corrected_unit_id.is_not(None),
                 d.corrected_unit_id != d.unit_id)
    total, routed, corrected = db.session.execute(select(
        func.count(d.id), func.count(d.unit_id),
        func.coalesce(func.sum(case((moved, 1), else_=0)), 0))).one()
    return {
        "decisions": total,
        "routed": routed,
        "triage": total - routed,
        "corrected": corrected,
        "kept": routed - corrected,
    }
