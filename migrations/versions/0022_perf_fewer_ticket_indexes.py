"""Fewer indexes on tickets, each paid by every intake INSERT: unit_id, status and assignee_id
are the first columns of composite indexes; type and channel have a few values each (issue 13)

Revision ID: 0022_perf
Revises: 0021_perf_seconds
Create Date: 2026-12-06 05:35:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_perf"
down_revision = "0021_perf_seconds"
branch_labels = None
depends_on = None

DROPPED = {"ix_tickets_unit_id": "unit_id", "ix_tickets_status": "status",
           "ix_tickets_assignee_id": "assignee_id", "ix_tickets_type": "type",
           "ix_tickets_channel": "channel"}


def upgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name in DROPPED:
            batch_op.drop_index(name)


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name, column in DROPPED.items():
            batch_op.create_index(name, [column], unique=False)
