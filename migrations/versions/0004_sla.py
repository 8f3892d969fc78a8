"""SLA clock: windows on tickets, per-service thresholds, notification and digest records,
admin-editable office hours and special periods (issue 5)

Revision ID: 0004_sla
Revises: 0003_mail
Create Date: 2026-11-30 09:00:00

"""
import sqlalchemy as sa
from alembic import op

import ticketing.models.base

# revision identifiers, used by Alembic.
revision = "0004_sla"
down_revision = "0003_mail"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_office_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("open_time", sa.Time(), nullable=True),
        sa.Column("close_time", sa.Time(), nullable=True),
        sa.Column("updated_dt", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"],
                                name=op.f("fk_calendar_office_hours_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_office_hours")),
        sa.UniqueConstraint("weekday", name=op.f("uq_calendar_office_hours_weekday")),
    )
    op.create_table(
        "calendar_special_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("weekly_hours", sa.JSON(), nullable=False),
        sa.Column("created_dt", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_calendar_special_periods_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_special_periods")),
    )
    op.create_table(
        "sla_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("sla_window", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("created_dt", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name=op.f("fk_sla_notifications_ticket_id_tickets")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_sla_notifications_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_notifications")),
        sa.UniqueConstraint("ticket_id", "level", "sla_window",
                            name=op.f("uq_sla_notifications_ticket_id")),
    )
    op.create_table(
        "sla_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("created_dt", ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_sla_digests_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_digests")),
        sa.UniqueConstraint("user_id", "day", name=op.f("uq_sla_digests_user_id")),
    )
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_warning_percent", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sla_level2_days", sa.Numeric(precision=4, scale=2),
                                      nullable=True))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_window", sa.Integer(), server_default="1",
                                      nullable=False))
        batch_op.add_column(sa.Column("sla_window_start_dt",
                                      ticketing.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("sla_target_seconds", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("is_first_response_late", sa.Boolean(), nullable=True))
        batch_op.create_index("ix_tickets_status_resolved", ["status", "resolved_dt"],
                              unique=False)
        batch_op.create_index("ix_tickets_status_closed", ["status", "closed_dt"], unique=False)
        batch_op.create_index("ix_tickets_first_response", ["first_response_dt"], unique=False)


def downgrade():
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_first_response")
        batch_op.drop_index("ix_tickets_status_closed")
        batch_op.drop_index("ix_tickets_status_resolved")
        batch_op.drop_column("is_first_response_late")
        batch_op.drop_column("sla_target_seconds")
        batch_op.drop_column("sla_window_start_dt")
        batch_op.drop_column("sla_window")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("sla_level2_days")
        batch_op.drop_column("sla_warning_percent")
    op.drop_table("sla_digests")
    op.drop_table("sla_notifications")
    op.drop_table("calendar_special_periods")
    op.drop_table("calendar_office_hours")
