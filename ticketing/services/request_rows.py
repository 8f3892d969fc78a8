"""A new request's rows written without the ORM (intake.submit, the citizen's web form and
API; mail_actions, a new request by mail): the ticket, then the rows that point at it (first
message, audit entry, outbox mail; for mail the routing decision, the acknowledgement's
booking and the message's files).

On PostgreSQL they go in one statement, data-modifying CTEs that hand the ticket's new id to
the other INSERTs, with the daily facts' UPSERT: one round trip instead of five. Elsewhere
(SQLite, in-process, where a round trip costs nothing) one statement per table. Statements
are built once per set of columns. The rows
themselves are built by the services that own their rules (intake.ticket_values,
audit.entry_values, outbox.mail_values, routing_rules.decision_values,
auto_reply.auto_reply_rows, facts.new_ticket_rows).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache, lru_cache

import orjson
from sqlalchemy import insert, text

from ..models import (
    Attachment,
    AuditEntry,
    MailAutoReply,
    Message,
    OutboxMail,
    RoutingDecision,
    Ticket,
)
from ..models.search import search_vector_sql
from . import facts

#: the rows that point at the new ticket (by their ticket_id), in the order they are written
CHILDREN = {"message": Message.__table__, "audit": AuditEntry.__table__,
            "outbox": OutboxMail.__table__, "routing": RoutingDecision.__table__,
            "auto_reply": MailAutoReply.__table__}


def single_statement_session(session) -> None:
    """On PostgreSQL, let a use case whose only write is insert_request's one statement run
    without BEGIN and COMMIT: the statement is atomic by itself (it commits alone or not at
    all), so the explicit transaction only cost two round trips. Only when nothing else is
    under way in `session`."""
    if session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def insert_request(connection, ticket: dict, children: dict[str, dict],
                   search_text: str, fact_rows: list[dict],
                   attachments: list[dict] | None = None) -> int:
    """Insert `ticket` (its columns) and each of `children` (name in CHILDREN -> columns;
    a ticket_id among them is left unset) pointing at it, and add `fact_rows` to the daily
    facts (services.facts, in the shard of the new id); returns the ticket's id.
    `search_text`: the words of the full-text vector (PostgreSQL; models.search.first_text).
    `attachments`: rows of the files of the child "message" (their message_id left unset),
    all with the same columns."""
    children = {name: {k: v for k, v in row.items() if k != "ticket_id"}
                for name, row in children.items()}
    files = [{k: v for k, v in row.items() if k != "message_id"} for row in attachments or ()]
    if connection.dialect.name == "postgresql":
        layout = (tuple(ticket), tuple((name, tuple(row)) for name, row in children.items()),
                  tuple(files[0]) if files else None)
        defaults = _one_statement(layout)[1]
        params = {"t": _json({**defaults["t"], **ticket}), "search_text": search_text,
                  "facts": _json(fact_rows)}
        for name, row in children.items():
            params[name] = _json({**defaults[name], **row})
        if files:
            params["files"] = _json([{**defaults["files"], **row} for row in files])
        # the statement's text for this driver, compiled once: no compilation or parameter
        # processing per request (SQLAlchemy's events and error wrapping still apply)
        return connection.exec_driver_sql(_driver_sql(layout, connection.dialect),
                                          params).scalar_one()
    tickets = Ticket.__table__
    ticket_id = connection.execute(insert(tickets).returning(tickets.c.id), ticket).scalar_one()
    for name, row in children.items():
        done = connection.execute(insert(CHILDREN[name]), {**row, "ticket_id": ticket_id})
        if name == "message" and files:
            message_id = done.inserted_primary_key[0]
            connection.execute(insert(Attachment.__table__),
                               [{**row, "message_id": message_id} for row in files])
    if fact_rows:  # in the shard of the new id, as the statement above does
        facts.add(connection, [{**row, "shard": facts.shard_of(ticket_id)}
                               for row in fact_rows])
    return ticket_id


def _json(value) -> str:
    # orjson: a tenth of the json module's time for these rows; datetimes still go through
    # _json_value, which refuses a naive one
    return orjson.dumps(value, default=_json_value,
                        option=orjson.OPT_PASSTHROUGH_DATETIME).decode()


def _json_value(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored (timestamps are UTC)")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


@cache
def _one_statement(layout: tuple) -> tuple:
    """The statement for one layout of columns, and the scalar defaults of the columns it
    leaves out (an INSERT ... SELECT gets none of SQLAlchemy's defaults):

        WITH t AS (INSERT INTO tickets (...) SELECT r.... FROM jsonb_populate_record(
                   NULL::tickets, :t) AS r RETURNING id),
             message AS (INSERT INTO messages (ticket_id, ...) SELECT t.id, r.... FROM t,
                   jsonb_populate_record(NULL::messages, :message) AS r),
             ..., facts AS (the daily facts' UPSERT of the rows in :facts)
        SELECT id FROM t

    Each row travels as one JSON parameter and PostgreSQL types it by the table's own row
    type: a short statement with six parameters, which psycopg converts and prepares once
    (with a parameter per column it did neither, and SQLAlchemy processed 70 of them)."""
    ticket_columns, children, file_columns = layout
    tickets = Ticket.__table__
    defaults = {"t": _defaults(tickets, ticket_columns)}
    columns = [*ticket_columns, *defaults["t"]]
    # Names only from the table metadata; every value travels as a bound parameter.
    parts = [(
        f"t AS (INSERT INTO {tickets.name} ({', '.join(columns)}, search_vector) "  # noqa: S608
        f"SELECT {', '.join('r.' + c for c in columns)}, {search_vector_sql('search_text')} "
        f"FROM jsonb_populate_record(NULL::{tickets.name}, CAST(:t AS jsonb)) AS r "
        "RETURNING id)")]
    for name, given in children:
        table = CHILDREN[name]
        defaults[name] = _defaults(table, given)
        columns = [*given, *defaults[name]]
        returning = " RETURNING id" if name == "message" and file_columns else ""
        parts.append(
            f"{name} AS (INSERT INTO {table.name} (ticket_id, {', '.join(columns)}) "  # noqa: S608
            f"SELECT t.id, {', '.join('r.' + c for c in columns)} FROM t, "
            f"jsonb_populate_record(NULL::{table.name}, CAST(:{name} AS jsonb)) AS r"
            f"{returning})")
    if file_columns:
        table = Attachment.__table__
        defaults["files"] = _defaults(table, file_columns)
        columns = [*file_columns, *defaults["files"]]
        parts.append(
            f"files AS (INSERT INTO {table.name} (message_id, {', '.join(columns)}) "  # noqa: S608
            f"SELECT message.id, {', '.join('r.' + c for c in columns)} FROM message, "
            f"jsonb_populate_recordset(NULL::{table.name}, CAST(:files AS jsonb)) AS r)")
    parts.append(f"facts AS ({facts.upsert_json_sql('facts', 't')})")
    return text("WITH " + ",\n".join(parts) + "\nSELECT id FROM t"), defaults


@lru_cache(maxsize=64)  # bounded: keyed by the engine's dialect, and tests make many engines
def _driver_sql(layout: tuple, dialect) -> str:
    return str(_one_statement(layout)[0].compile(dialect=dialect))


def _defaults(table, given: tuple) -> dict:
    """The scalar defaults of the columns `given` leaves out."""
    out = {}
    for column in table.columns:
        if column.key in given or column.default is None or column.key == "search_vector":
            continue
        if not column.default.is_scalar:
            raise ValueError(f"{table.name}.{column.key}: a computed default must be given")
        out[column.key] = column.default.arg
    return out
