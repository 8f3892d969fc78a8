"""Open work per assignee from an index on (assignee_id, status): the staff lists show each
person's open load (issue 13)

Revision ID: 0017_perf
Revises: 0016_input
Create Date: 2026-12-06 02:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_perf"
down_revision = "0016_input"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_assignee_status", ["assignee_id", "status"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_assignee_status")
