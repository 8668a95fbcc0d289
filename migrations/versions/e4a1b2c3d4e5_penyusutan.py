"""Penyusutan: transfer, destruction and handover of records, legal holds

Revision ID: e4a1b2c3d4e5
Revises: e3a1b2c3d4e5
Create Date: 2026-11-30 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


# revision identifiers, used by Alembic.
revision = 'e4a1b2c3d4e5'
down_revision = 'e3a1b2c3d4e5'
branch_labels = None
depends_on = None

LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mariadb').with_variant(
    mysql.MEDIUMTEXT(), 'mysql'
)


def upgrade():
    with op.batch_alter_table('archive_records', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('stage', sa.String(length=16), server_default='aktif', nullable=False)
        )
        batch_op.add_column(sa.Column('stage_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('archive_fixity_runs', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=16), server_default='verifikasi', nullable=False)
        )
    op.create_table('archive_disposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('executed_by_id', sa.Integer(), nullable=True),
    sa.Column('executed_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('document_sha256', sa.String(length=64), nullable=True),
    sa.Column('document_size', sa.Integer(), nullable=True),
    sa.Column('bag_sha256', sa.String(length=64), nullable=True),
    sa.Column('bag_size', sa.BigInteger(), nullable=True),
    sa.Column('room', sa.String(length=80), nullable=True),
    sa.Column('cabinet', sa.String(length=80), nullable=True),
    sa.Column('box', sa.String(length=80), nullable=True),
    sa.Column('folder', sa.String(length=80), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_archive_disposals_created_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_archive_disposals_decided_by_id_users')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_archive_disposals_submitted_by_id_users')),
    sa.ForeignKeyConstraint(['executed_by_id'], ['users.id'], name=op.f('fk_archive_disposals_executed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_disposals'))
    )
    op.create_table('archive_disposal_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disposal_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('destroyed', LONG_TEXT, nullable=True),
    sa.ForeignKeyConstraint(['disposal_id'], ['archive_disposals.id'], name=op.f('fk_archive_disposal_items_disposal_id_archive_disposals')),
    sa.ForeignKeyConstraint(['record_id'], ['archive_records.id'], name=op.f('fk_archive_disposal_items_record_id_archive_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_disposal_items')),
    sa.UniqueConstraint('disposal_id', 'record_id', name='uq_archive_disposal_items_record')
    )
    with op.batch_alter_table('archive_disposal_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_disposal_items_disposal_id'), ['disposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_archive_disposal_items_record_id'), ['record_id'], unique=False)
    op.create_table('archive_legal_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=False),
    sa.Column('placed_at', sa.DateTime(), nullable=False),
    sa.Column('lift_reason', sa.String(length=500), nullable=True),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.Column('lifted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['users.id'], name=op.f('fk_archive_legal_holds_lifted_by_id_users')),
    sa.ForeignKeyConstraint(['placed_by_id'], ['users.id'], name=op.f('fk_archive_legal_holds_placed_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['archive_records.id'], name=op.f('fk_archive_legal_holds_record_id_archive_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_legal_holds'))
    )
    with op.batch_alter_table('archive_legal_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_legal_holds_record_id'), ['record_id'], unique=False)


def downgrade():
    with op.batch_alter_table('archive_legal_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_legal_holds_record_id'))
    op.drop_table('archive_legal_holds')
    with op.batch_alter_table('archive_disposal_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_disposal_items_record_id'))
        batch_op.drop_index(batch_op.f('ix_archive_disposal_items_disposal_id'))
    op.drop_table('archive_disposal_items')
    op.drop_table('archive_disposals')
    with op.batch_alter_table('archive_fixity_runs', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('archive_records', schema=None) as batch_op:
        batch_op.drop_column('stage_at')
        batch_op.drop_column('stage')
