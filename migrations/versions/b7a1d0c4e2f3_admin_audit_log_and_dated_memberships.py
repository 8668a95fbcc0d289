"""Admin audit log (append-only, hash-chained) and SK memberships that end with a date

Revision ID: b7a1d0c4e2f3
Revises: a1f0c2d3e4b5
Create Date: 2026-11-30 04:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7a1d0c4e2f3'
down_revision = 'a1f0c2d3e4b5'
branch_labels = None
depends_on = None


GENESIS = "0" * 64


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_username', sa.String(length=64), nullable=True),
    sa.Column('actor_name', sa.String(length=120), nullable=True),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('object_type', sa.String(length=48), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_entries_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries')),
    sa.UniqueConstraint('entry_hash', name=op.f('uq_audit_entries_entry_hash')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_entries_seq'))
    )
    head = op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    # The chain's head row, locked by every entry appended (intranet.audit).
    op.bulk_insert(head, [{'id': 1, 'seq': 0, 'entry_hash': GENESIS}])

    # Memberships end with a date instead of being deleted, and an admin's appointment of
    # themself waits for a Penanggung Jawab: existing rows are confirmed and not ended.
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=16), nullable=False, server_default='confirmed'))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ended_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_memberships_decided_by_id_users'), 'users', ['decided_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_memberships_ended_by_id_users'), 'users', ['ended_by_id'], ['id'])
        # An ended membership stays as history, so the same role may be held again later.
        batch_op.drop_constraint('uq_membership', type_='unique')


def downgrade():
    # The old schema knows only memberships in effect: the history cannot go back.
    op.execute("DELETE FROM memberships WHERE state <> 'confirmed' OR ended_on IS NOT NULL")
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_membership', ['user_id', 'decree_id', 'role'])
        batch_op.drop_constraint(batch_op.f('fk_memberships_ended_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_memberships_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_column('ended_by_id')
        batch_op.drop_column('ended_on')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('state')
    op.drop_table('audit_head')
    op.drop_table('audit_entries')
