"""Each request's working seconds from receipt to its first answer, stored at the answer
(tickets.first_response_seconds); the requests answered so far filled in with the office
calendar as it is now, in batches (issue 13: the evaluation report no longer asks the calendar
for every answered request)

Revision ID: 0021_perf_seconds
Revises: 0020_report_cache
Create Date: 2026-12-06 05:00:00

"""
import logging

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_perf_seconds"
down_revision = "0020_report_cache"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    # an upgrade interrupted during the fill has committed the column already (see _fill)
    if "first_response_seconds" not in {
            c["name"] for c in sa.inspect(op.get_bind()).get_columns("tickets")}:
        with op.batch_alter_table("tickets", schema=None) as batch_op:
            batch_op.add_column(sa.Column("first_response_seconds", sa.Float(),
                                          nullable=True))
    _fill()


def _fill():
    """The answered requests, with the same code and calendar as the report used until now.
    Each batch is committed on its own (autocommit block): the new column is committed first,
    and a million requests do not hold a lock on the tickets for minutes. An upgrade cut
    short leaves NULLs, which the report computes; run again, it fills what is left."""
    from flask import has_app_context

    bind = op.get_bind()
    answered = bind.scalar(sa.text(
        "SELECT 1 FROM tickets WHERE first_response_dt IS NOT NULL LIMIT 1"))
    if not has_app_context() or answered is None:
        return
    from ticketing.services.calendar import office_calendar
    from ticketing.services.lifecycle import backfill_first_response_seconds

    with op.get_context().autocommit_block():
        # read after the commit: the calendar comes through the app's own session
        filled = backfill_first_response_seconds(op.get_bind(), office_calendar())
    log.info("first_response_seconds stored for %d answered requests", filled)


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("first_response_seconds")
