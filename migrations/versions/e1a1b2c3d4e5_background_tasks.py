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
    pass


def downgrade():
    pass
