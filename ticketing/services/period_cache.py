"""The per-process cache of figures of finished periods: one home for the rule that a
period which has ended is computed once and then reused (the public /kinerja page, its CSV
and the stats API; the internal evaluation page, its PDF and its XLSX).

A period still running is always computed afresh. A finished one is kept for CACHE_SECONDS
under (kind, period, scope) together with a data version the caller gives (for the
evaluation: the newest ticket, audit, survey and SLA-notification ids, so any recorded
change to a ticket shows at once); when the version has moved, the caller's `still_valid`
may find that everything recorded since is about later requests (new requests arrive all
the time; a finished quarter's requests change seldom) and the entry is kept; otherwise a
new build replaces it, so a scope holds one entry at most. Each web worker and the
scheduler keep their own copy (per app).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from datetime import datetime
from threading import Lock
from typing import TypeVar

from flask import current_app

from ..domain.periods import Period

CACHE_SECONDS = 600
#: scopes kept at most (periods x units x kinds); the oldest is dropped beyond it
MAX_ENTRIES = 64

T = TypeVar("T")
_lock = Lock()


def _store() -> dict[tuple, tuple[Hashable, float, object]]:
    return current_app.extensions.setdefault("finished_period_cache", {})


def is_finished(period: Period, now: datetime) -> bool:
    return now >= period.bounds(current_app.config["TIMEZONE"])[1]


#: (version kept, version now) -> True when nothing recorded in between concerns the period
StillValid = Callable[[Hashable, Hashable], bool]


def cached(kind: str, period: Period, now: datetime, build: Callable[[], T], *,
           scope: tuple = (), version: Hashable = None,
           still_valid: StillValid | None = None) -> T:
    """build(), or the value built earlier for the same finished period and scope, when its
    version is the same or `still_valid` finds the changes since are about other periods."""
    if not is_finished(period, now):
        return build()
    key = _key(kind, period, scope)
    hit = _hit(key, version, still_valid)
    if hit is not None:
        return hit  # type: ignore[return-value]
    built = build()
    with _lock:
        store = _store()
        store.pop(key, None)
        while len(store) >= MAX_ENTRIES:
            store.pop(next(iter(store)))
        store[key] = (version, time.monotonic(), built)
    return built


def peek(kind: str, period: Period, now: datetime, *, scope: tuple = (),
         version: Hashable = None, still_valid: StillValid | None = None) -> object | None:
    """What cached() would give for a finished period without building it; None if not kept."""
    if not is_finished(period, now):
        return None
    return _hit(_key(kind, period, scope), version, still_valid)


def _key(kind: str, period: Period, scope: tuple) -> tuple:
    return (kind, period.key, period.start, period.end, *scope)


def _hit(key: tuple, version: Hashable, still_valid: StillValid | None) -> object | None:
    ttl = current_app.config.get("REPORT_CACHE_SECONDS", CACHE_SECONDS)
    with _lock:
        hit = _store().get(key)
    if hit is None or time.monotonic() - hit[1] >= ttl:
        return None
    if hit[0] == version:
        return hit[2]
    if still_valid is not None and still_valid(hit[0], version):
        with _lock:  # checked up to `version`: the next request looks only at what is newer
            if _store().get(key) is hit:
                _store()[key] = (version, hit[1], hit[2])
        return hit[2]
    return None


def forget(kind: str | None = None) -> None:
    """Drop the cached figures (of one kind, or all): after a facts rebuild or an edit."""
    with _lock:
        store = _store()
        for key in [k for k in store if kind is None or k[0] == kind]:
            del store[key]
