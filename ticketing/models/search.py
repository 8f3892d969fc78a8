"""Indexes for the staff queue: its filters and its full-text search.

On PostgreSQL these are trigram (pg_trgm) GIN indexes, so `ILIKE '%kata%'` over codes, names,
contacts, subjects and message bodies stays an index scan with hundreds of thousands of
tickets. SQLite cannot use an index for a leading-wildcard LIKE at all; there the same indexes
are created as empty partial indexes (`WHERE 0`), so both databases have one schema and the
migration compares equal, without SQLite storing every message body twice.
"""

from __future__ import annotations

from sqlalchemy import DDL, Index, event, text

from ..extensions import db
from .tickets import Message, Ticket

TRGM = "gin_trgm_ops"


def _trigram(name: str, column) -> Index:
    return Index(name, column, postgresql_using="gin", postgresql_ops={column.key: TRGM},
                 sqlite_where=text("0"))


SEARCH_INDEXES = (
    _trigram("ix_tickets_code_trgm", Ticket.__table__.c.code),
    _trigram("ix_tickets_subject_trgm", Ticket.__table__.c.subject),
    _trigram("ix_tickets_requester_name_trgm", Ticket.__table__.c.requester_name),
    _trigram("ix_tickets_requester_email_trgm", Ticket.__table__.c.requester_email),
    _trigram("ix_tickets_requester_phone_trgm", Ticket.__table__.c.requester_phone),
    _trigram("ix_messages_body_text_trgm", Message.__table__.c.body_text),
)

#: the queue's filters that have no index of their own yet (status, unit, service and assignee do)
FILTER_INDEXES = (
    Index("ix_tickets_channel", Ticket.__table__.c.channel),
    Index("ix_tickets_type", Ticket.__table__.c.type),
)

# create_all() (tests, a fresh dev database) needs the extension before the indexes;
# migrations create it themselves.
event.listen(db.metadata, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
