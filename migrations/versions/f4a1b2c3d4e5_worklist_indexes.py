"""Indexes and stored due dates for the work lists at office-years of data

Revision ID: f4a1b2c3d4e5
Revises: f3a1b2c3d4e5
Create Date: 2026-11-30 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f4a1b2c3d4e5'
down_revision = 'f3a1b2c3d4e5'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
