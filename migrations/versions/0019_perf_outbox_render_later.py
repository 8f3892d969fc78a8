"""Outbox mail rendered at flush time: the row keeps what the templates need (issue 13)

Revision ID: 0019_perf_outbox
Revises: 0018_perf
Create Date: 2026-12-06 04:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_perf_outbox"
down_revision = "0018_perf"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("render_context", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("render_context")
