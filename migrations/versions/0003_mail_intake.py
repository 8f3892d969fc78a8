"""Mail intake: raw inbound mail kept forever, automatic-reply bookkeeping (RFC 3834),
admin-editable routing rules and the record of routing decisions (issue 4)

Revision ID: 0003_mail
Revises: 0002_staff
Create Date: 2026-11-30 08:15:00

"""
from alembic import op
import sqlalchemy as sa

import ticketing.models.base


# revision identifiers, used by Alembic.
revision = "0003_mail"
down_revision = "0002_staff"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('routing_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('phrase', sa.String(length=200), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('is_generic', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_dt', ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_dt', ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_routing_rules_unit_id_units')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_routing_rules_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_rules')),
    sa.UniqueConstraint('phrase', name=op.f('uq_routing_rules_phrase'))
    )
    op.create_table('inbound_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.String(length=998), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('is_headers_only', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('imap_folder', sa.String(length=200), nullable=True),
    sa.Column('imap_uid', sa.String(length=20), nullable=True),
    sa.Column('imap_moved_uid', sa.String(length=20), nullable=True),
    sa.Column('imap_move_dt', ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('from_email', sa.String(length=254), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('classification', sa.String(length=20), nullable=True),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('times_seen', sa.Integer(), nullable=False),
    sa.Column('created_dt', ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_dt', ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('processed_dt', ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_inbound_mail_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_mail')),
    sa.UniqueConstraint('sha256', name=op.f('uq_inbound_mail_sha256'))
    )
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_mail_action_created', ['action', 'created_dt'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_mail_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_mail_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('routing_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('matched', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('created_dt', ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('corrected_unit_id', sa.Integer(), nullable=True),
    sa.Column('corrected_by_id', sa.Integer(), nullable=True),
    sa.Column('corrected_dt', ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('correction_reason', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['corrected_by_id'], ['users.id'], name=op.f('fk_routing_decisions_corrected_by_id_users')),
    sa.ForeignKeyConstraint(['corrected_unit_id'], ['units.id'], name=op.f('fk_routing_decisions_corrected_unit_id_units')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_routing_decisions_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_routing_decisions_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_decisions')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_routing_decisions_ticket_id'))
    )
    with op.batch_alter_table('routing_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routing_decisions_created_dt'), ['created_dt'], unique=False)

    op.create_table('mail_auto_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('inbound_mail_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', ticketing.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['inbound_mail_id'], ['inbound_mail.id'], name=op.f('fk_mail_auto_replies_inbound_mail_id_inbound_mail')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_mail_auto_replies_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_auto_replies'))
    )
    with op.batch_alter_table('mail_auto_replies', schema=None) as batch_op:
        batch_op.create_index('ix_mail_auto_replies_recipient_created', ['recipient', 'created_dt'], unique=False)



def downgrade():
    with op.batch_alter_table('mail_auto_replies', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_auto_replies_recipient_created')

    op.drop_table('mail_auto_replies')
    with op.batch_alter_table('routing_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_routing_decisions_created_dt'))

    op.drop_table('routing_decisions')
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_mail_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_inbound_mail_message_id'))
        batch_op.drop_index('ix_inbound_mail_action_created')

    op.drop_table('inbound_mail')
    op.drop_table('routing_rules')
