"""Daily facts, kept and read: the figures of the public page, its CSV and the stats API.

Kept in the same transaction as each change: after every flush, the requests inserted,
changed (receipt, unit, service, channel, type, answer, deadline) or deleted and the survey
responses stored move their day's counters by the difference (one UPSERT per touched fact
row). `rebuild` recomputes a range of days from the tickets themselves, idempotently (the
nightly job, `flask facts rebuild`, bulk loads that bypass the ORM) and writes `open_late`.

A request's changes go to the fact row of its id's shard (`shard_of`): every request of a
day for one service added to a single row, so concurrent intakes waited for each other's
commit on that row's lock (and could not share a WAL flush). Readers sum the shards; the
rebuild writes everything to shard 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import (
    bindparam,
    cast,
    delete,
    event,
    func,
    inspect,
    literal_column,
    select,
)
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from ..domain import facts as rules
from ..domain.ikm import ELEMENT_KEYS
from ..domain.report import TicketRow
from ..extensions import db
from ..models import DailyFact, SurveyResponse, Ticket
from ..models.facts import MEASURES, SCORE_COLUMNS
from .calendar import office_calendar

#: ticket attributes a fact depends on
WATCHED = ("created_dt", "unit_id", "service_id", "channel", "type", "first_response_dt",
           "first_response_seconds", "is_first_response_late", "due_dt",
           "sla_remaining_seconds")
KEY_COLUMNS = ("day", "unit_id", "service_id", "channel", "type", "shard")
#: rows per day, unit, service, channel and type: requests with consecutive ids (those
#: received at the same moment) add to different rows
SHARDS = 8


def shard_of(ticket_id: int | None) -> int:
    """The shard of the fact rows a request's changes go to."""
    return (ticket_id or 0) % SHARDS


def shard_sql(ticket_id_sql: str) -> str:
    """`shard_of` in SQL, of the id expression `ticket_id_sql` (for a statement that learns
    the id as it inserts the request)."""
    return f"({ticket_id_sql}) % {SHARDS}"
#: days the nightly job recomputes (late answers move their day's counters)
NIGHTLY_DAYS = 120


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _row(values: dict) -> TicketRow:
    return TicketRow(id=0, code="", type=values["type"], channel=values["channel"],
                     unit=None, service=None, assignee_id=None, status="",
                     created_dt=values["created_dt"], due_dt=values["due_dt"],
                     first_response_dt=values["first_response_dt"],
                     first_response_seconds=values["first_response_seconds"],
                     is_first_response_late=values["is_first_response_late"],
                     sla_remaining_seconds=values["sla_remaining_seconds"])


def _values(ticket: Ticket, old: bool) -> dict:
    """The watched attributes now, or as they were before this flush (old=True)."""
    state = inspect(ticket)
    out = {}
    for name in WATCHED:
        history = state.attrs[name].history
        if old and history.deleted:
            out[name] = history.deleted[0]
        elif old and history.added and not history.unchanged:
            out[name] = None  # set in this flush from nothing
        else:
            out[name] = getattr(ticket, name)
    return out


class _Deltas:
    def __init__(self) -> None:
        #: (*rules.Key, shard) -> measure -> amount
        self.rows: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self._calendar = None

    @property
    def calendar(self):
        if self._calendar is None:
            self._calendar = office_calendar()
        return self._calendar

    def ticket(self, values: dict, sign: int, tz: ZoneInfo, shard: int) -> None:
        if values["created_dt"] is None:
            return
        row = _row(values)
        key = (*rules.key_of(row, values["unit_id"], values["service_id"], tz), shard)
        # the calendar only for an answered request whose working time was not stored
        calendar = (self.calendar if row.first_response_dt is not None
                    and row.first_response_seconds is None else None)
        for name, amount in rules.contribution(row, calendar).items():
            self.rows[key][name] += sign * amount

    def response(self, response: SurveyResponse, sign: int, tz: ZoneInfo,
                 session: Session) -> None:
        ticket = session.get(Ticket, response.ticket_id)
        key = (rules.local_day(response.submitted_dt, tz), response.unit_id or 0,
               response.service_id or 0, ticket.channel if ticket else "",
               ticket.type if ticket else "", shard_of(response.ticket_id))
        self.rows[key]["respondents"] += sign
        for element, column in zip(ELEMENT_KEYS, SCORE_COLUMNS, strict=True):
            self.rows[key][column] += sign * (getattr(response, element) or 0)

    def nonzero(self) -> list[dict]:
        out = []
        for key, measures in self.rows.items():
            if any(abs(v) > 1e-9 for v in measures.values()):
                out.append({**dict(zip(KEY_COLUMNS, key, strict=True)), **measures})
        return out


def _changed(ticket: Ticket) -> bool:
    state = inspect(ticket)
    return any(state.attrs[name].history.has_changes() for name in WATCHED)


@event.listens_for(Session, "after_flush")
def _keep_facts(session: Session, flush_context) -> None:
    """Move the facts by what this flush changed, in the same transaction."""
    if not has_app_context():
        return
    touched = [o for o in (*session.new, *session.dirty, *session.deleted)
               if isinstance(o, Ticket | SurveyResponse)]
    if not touched:
        return
    tz, deltas = _tz(), _Deltas()
    with session.no_autoflush:
        for obj in session.new:
            if isinstance(obj, Ticket):
                deltas.ticket(_values(obj, old=False), +1, tz, shard_of(obj.id))
            elif isinstance(obj, SurveyResponse) and obj.submitted_dt is not None:
                deltas.response(obj, +1, tz, session)
        for obj in session.dirty:
            if isinstance(obj, Ticket) and _changed(obj):
                deltas.ticket(_values(obj, old=True), -1, tz, shard_of(obj.id))
                deltas.ticket(_values(obj, old=False), +1, tz, shard_of(obj.id))
        for obj in session.deleted:
            if isinstance(obj, Ticket):
                deltas.ticket(_values(obj, old=True), -1, tz, shard_of(obj.id))
            elif isinstance(obj, SurveyResponse) and obj.submitted_dt is not None:
                deltas.response(obj, -1, tz, session)
    rows = deferred_rows(deltas.nonzero(), session)
    if rows:
        add(session.connection(), rows)


# ------------------------------------------------------------------ deferred to the end

#: session.info key of the fact rows added up while facts are deferred: key -> measures
_DEFERRED = "facts_deferred"


@contextmanager
def deferred(session: Session | None = None) -> Iterator[None]:
    """Within the block, the facts this session's flushes (and deferred_rows) move are added
    up, and written when it ends without an error, after a last flush: one UPSERT of the
    rows in key order. A transaction that moves many facts one flush after another (a chunk
    of mail) then takes their row locks in the one order every writer uses, where two of
    them moving the same facts in different orders would deadlock. On an error nothing is
    written (the caller rolls back). Not across a commit: the block ends before it."""
    session = session or db.session()
    if _DEFERRED in session.info:
        yield  # already deferred by an outer block
        return
    session.info[_DEFERRED] = {}
    try:
        yield
        session.flush()
    except BaseException:
        session.info.pop(_DEFERRED, None)
        raise
    rows = _pending_rows(session.info.pop(_DEFERRED))
    if rows:
        add(session.connection(), rows)


def is_deferred(session: Session | None = None) -> bool:
    return _DEFERRED in (session or db.session()).info


def deferred_rows(rows: list[dict], session: Session | None = None) -> list[dict]:
    """`rows` to write now: none while facts are deferred (they are added up instead)."""
    pending = (session or db.session()).info.get(_DEFERRED)
    if pending is None:
        return rows
    for row in rows:
        measures = pending.setdefault(tuple(row[k] for k in KEY_COLUMNS), defaultdict(float))
        for name in MEASURES:
            measures[name] += row.get(name) or 0
    return []


def deferred_state(session: Session | None = None) -> dict | None:
    """A copy of the rows added up so far (for a SAVEPOINT: restore_deferred on its
    rollback), None when facts are not deferred."""
    pending = (session or db.session()).info.get(_DEFERRED)
    return None if pending is None else {k: dict(v) for k, v in pending.items()}


def restore_deferred(state: dict | None, session: Session | None = None) -> None:
    """Back to deferred_state's copy (what a rolled-back SAVEPOINT added is forgotten)."""
    session = session or db.session()
    if state is not None and _DEFERRED in session.info:
        session.info[_DEFERRED] = {k: defaultdict(float, v) for k, v in state.items()}


def _pending_rows(pending: dict) -> list[dict]:
    out = []
    for key, measures in pending.items():
        if any(abs(v) > 1e-9 for v in measures.values()):
            row = {**dict(zip(KEY_COLUMNS, key, strict=True)), **measures}
            out.append({**row, **{m: round(row[m]) for m in _INTEGER_MEASURES}})
    return out


def new_ticket_rows(values: dict, ticket_id: int | None = None) -> list[dict]:
    """The fact rows a request inserted without the ORM (intake.submit) adds, as
    `_keep_facts` counts one inserted through it: `values` are its columns, `ticket_id` its
    id (the shard; a statement that inserts the request gives its rows the shard of the new
    id itself, see upsert_json_sql). Rows for `add`."""
    deltas = _Deltas()
    deltas.ticket({name: values.get(name) for name in WATCHED}, +1, _tz(),
                  shard_of(ticket_id))
    return in_key_order([{**dict.fromkeys(MEASURES, 0), **row,
                          **{m: round(row[m]) for m in _INTEGER_MEASURES if m in row}}
                         for row in deltas.nonzero()])


#: measures counted in whole numbers (the deltas add up floats)
_INTEGER_MEASURES = tuple(m for m in MEASURES
                          if DailyFact.__table__.c[m].type.python_type is int)


def add(connection, rows: list[dict]) -> None:
    """Add each row's measures to its fact (created at zero when missing): one UPSERT per
    row, the statement built once per dialect (every intake runs it: compiling it anew each
    time was a tenth of a request's CPU)."""
    full = [{**dict.fromkeys(MEASURES, 0), **row} for row in rows]
    connection.execute(upsert(connection.dialect.name), in_key_order(full))


def in_key_order(rows: list[dict]) -> list[dict]:
    """Rows in one order for every writer: two transactions adding to the same facts in
    different orders (a mail batch and the intake, two workers) would deadlock."""
    return sorted(rows, key=lambda row: tuple(row[k] for k in KEY_COLUMNS))


@cache
def upsert(dialect_name: str):
    """INSERT a fact row, or add its measures to the existing one."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return _adding(dialect.insert(DailyFact.__table__))


def _adding(statement):
    """`statement`, an INSERT into the facts, adding its measures to a fact that exists: the
    one rule of every writer (`add`, and the intake's statement through upsert_json_sql)."""
    table = DailyFact.__table__
    return statement.on_conflict_do_update(
        index_elements=list(KEY_COLUMNS),
        set_={m: table.c[m] + statement.excluded[m] for m in MEASURES})


def upsert_json_sql(parameter: str, ticket: str) -> str:
    """The facts' UPSERT (`_adding`, as in `upsert`) compiled to PostgreSQL text, of the rows
    in the bound parameter `parameter` (a JSON array of full rows; none: nothing happens),
    for use inside another statement that inserts one request as the relation `ticket` (its
    rows go to the shard of its id; services.request_rows builds it once per layout)."""
    table, columns = DailyFact.__table__, (*KEY_COLUMNS, *MEASURES)
    rows = func.jsonb_populate_recordset(
        literal_column(f"NULL::{table.name}"), cast(bindparam(parameter), JSONB),
    ).table_valued(*columns).alias("r")
    values = [literal_column(shard_sql(f"{ticket}.id")) if c == "shard" else rows.c[c]
              for c in columns]
    statement = _adding(postgresql.insert(table).from_select(
        list(columns), select(*values).select_from(sql_table(ticket, sql_column("id")), rows)))
    return str(statement.compile(dialect=postgresql.dialect(paramstyle="named")))


# ------------------------------------------------------------------ rebuild

def rebuild(connection, now: datetime, first_day: date | None = None,
            end_day: date | None = None) -> int:
    """Recompute the facts of [first_day, end_day) (default: everything up to today) from the
    tickets and survey responses; returns the number of fact rows written. Idempotent."""
    tz = _tz()
    calendar = office_calendar()
    today = rules.local_day(now, tz)
    end_day = end_day or today + timedelta(days=1)
    if first_day is None:
        oldest = connection.scalar(select(db.func.min(Ticket.created_dt)))
        first_day = rules.local_day(oldest, tz) if oldest else today
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(end_day, datetime.min.time(), tzinfo=tz)
    deltas = _Deltas()
    deltas._calendar = calendar
    t = Ticket.__table__
    columns = [t.c[name] for name in WATCHED]
    for values in connection.execute(
            select(*columns).where(t.c.created_dt >= start, t.c.created_dt < end)).mappings():
        deltas.ticket(dict(values), +1, tz, 0)
    _rebuild_responses(connection, deltas, start, end, tz)
    _rebuild_open_late(connection, deltas, first_day, end_day, start, end, now, tz)
    connection.execute(delete(DailyFact.__table__).where(DailyFact.__table__.c.day >= first_day,
                                                         DailyFact.__table__.c.day < end_day))
    rows = deltas.nonzero()
    for i in range(0, len(rows), 2000):
        add(connection, rows[i:i + 2000])
    return len(rows)


def _rebuild_responses(connection, deltas: _Deltas, start, end, tz) -> None:
    r, t = SurveyResponse.__table__, Ticket.__table__
    for row in connection.execute(
            select(r.c.submitted_dt, r.c.unit_id, r.c.service_id, t.c.channel, t.c.type,
                   *[r.c[key] for key in ELEMENT_KEYS])
            .join(t, t.c.id == r.c.ticket_id)
            .where(r.c.submitted_dt >= start, r.c.submitted_dt < end)).mappings():
        key = (rules.local_day(row["submitted_dt"], tz), row["unit_id"] or 0,
               row["service_id"] or 0, row["channel"], row["type"], 0)
        deltas.rows[key]["respondents"] += 1
        for element, column in zip(ELEMENT_KEYS, SCORE_COLUMNS, strict=True):
            deltas.rows[key][column] += row[element]


def _rebuild_open_late(connection, deltas: _Deltas, first_day, end_day, start, end, now,
                       tz) -> None:
    """Per day, the requests open, unanswered and past the deadline at its end (only days
    that have ended by `now`)."""
    t = Ticket.__table__
    end_day = min(end_day, rules.local_day(now, tz))
    stop = db.func.coalesce(t.c.first_response_dt, t.c.closed_dt)
    for row in connection.execute(
            select(t.c.due_dt, t.c.first_response_dt, t.c.closed_dt, t.c.unit_id,
                   t.c.service_id, t.c.channel, t.c.type)
            .where(t.c.due_dt.is_not(None), t.c.due_dt < end,
                   db.or_(stop.is_(None), stop > t.c.due_dt))
            .where(db.or_(stop.is_(None), stop >= start))).mappings():
        ends = [m for m in (row["first_response_dt"], row["closed_dt"]) if m is not None]
        for day in rules.late_days(row["due_dt"], min(ends) if ends else None, first_day,
                                   end_day, tz):
            key = (day, row["unit_id"] or 0, row["service_id"] or 0, row["channel"],
                   row["type"], 0)
            deltas.rows[key]["open_late"] += 1


def rebuild_recent(now: datetime, days: int = NIGHTLY_DAYS) -> int:
    """The nightly job: the last `days` days again (late answers, open_late)."""
    first = rules.local_day(now, _tz()) - timedelta(days=days)
    return rebuild(db.session.connection(), now, first)
