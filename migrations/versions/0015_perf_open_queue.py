"""Partial indexes of the open queue (about 1% of the tickets), in its order (issue 13)

Revision ID: 0015_perf
Revises: 0014_report
Create Date: 2026-12-06 02:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_perf"
down_revision = "0014_report"
branch_labels = None
depends_on = None

OPEN = "status IN ('baru', 'diproses', 'menunggu_pemohon')"


def upgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_open_unit_due", ["unit_id", "due_dt", "id"],
                              unique=False, postgresql_where=sa.text(OPEN),
                              sqlite_where=sa.text(OPEN))
        batch_op.create_index("ix_tickets_open_due", ["due_dt", "id"], unique=False,
                              postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_open_due")
        batch_op.drop_index("ix_tickets_open_unit_due")
