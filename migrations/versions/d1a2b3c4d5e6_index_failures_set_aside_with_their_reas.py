"""Index failures set aside with their reason and retried

Revision ID: d1a2b3c4d5e6
Revises: c8b2e1d5f3a4
Create Date: 2026-11-30 05:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1a2b3c4d5e6'
down_revision = 'c8b2e1d5f3a4'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
