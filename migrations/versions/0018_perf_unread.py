"""Unread staff news bounded by the open work: partial indexes of unread and unmailed news, and
news nobody needs to act on any more (the ticket is someone else's, or no longer open) settled
(issue 13)

Revision ID: 0018_perf
Revises: 0017_perf
Create Date: 2026-12-06 04:20:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import ticketing.models.base

# revision identifiers, used by Alembic.
revision = "0018_perf"
down_revision = "0017_perf"
branch_labels = None
depends_on = None

OPEN = ("baru", "diproses", "menunggu_pemohon")


def upgrade():
    news = sa.table("staff_notifications", sa.column("ticket_id"), sa.column("user_id"),
                    sa.column("read_dt", ticketing.models.base.UTCDateTime(timezone=True)))
    tickets = sa.table("tickets", sa.column("id"), sa.column("status"),
                       sa.column("assignee_id"))
    moot = sa.exists().where(tickets.c.id == news.c.ticket_id, sa.or_(
        tickets.c.status.not_in(OPEN),
        sa.and_(tickets.c.assignee_id.is_not(None), tickets.c.assignee_id != news.c.user_id)))
    op.execute(news.update().where(news.c.read_dt.is_(None), moot)
               .values(read_dt=datetime.now(UTC)))
    unread = sa.text("read_dt IS NULL")
    unmailed = sa.text("mailed_dt IS NULL AND read_dt IS NULL")
    op.create_index("ix_staff_notifications_unread", "staff_notifications",
                    ["user_id", "ticket_id"], postgresql_where=unread, sqlite_where=unread)
    op.create_index("ix_staff_notifications_unmailed", "staff_notifications", ["user_id"],
                    postgresql_where=unmailed, sqlite_where=unmailed)


def downgrade():
    op.drop_index("ix_staff_notifications_unmailed", table_name="staff_notifications")
    op.drop_index("ix_staff_notifications_unread", table_name="staff_notifications")
