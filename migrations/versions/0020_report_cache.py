"""The finished-period cache's shared level: built reports kept in the database (issue 13)

Revision ID: 0020_report_cache
Revises: 0019_perf_outbox
Create Date: 2026-12-06 05:10:00

"""
import sqlalchemy as sa
from alembic import op

import ticketing.models.base

# revision identifiers, used by Alembic.
revision = "0020_report_cache"
down_revision = "0019_perf_outbox"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("cache_key", sa.String(length=200), nullable=False),
        sa.Column("format", sa.String(length=64), nullable=False),
        sa.Column("version", sa.JSON(), nullable=True),
        sa.Column("period_end_dt", ticketing.models.base.UTCDateTime(timezone=True),
                  nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("created_dt", ticketing.models.base.UTCDateTime(timezone=True),
                  nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_cache")),
        sa.UniqueConstraint("cache_key", name=op.f("uq_report_cache_cache_key")),
    )
    op.create_index("ix_report_cache_kind", "report_cache", ["kind"], unique=False)


def downgrade():
    op.drop_index("ix_report_cache_kind", table_name="report_cache")
    op.drop_table("report_cache")
