"""Signature blocks of printed documents

Revision ID: e5a1b2c3d4e5
Revises: e4a1b2c3d4e5
Create Date: 2026-11-30 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a1b2c3d4e5'
down_revision = 'e4a1b2c3d4e5'
branch_labels = None
depends_on = None


# The signature blocks need no table of their own: the signers are the SK Tim's members on
# the day (memberships.position is the jabatan, users.nip the NIP) and the place is the
# OFFICE_CITY setting. The revision stays in the chain, changing nothing.


def upgrade():
    pass


def downgrade():
    pass
