"""The daily facts as a test reads them: every row by its key and shard, and what a change
added to them."""

from __future__ import annotations

from sqlalchemy import select

from ticketing.extensions import db
from ticketing.models import DailyFact
from ticketing.models.facts import MEASURES
from ticketing.services import facts


def snapshot() -> dict:
    """(day, unit_id, service_id, channel, type, shard) -> measures, of every fact row."""
    return {(f.day, f.unit_id, f.service_id, f.channel, f.type, f.shard):
            {m: getattr(f, m) for m in MEASURES} for f in db.session.scalars(select(DailyFact))}


def added(before: dict, after: dict) -> dict:
    """key -> the measures that moved between two snapshots, by how much."""
    out = {}
    for key, measures in after.items():
        old = before.get(key, dict.fromkeys(MEASURES, 0))
        delta = {m: v - (old[m] or 0) for m, v in measures.items() if v != (old[m] or 0)}
        if delta:
            out[key] = delta
    return out


def added_by(before: dict, after: dict, ticket_id: int) -> dict:
    """What one request added, in the shard of its id (checked), keyed without the shard: the
    same whichever way the request was written."""
    moved = added(before, after)
    assert {key[-1] for key in moved} == {facts.shard_of(ticket_id)}
    return {key[:-1]: delta for key, delta in moved.items()}
