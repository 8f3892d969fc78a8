"""Copies kept per process (calendar, catalogue, routing rules) are dropped when a transaction
that wrote their tables commits, whoever wrote it: not at the flush (a copy read before the
commit would keep the old values), and not when the transaction is rolled back."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select

from ticketing.extensions import db
from ticketing.models import Closure, RoutingRule, Unit
from ticketing.services import routing_rules
from ticketing.services.calendar import office_calendar


def test_a_closure_written_elsewhere_reaches_the_calendar_at_its_commit(app):
    day = date(2026, 12, 28)
    assert office_calendar().is_working_day(day)
    db.session.add(Closure(day=day, reason="Rapat kerja"))
    db.session.flush()
    assert office_calendar().is_working_day(day)  # not committed: the copy stays
    db.session.commit()
    assert not office_calendar().is_working_day(day)


def test_a_rolled_back_rule_leaves_the_kept_rules_alone(app):
    pumk = db.session.scalar(select(Unit.id).where(Unit.code == "PUMK"))
    assert not any(rule.phrase == "kemasan" for rule in routing_rules.active_rules())
    db.session.add(RoutingRule(phrase="tidak jadi", unit_id=pumk, weight=4, is_generic=False,
                               is_active=True))
    db.session.flush()
    db.session.rollback()
    # another process adds a rule (no ORM object here), then this one commits other work
    db.session.execute(insert(RoutingRule), [{
        "phrase": "kemasan", "unit_id": pumk, "weight": 4, "is_generic": False,
        "is_active": True}])
    db.session.commit()
    assert not any(rule.phrase == "kemasan" for rule in routing_rules.active_rules())
    db.session.add(RoutingRule(phrase="label", unit_id=pumk, weight=4, is_generic=False,
                               is_active=True))
    db.session.commit()
    phrases = {rule.phrase for rule in routing_rules.active_rules()}
    assert {"kemasan", "label"} <= phrases
