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


def upgrade():
    pass


def downgrade():
    pass
