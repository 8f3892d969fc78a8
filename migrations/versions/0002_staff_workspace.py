"""Staff workspace: canned answers, login lockout and session epoch on users, the queue's
filter indexes and trigram search indexes (issue 3)

Revision ID: 0002_staff
Revises: 057025d9b4c8
Create Date: 2026-11-30 08:05:00

"""
from alembic import op
import sqlalchemy as sa

import ticketing.models.base


# revision identifiers, used by Alembic.
revision = "0002_staff"
down_revision = "057025d9b4c8"
branch_labels = None
depends_on = None

#: (index, table, column) searched with ILIKE '%...%' by the staff queue
TRIGRAM = (
    ("ix_tickets_code_trgm", "tickets", "code"),
    ("ix_tickets_subject_trgm", "tickets", "subject"),
    ("ix_tickets_requester_name_trgm", "tickets", "requester_name"),
    ("ix_tickets_requester_email_trgm", "tickets", "requester_email"),
    ("ix_tickets_requester_phone_trgm", "tickets", "requester_phone"),
    ("ix_messages_body_text_trgm", "messages", "body_text"),
)


def upgrade():
    op.create_table(
        "canned_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("created_dt", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_dt", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_canned_answers_service_id_services")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"],
                                name=op.f("fk_canned_answers_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_answers")),
    )
    with op.batch_alter_table("canned_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_canned_answers_service_id"), ["service_id"],
                              unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_login_count", sa.Integer(), server_default="0",
                                      nullable=False))
        batch_op.add_column(sa.Column("locked_until_dt",
                                      ticketing.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0",
                                      nullable=False))
        batch_op.add_column(sa.Column("password_changed_dt",
                                      ticketing.models.base.UTCDateTime(timezone=True),
                                      nullable=True))

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_channel", ["channel"], unique=False)
        batch_op.create_index("ix_tickets_type", ["type"], unique=False)

    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # On SQLite these are empty partial indexes (WHERE 0): same schema, no wasted space.
    for name, table, column in TRIGRAM:
        op.create_index(name, table, [column], unique=False, postgresql_using="gin",
                        postgresql_ops={column: "gin_trgm_ops"}, sqlite_where=sa.text("0"))


def downgrade():
    for name, table, _column in reversed(TRIGRAM):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_type")
        batch_op.drop_index("ix_tickets_channel")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_changed_dt")
        batch_op.drop_column("session_epoch")
        batch_op.drop_column("locked_until_dt")
        batch_op.drop_column("failed_login_count")
    with op.batch_alter_table("canned_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_canned_answers_service_id"))
    op.drop_table("canned_answers")
