"""Indexes for the staff queue: its filters and its text search.

On PostgreSQL words are found by full-text search: `tickets.search_vector` holds the lexemes
(`simple` configuration, positions stripped) of the subject and of every message, kept in the
same transaction as each insert by the listeners below, under one GIN index. Names, e-mail
addresses, phone numbers and codes are matched inside (`ILIKE '%...%'`) through trigram
(pg_trgm) GIN indexes on those short columns only; message bodies carry no trigram index (it
cost ~5.5 ms per intake INSERT). SQLite cannot use an index for either; there the same indexes
are created as empty partial indexes (`WHERE 0`), so both databases have one schema, and the
queue falls back to `LIKE` over subjects and messages.
"""

from __future__ import annotations

from sqlalchemy import DDL, Index, case, event, func, literal, literal_column, text, update

from ..extensions import db
from .tickets import Message, Ticket

TRGM = "gin_trgm_ops"
#: the text search configuration: no stemming, Indonesian and English words alike
CONFIG = "simple"
REGCONFIG = literal_column(f"'{CONFIG}'::regconfig")
#: characters of one message indexed (a pasted 5 MB mail must not fail the insert)
MAX_INDEXED_CHARS = 50_000
#: stop adding lexemes to a ticket past this size (PostgreSQL's limit for a tsvector is 1 MB)
MAX_VECTOR_BYTES = 400_000


def _trigram(name: str, column) -> Index:
    return Index(name, column, postgresql_using="gin", postgresql_ops={column.key: TRGM},
                 sqlite_where=text("0"))


SEARCH_INDEXES = (
    _trigram("ix_tickets_code_trgm", Ticket.__table__.c.code),
    _trigram("ix_tickets_requester_name_trgm", Ticket.__table__.c.requester_name),
    _trigram("ix_tickets_requester_email_trgm", Ticket.__table__.c.requester_email),
    _trigram("ix_tickets_requester_phone_trgm", Ticket.__table__.c.requester_phone),
    Index("ix_tickets_search_vector", Ticket.__table__.c.search_vector,
          postgresql_using="gin", sqlite_where=text("0")),
)

# create_all() (tests, a fresh dev database) needs the extension before the indexes;
# migrations create it themselves.
event.listen(db.metadata, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


def lexemes(value):
    """SQL: the stripped tsvector of a text (bounded in length)."""
    return func.strip(func.to_tsvector(REGCONFIG, func.left(value, MAX_INDEXED_CHARS)))


def search_vector_sql(parameter: str) -> str:
    """`lexemes` as SQL text, of the text in the bound parameter `parameter`."""
    return (f"strip(to_tsvector('{CONFIG}'::regconfig, "
            f"left(CAST(:{parameter} AS text), {MAX_INDEXED_CHARS})))")


@event.listens_for(Ticket, "before_insert")
def _index_subject(mapper, connection, target: Ticket) -> None:
    """A new ticket's vector: its subject and the messages inserted with it (no UPDATE)."""
    if connection.dialect.name != "postgresql":
        return
    texts = []
    for message in target.messages:
        if message.id is None and message.body_text:
            texts.append(message.body_text)
            message._is_indexed = True
    target.search_vector = lexemes(literal(first_text(target.subject, texts)))


def first_text(subject: str | None, bodies: list[str]) -> str:
    """What a new ticket's vector is made of: its subject and the messages inserted with it
    (also used by intake.submit, which inserts without the ORM)."""
    return " ".join([subject or "", *(b[:MAX_INDEXED_CHARS] for b in bodies if b)])


@event.listens_for(Message, "after_insert")
def _index_message(mapper, connection, target: Message) -> None:
    """Add a new message's words to its ticket's vector, in the same transaction."""
    if (connection.dialect.name != "postgresql" or not target.body_text
            or getattr(target, "_is_indexed", False)):
        return
    tickets = Ticket.__table__
    connection.execute(update(tickets).where(tickets.c.id == target.ticket_id)
                       .values(search_vector=with_words(target.body_text)))


def with_words(body_text: str):
    """SQL: the ticket's vector with the words of a new message added (its subject's when it
    had none), left as it is once it has reached MAX_VECTOR_BYTES. For an UPDATE of the
    ticket: here after a message's insert, or in the ticket's own UPDATE (mail follow-ups)."""
    vector = Ticket.__table__.c.search_vector
    return case(
        (func.coalesce(func.pg_column_size(vector), 0) < MAX_VECTOR_BYTES,
         func.coalesce(vector, lexemes(Ticket.__table__.c.subject))
         .op("||")(lexemes(literal(body_text)))),
        else_=vector)
