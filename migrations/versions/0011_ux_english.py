"""Services: English texts entered by an admin (issue 16, item 7)

Revision ID: 0011_ux_english
Revises: 0010_ux_notify
Create Date: 2026-12-06 02:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_ux_english"
down_revision = "0010_ux_notify"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("translations", sa.JSON(), server_default="{}",
                                   nullable=False))


def downgrade():
    with op.batch_alter_table("services") as batch:
        batch.drop_column("translations")
