"""Services: English texts entered by an admin (issue 16, item 7)

Revision ID: 0012_ux_english
Revises: 0011_perf
Create Date: 2026-12-06 02:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_ux_english"
down_revision = "0011_perf"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("translations", sa.JSON(), server_default="{}",
                                   nullable=False))


def downgrade():
    with op.batch_alter_table("services") as batch:
        batch.drop_column("translations")
