"""FAQ: canned answers published to citizens, and the citizens' "this helped" feedback (issue 16)

Revision ID: 0009_ux_faq
Revises: 0008_ops
Create Date: 2026-12-06 01:40:00

"""
import sqlalchemy as sa
from alembic import op

import ticketing.models.base

# revision identifiers, used by Alembic.
revision = "0009_ux_faq"
down_revision = "0008_ops"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("canned_answers") as batch:
        batch.add_column(sa.Column("is_public", sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
    op.create_table(
        "faq_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("canned_answer_id", sa.Integer(), nullable=False),
        sa.Column("is_helpful", sa.Boolean(), nullable=False),
        sa.Column("context", sa.String(length=10), nullable=False),
        sa.Column("created_dt", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["canned_answer_id"], ["canned_answers.id"],
                                name=op.f("fk_faq_feedback_canned_answer_id_canned_answers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_feedback")),
    )
    with op.batch_alter_table("faq_feedback") as batch:
        batch.create_index(batch.f("ix_faq_feedback_canned_answer_id"), ["canned_answer_id"])
        batch.create_index(batch.f("ix_faq_feedback_created_dt"), ["created_dt"])
    # The seeded answers are the office's own FAQ: publish them.
    op.execute("UPDATE canned_answers SET is_public = "
               + ("true" if op.get_bind().dialect.name == "postgresql" else "1")
               + " WHERE updated_by_id IS NULL")


def downgrade():
    with op.batch_alter_table("faq_feedback") as batch:
        batch.drop_index(batch.f("ix_faq_feedback_created_dt"))
        batch.drop_index(batch.f("ix_faq_feedback_canned_answer_id"))
    op.drop_table("faq_feedback")
    with op.batch_alter_table("canned_answers") as batch:
        batch.drop_column("is_public")
