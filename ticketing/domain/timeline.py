"""The request's history as the citizen reads it on the tracking page.

Built from the audit log, keeping only what concerns the citizen (no staff names, no internal
notes, no reminders or escalations), in plain steps: received, passed to a unit, being handled,
waiting for you, answered, reopened, confirmed, closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: step kinds the template words (public/_timeline.html)
RECEIVED, UNIT, HANDLING, WAITING, ANSWERED, REOPENED, CLOSED = (
    "received", "unit", "handling", "waiting", "answered", "reopened", "closed")
YOU_WROTE, UNDERSTOOD, NOT_UNDERSTOOD, STAFF_WROTE = (
    "you_wrote", "understood", "not_understood", "staff_wrote")

_STATUS_STEP = {
    "diproses": HANDLING,
    "menunggu_pemohon": WAITING,
    "selesai": ANSWERED,
    "ditutup": CLOSED,
}
_DONE = {"selesai", "ditutup"}


@dataclass(frozen=True)
class Step:
    kind: str
    at: datetime
    #: a unit code for UNIT steps
    value: str | None = None


def citizen_steps(entries) -> list[Step]:
    """Entries with .action, .old_value, .new_value, .created_dt (oldest first) -> steps."""
    steps: list[Step] = []
    for e in entries:
        step = _step(e.action, e.old_value, e.new_value, e.created_dt)
        if step is None:
            continue
        if steps and steps[-1].kind == step.kind and step.kind in (HANDLING, STAFF_WROTE,
                                                                      YOU_WROTE):
            continue  # "handled, handled, handled" says nothing more
        steps.append(step)
    return steps


def _step(action: str, old: str | None, new: str | None, at: datetime) -> Step | None:
    if action == "created":
        return Step(RECEIVED, at)
    if action == "unit" and new:
        return Step(UNIT, at, new)
    if action == "status" and new in _STATUS_STEP:
        if new == "diproses" and old in _DONE:
            return Step(REOPENED, at)
        return Step(_STATUS_STEP[new], at)
    if action == "reply":
        return Step(STAFF_WROTE, at)
    if action == "citizen_reply":
        return Step(YOU_WROTE, at)
    if action == "confirm":
        return Step(UNDERSTOOD if new == "dipahami" else NOT_UNDERSTOOD, at)
    return None
