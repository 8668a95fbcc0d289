"""Photo renditions and rotation

Revision ID: f2a1b2c3d4e5
Revises: f1a1b2c3d4e5
Create Date: 2026-11-30 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f2a1b2c3d4e5'
down_revision = 'f1a1b2c3d4e5'
branch_labels = None
depends_on = None


def upgrade():
    # Degrees clockwise applied to the original for every copy shown (0, 90, 180, 270); the
    # original as uploaded stays untouched for the archive.
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rotation', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_column('rotation')
