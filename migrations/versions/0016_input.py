"""Input and sessions (issue 9): server-side staff sessions, forced change of admin-issued
passwords, lockout counters for login names that match no account

Revision ID: 0016_input
Revises: 0015_perf
Create Date: 2026-12-06 01:45:00

"""
import sqlalchemy as sa
from alembic import op

import ticketing.models.base

# revision identifiers, used by Alembic.
revision = "0016_input"
down_revision = "0015_perf"
branch_labels = None
depends_on = None


def _dt(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, ticketing.models.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        _dt("created_dt", nullable=False),
        _dt("last_seen_dt", nullable=False),
        _dt("ended_dt"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_user_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_user_sessions_key_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)
    op.create_table(
        "login_throttles",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        _dt("locked_until_dt"),
        _dt("updated_dt", nullable=False),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_login_throttles")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
    op.drop_table("login_throttles")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
    op.drop_table("user_sessions")
