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

With `shared=True` (the evaluation) there is a second level in the database (models.
report_cache), shared by every worker and the scheduler and surviving restarts: memory, then
the stored row (the same version / `still_valid` rule, and the code's FORMAT), then a build,
kept in both. The row is written in its own short transaction (the caller's, often a read-only
page, stays as it is; a failure to store is logged, never shown); one row per key, replaced.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import time
import zlib
from collections.abc import Callable, Hashable
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from threading import Lock
from typing import TypeVar

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain import ikm, lifecycle, periods, report
from ..domain.periods import Period
from ..extensions import db
from ..models import ReportCacheEntry

CACHE_SECONDS = 600
#: scopes kept at most (periods x units x kinds); the oldest is dropped beyond it
MAX_ENTRIES = 64

T = TypeVar("T")
_lock = Lock()
log = logging.getLogger(__name__)

#: raise when the stored values change in a way the sources below do not show
FORMAT_VERSION = 2


def _format() -> str:
    """The code's format marker: FORMAT_VERSION and the source of the modules that define
    and count the stored reports, so a deployment that changes them ignores older rows."""
    digest = hashlib.sha256(f"{FORMAT_VERSION}:{pickle.HIGHEST_PROTOCOL}".encode())
    for module in (report, ikm, periods, lifecycle):
        with suppress(OSError):  # no sources shipped: FORMAT_VERSION alone
            digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:32]


FORMAT = _format()


def _store() -> dict[tuple, tuple[Hashable, float, object]]:
    return current_app.extensions.setdefault("finished_period_cache", {})


def is_finished(period: Period, now: datetime) -> bool:
    return now >= period.bounds(current_app.config["TIMEZONE"])[1]


#: (version kept, version now) -> True when nothing recorded in between concerns the period
StillValid = Callable[[Hashable, Hashable], bool]


def cached(kind: str, period: Period, now: datetime, build: Callable[[], T], *,
           scope: tuple = (), version: Hashable = None,
           still_valid: StillValid | None = None, shared: bool = False) -> T:
    """build(), or the value built earlier for the same finished period and scope, when its
    version is the same or `still_valid` finds the changes since are about other periods.
    shared: also kept in (and looked up from) the database, for every process."""
    if not is_finished(period, now):
        return build()
    key = _key(kind, period, scope)
    hit = _hit(key, version, still_valid)
    if hit is None and shared:
        hit = _stored(kind, key, version, still_valid)
    if hit is not None:
        return hit  # type: ignore[return-value]
    built = build()
    _keep(key, version, built)
    if shared:
        _save(kind, key, period, version, built, now)
    return built


def peek(kind: str, period: Period, now: datetime, *, scope: tuple = (),
         version: Hashable = None, still_valid: StillValid | None = None,
         shared: bool = False) -> object | None:
    """What cached() would give for a finished period without building it; None if not kept."""
    if not is_finished(period, now):
        return None
    key = _key(kind, period, scope)
    hit = _hit(key, version, still_valid)
    if hit is None and shared:
        hit = _stored(kind, key, version, still_valid)
    return hit


def _keep(key: tuple, version: Hashable, value: object) -> None:
    with _lock:
        store = _store()
        store.pop(key, None)
        while len(store) >= MAX_ENTRIES:
            store.pop(next(iter(store)))
        store[key] = (version, time.monotonic(), value)


def _row_key(key: tuple) -> str:
    return "|".join(str(part) for part in key)


def _as_version(value) -> Hashable:
    """A version as JSON gives it back (lists) in the caller's form (tuples)."""
    return tuple(_as_version(v) for v in value) if isinstance(value, list) else value


def _stored(kind: str, key: tuple, version: Hashable,
            still_valid: StillValid | None) -> object | None:
    """The database's row for the key when it is of this code's format and still valid (then
    kept in memory too); None otherwise, and when it cannot be read."""
    row = db.session.execute(
        select(ReportCacheEntry.format, ReportCacheEntry.version, ReportCacheEntry.value)
        .where(ReportCacheEntry.cache_key == _row_key(key))).one_or_none()
    if row is None or row.format != FORMAT:
        return None
    kept = _as_version(row.version)
    if kept != version and (still_valid is None or not still_valid(kept, version)):
        return None
    try:
        value = pickle.loads(zlib.decompress(row.value))  # noqa: S301 - our rows (_save)
    except Exception:
        log.warning("unreadable cached %s %s: building it again", kind, key, exc_info=True)
        return None
    _keep(key, version, value)
    if kept != version:  # checked up to `version`: the next process looks only at what is newer
        _write(kind, key, {"version": _json_version(version)}, update_only=True)
    return value


def _json_version(version: Hashable):
    return list(version) if isinstance(version, tuple) else version


def _save(kind: str, key: tuple, period: Period, version: Hashable, value: object,
          now: datetime) -> None:
    try:
        # compressed: a quarter's report at a million tickets pickles to ~7 MB (every answer's
        # working seconds, for the medians), a few times less compressed; level 1: most of
        # the gain for a fraction of the time (a first build waits for it)
        blob = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
    except Exception:
        log.warning("cannot store %s %s", kind, key, exc_info=True)
        return
    _write(kind, key, {
        "format": FORMAT, "version": _json_version(version), "value": blob,
        "period_end_dt": period.bounds(current_app.config["TIMEZONE"])[1], "created_dt": now})


def _write(kind: str, key: tuple, values: dict, *, update_only: bool = False) -> None:
    """Insert or replace the key's row in a short transaction of its own: the caller's stays
    read-only, and a failure (or another worker storing the same key at the same moment) is
    logged and never fails the caller."""
    table = ReportCacheEntry.__table__
    try:
        with db.engine.begin() as connection:
            if update_only:
                connection.execute(table.update().where(table.c.cache_key == _row_key(key))
                                   .values(**values))
                return
            insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
            statement = insert(table).values(kind=kind, cache_key=_row_key(key), **values)
            connection.execute(statement.on_conflict_do_update(
                index_elements=[table.c.cache_key],
                set_={name: statement.excluded[name] for name in values}))
    except Exception:
        log.warning("could not store cached %s %s", kind, key, exc_info=True)


def discard(kind: str) -> int:
    """Delete the stored rows of a kind, in the caller's transaction (flushes), and this
    process's memory of it: an erasure must not leave personal data in a cached report."""
    forget(kind)
    return db.session.execute(
        delete(ReportCacheEntry).where(ReportCacheEntry.kind == kind)).rowcount or 0


def prune(kind: str, version: Hashable,
          still_valid_for: Callable[[datetime], StillValid]) -> int:
    """Delete the stored rows of a kind that no lookup would take any more: another format,
    or a version that `still_valid_for(period end)` no longer accepts. Flushes."""
    stale = []
    for row_id, row_format, kept, end in db.session.execute(
            select(ReportCacheEntry.id, ReportCacheEntry.format, ReportCacheEntry.version,
                   ReportCacheEntry.period_end_dt).where(ReportCacheEntry.kind == kind)):
        kept = _as_version(kept)
        if row_format != FORMAT or (kept != version
                                    and not still_valid_for(end)(kept, version)):
            stale.append(row_id)
    if stale:
        db.session.execute(delete(ReportCacheEntry).where(ReportCacheEntry.id.in_(stale)))
    return len(stale)


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
