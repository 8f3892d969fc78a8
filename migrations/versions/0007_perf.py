"""Queue at scale: full-text search vector on tickets (PostgreSQL), keyset order indexes; the
trigram indexes on message bodies and subjects give way to full-text search (issue 13)

Revision ID: 0007_perf
Revises: 0006_whatsapp
Create Date: 2026-12-06 01:40:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0007_perf"
down_revision = "0006_whatsapp"
branch_labels = None
depends_on = None

#: what models.search.lexemes computes, for existing rows
BACKFILL = """
UPDATE tickets SET search_vector = strip(to_tsvector('simple', left(
    tickets.subject || ' ' || coalesce((
        SELECT string_agg(left(m.body_text, 50000), ' ' ORDER BY m.id)
        FROM messages m WHERE m.ticket_id = tickets.id), ''), 400000)))
"""


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            "search_vector", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"),
            nullable=True))
        batch_op.create_index("ix_tickets_unit_due_id", ["unit_id", "due_dt", "id"],
                              unique=False)
        batch_op.create_index("ix_tickets_due_id", ["due_dt", "id"], unique=False)
    op.drop_index("ix_messages_body_text_trgm", table_name="messages")
    op.drop_index("ix_tickets_subject_trgm", table_name="tickets")
    if postgres:
        op.execute(BACKFILL)
    op.create_index("ix_tickets_search_vector", "tickets", ["search_vector"], unique=False,
                    postgresql_using="gin", sqlite_where=sa.text("0"))


def downgrade():
    op.drop_index("ix_tickets_search_vector", table_name="tickets")
    for name, table, column in (("ix_tickets_subject_trgm", "tickets", "subject"),
                                ("ix_messages_body_text_trgm", "messages", "body_text")):
        op.create_index(name, table, [column], unique=False, postgresql_using="gin",
                        postgresql_ops={column: "gin_trgm_ops"}, sqlite_where=sa.text("0"))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_due_id")
        batch_op.drop_index("ix_tickets_unit_due_id")
        batch_op.drop_column("search_vector")
