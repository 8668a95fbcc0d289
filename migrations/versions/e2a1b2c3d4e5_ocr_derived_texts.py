"""Scans made searchable by OCR

Revision ID: e2a1b2c3d4e5
Revises: e1a1b2c3d4e5
Create Date: 2026-11-30 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2a1b2c3d4e5'
down_revision = 'e1a1b2c3d4e5'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
