"""Satisfaction survey (SKM): invitations and responses, one of each per ticket (issue 6)

Revision ID: 0005_survey
Revises: 0004_sla
Create Date: 2026-11-30 10:00:00

"""
import sqlalchemy as sa
from alembic import op

import ticketing.models.base

# revision identifiers, used by Alembic.
revision = "0005_survey"
down_revision = "0004_sla"
branch_labels = None
depends_on = None

#: the 9 elements (unsur) in the regulation's order; a score column each
ELEMENTS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
            "pengaduan", "sarana")


def upgrade():
    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("is_mailed", sa.Boolean(), nullable=False),
        sa.Column("created_dt", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name=op.f("fk_survey_invitations_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitations")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_survey_invitations_ticket_id")),
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.SmallInteger(), nullable=False) for name in ELEMENTS),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("kiosk_user_id", sa.Integer(), nullable=True),
        sa.Column("submitted_dt", ticketing.models.base.UTCDateTime(timezone=True),
                  nullable=True),
        *(sa.CheckConstraint(f"{name} BETWEEN 1 AND 4",
                             name=op.f(f"ck_survey_responses_{name}_range"))
          for name in ELEMENTS),
        sa.ForeignKeyConstraint(["kiosk_user_id"], ["users.id"],
                                name=op.f("fk_survey_responses_kiosk_user_id_users")),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_survey_responses_service_id_services")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name=op.f("fk_survey_responses_ticket_id_tickets")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_survey_responses_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_survey_responses_ticket_id")),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_responses_submitted_dt"), ["submitted_dt"],
                              unique=False)
        batch_op.create_index("ix_survey_responses_unit_submitted",
                              ["unit_id", "submitted_dt"], unique=False)


def downgrade():
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_responses_unit_submitted")
        batch_op.drop_index(batch_op.f("ix_survey_responses_submitted_dt"))
    op.drop_table("survey_responses")
    op.drop_table("survey_invitations")
