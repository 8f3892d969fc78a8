"""A new request's rows written without the ORM (intake.submit, the citizen's web form and
API): the ticket, then the rows that point at it (first message, audit entry, outbox mail).

On PostgreSQL they go in one statement, data-modifying CTEs that hand the ticket's new id to
the other INSERTs, with the daily facts' UPSERT: one round trip instead of five. Elsewhere
(SQLite, in-process, where a round trip costs nothing) one statement per table. Statements
are built once per set of columns and compiled once by SQLAlchemy's cache. The rows
themselves are built by the services that own their rules (intake.ticket_values,
audit.entry_values, outbox.mail_values, facts.new_ticket_rows).
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, insert, literal, select

from ..models import AuditEntry, Message, OutboxMail, Ticket
from ..models.search import lexemes
from . import facts

#: the rows that point at the new ticket (by their ticket_id), in the order they are written
CHILDREN = {"message": Message.__table__, "audit": AuditEntry.__table__,
            "outbox": OutboxMail.__table__}


def insert_request(connection, ticket: dict, children: dict[str, dict],
                   search_text: str, fact_rows: list[dict]) -> int:
    """Insert `ticket` (its columns) and each of `children` (name in CHILDREN -> columns,
    without ticket_id) pointing at it, and add `fact_rows` to the daily facts
    (services.facts); returns the ticket's id. `search_text`: the words of the full-text
    vector (PostgreSQL; models.search.first_text)."""
    if connection.dialect.name == "postgresql":
        layout = (tuple(ticket), tuple((name, tuple(row)) for name, row in children.items()),
                  len(fact_rows))
        params = {f"t_{key}": value for key, value in ticket.items()}
        params["search_text"] = search_text
        for name, row in children.items():
            params.update({f"{name}_{key}": value for key, value in row.items()})
        for number, row in enumerate(fact_rows):
            params.update({f"f{number}_{key}": value for key, value in row.items()})
        return connection.execute(_one_statement(layout), params).scalar_one()
    tickets = Ticket.__table__
    ticket_id = connection.execute(insert(tickets).returning(tickets.c.id), ticket).scalar_one()
    for name, row in children.items():
        connection.execute(insert(CHILDREN[name]), {**row, "ticket_id": ticket_id})
    if fact_rows:
        facts.add(connection, fact_rows)
    return ticket_id


@cache
def _one_statement(layout: tuple):
    """WITH t AS (INSERT INTO tickets ... RETURNING id), message AS (INSERT INTO messages
    SELECT t.id, ... FROM t), ... SELECT id FROM t"""
    ticket_columns, children, fact_rows = layout
    tickets = Ticket.__table__
    values = _with_defaults(tickets, {
        key: bindparam(f"t_{key}", type_=tickets.c[key].type) for key in ticket_columns})
    values["search_vector"] = lexemes(bindparam("search_text"))
    new = insert(tickets).values(values).returning(tickets.c.id).cte("t")
    statement = select(new.c.id)
    for name, columns in children:
        table = CHILDREN[name]
        row = _with_defaults(table, {key: bindparam(f"{name}_{key}", type_=table.c[key].type)
                                     for key in columns})
        statement = statement.add_cte(insert(table).from_select(
            ["ticket_id", *row], select(new.c.id, *row.values()), include_defaults=False)
            .cte(name))
    for number in range(fact_rows):
        statement = statement.add_cte(
            facts.upsert("postgresql", prefix=f"f{number}_").cte(f"f{number}"))
    return statement


def _with_defaults(table, given: dict) -> dict:
    """`given` and the scalar defaults of the columns it leaves out (SQLAlchemy fills those
    only in a top-level INSERT, not in one inside a CTE)."""
    out = dict(given)
    for column in table.columns:
        if column.key in given or column.default is None:
            continue
        if not column.default.is_scalar:
            raise ValueError(f"{table.name}.{column.key}: a computed default must be given")
        out[column.key] = literal(column.default.arg, type_=column.type)
    return out
