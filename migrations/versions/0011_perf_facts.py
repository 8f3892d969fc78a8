"""Daily facts per day, unit, service, channel and type, the source of the public figures;
filled from the existing tickets and survey responses (issue 13)

Revision ID: 0011_perf
Revises: 0010_ux_notify
Create Date: 2026-12-06 02:00:00

"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_perf"
down_revision = "0010_ux_notify"
branch_labels = None
depends_on = None

ELEMENTS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
            "pengaduan", "sarana")


def upgrade():
    op.create_table(
        "daily_facts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("service_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("answered_on_time", sa.Integer(), nullable=False),
        sa.Column("answer_seconds", sa.Float(), nullable=False),
        sa.Column("open_late", sa.Integer(), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        *[sa.Column(f"score_{key}", sa.Integer(), nullable=False) for key in ELEMENTS],
        sa.PrimaryKeyConstraint("day", "unit_id", "service_id", "channel", "type",
                                name=op.f("pk_daily_facts")),
    )
    with op.batch_alter_table("daily_facts", schema=None) as batch_op:
        batch_op.create_index("ix_daily_facts_unit_day", ["unit_id", "day"], unique=False)
    _fill()


def _fill():
    """Compute the facts of the tickets already stored (the same code as `facts rebuild`)."""
    from flask import has_app_context

    # A fresh database has nothing to count (and its calendar tables are not committed yet,
    # so the calendar could not be read from the app's session).
    bind = op.get_bind()
    if not has_app_context() or bind.scalar(sa.text("SELECT count(*) FROM tickets")) == 0:
        return
    from ticketing.services.facts import rebuild

    rebuild(op.get_bind(), datetime.now(timezone.utc))


def downgrade():
    with op.batch_alter_table("daily_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_daily_facts_unit_day")
    op.drop_table("daily_facts")
