"""Operations (issue 9): outbox retry window and give-up time, scheduler heartbeats,
retention/erasure markers on tickets, raw inbound mail and the outbox

Revision ID: 0008_ops
Revises: 0007_perf
Create Date: 2026-12-06 01:40:00

"""
import sqlalchemy as sa
from alembic import op

import ticketing.models.base

# revision identifiers, used by Alembic.
revision = "0008_ops"
down_revision = "0007_perf"
branch_labels = None
depends_on = None


def _dt(name: str) -> sa.Column:
    return sa.Column(name, ticketing.models.base.UTCDateTime(timezone=True), nullable=True)


def upgrade():
    op.create_table(
        "job_heartbeats",
        sa.Column("name", sa.String(length=40), nullable=False),
        _dt("last_start_dt"),
        _dt("last_success_dt"),
        _dt("last_error_dt"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_duration_ms", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_heartbeats")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(_dt("first_error_dt"))
        batch_op.add_column(_dt("failed_dt"))
        batch_op.add_column(_dt("purged_dt"))
        batch_op.create_index("ix_outbox_purged_created", ["purged_dt", "created_dt"],
                              unique=False)
    with op.batch_alter_table("inbound_mail", schema=None) as batch_op:
        batch_op.add_column(_dt("purged_dt"))
        batch_op.create_index("ix_inbound_mail_purged_created", ["purged_dt", "created_dt"],
                              unique=False)
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(_dt("anonymised_dt"))


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("anonymised_dt")
    with op.batch_alter_table("inbound_mail", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_mail_purged_created")
        batch_op.drop_column("purged_dt")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_purged_created")
        batch_op.drop_column("purged_dt")
        batch_op.drop_column("failed_dt")
        batch_op.drop_column("first_error_dt")
    op.drop_table("job_heartbeats")
