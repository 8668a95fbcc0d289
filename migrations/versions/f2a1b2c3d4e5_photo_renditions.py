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
    pass


def downgrade():
    pass
