"""How many times a background task's worker died while running it

Revision ID: f5a1b2c3d4e5
Revises: f4a1b2c3d4e5
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f5a1b2c3d4e5'
down_revision = 'f4a1b2c3d4e5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('background_tasks', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('worker_deaths', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('background_tasks', schema=None) as batch_op:
        batch_op.drop_column('worker_deaths')
