"""Retention and erasure (issue 9 item 14): purged_dt on the WhatsApp deliveries, messages
and outbox, so the retention run reads only what is due

Revision ID: 0013_ops
Revises: 0012_ux_english
Create Date: 2026-12-06 02:00:00

"""
import sqlalchemy as sa
from alembic import op

import ticketing.models.base

# revision identifiers, used by Alembic.
revision = "0013_ops"
down_revision = "0012_ux_english"
branch_labels = None
depends_on = None

TABLES = {"whatsapp_deliveries": "ix_whatsapp_deliveries_purged_created",
          "whatsapp_messages": "ix_whatsapp_messages_purged_created",
          "whatsapp_outbox": "ix_whatsapp_outbox_purged_created"}


def upgrade():
    for table, index in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("purged_dt",
                                          ticketing.models.base.UTCDateTime(timezone=True),
                                          nullable=True))
            batch_op.create_index(index, ["purged_dt", "created_dt"], unique=False)


def downgrade():
    for table, index in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(index)
            batch_op.drop_column("purged_dt")
