"""Staff notifications of new work, per-person preference, job cursors (issue 16)

Revision ID: 0010_ux_notify
Revises: 0009_ux_faq
Create Date: 2026-12-06 02:00:00

"""
import sqlalchemy as sa
from alembic import op

import ticketing.models.base

# revision identifiers, used by Alembic.
revision = "0010_ux_notify"
down_revision = "0009_ux_faq"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("notify_pref", sa.String(length=10), server_default="segera",
                                   nullable=False))
    op.create_table(
        "job_cursors",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_cursors")),
    )
    op.create_table(
        "staff_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("audit_entry_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_dt", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("read_dt", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("mailed_dt", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["audit_entry_id"], ["audit_log.id"],
                                name=op.f("fk_staff_notifications_audit_entry_id_audit_log")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name=op.f("fk_staff_notifications_ticket_id_tickets")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_staff_notifications_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_notifications")),
        sa.UniqueConstraint("user_id", "audit_entry_id",
                            name="uq_staff_notifications_user_entry"),
    )
    with op.batch_alter_table("staff_notifications") as batch:
        batch.create_index(batch.f("ix_staff_notifications_user_id"), ["user_id"])
        batch.create_index(batch.f("ix_staff_notifications_ticket_id"), ["ticket_id"])
        batch.create_index(batch.f("ix_staff_notifications_mailed_dt"), ["mailed_dt"])


def downgrade():
    op.drop_table("staff_notifications")
    op.drop_table("job_cursors")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("notify_pref")
