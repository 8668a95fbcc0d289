"""Background tasks run by the worker

Revision ID: e1a1b2c3d4e5
Revises: d2b3c4d5e6f7
Create Date: 2026-11-30 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1a1b2c3d4e5'
down_revision = 'd2b3c4d5e6f7'
branch_labels = None
depends_on = None


def upgrade():
    # Background work: a row per task (the queue only carries its id), with its state,
    # attempts, last error, next attempt, the lease of the worker running it, and a dedupe
    # key that makes the same work queued twice one row.
    op.create_table(
        'background_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('args', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('dedupe_key', sa.String(length=190), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('handed_at', sa.DateTime(), nullable=True),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('worker', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_background_tasks')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_background_tasks_dedupe_key')),
    )
    with op.batch_alter_table('background_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_background_tasks_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_background_tasks_state'), ['state'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_background_tasks_next_attempt_at'), ['next_attempt_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('background_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_background_tasks_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_background_tasks_state'))
        batch_op.drop_index(batch_op.f('ix_background_tasks_name'))
    op.drop_table('background_tasks')
