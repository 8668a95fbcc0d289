"""Each archived original keeps the access class of its material

Revision ID: a1f0c2d3e4b5
Revises: e175bc061f43
Create Date: 2026-11-30 02:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1f0c2d3e4b5'
down_revision = 'e175bc061f43'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('archive_files', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('access_class', sa.String(length=16), nullable=False, server_default='biasa')
        )
    # Sources, scans and the case's JSON (which quotes every material) take their record's
    # class; photos and the published page are public.
    op.execute(
        "UPDATE archive_files SET access_class = ("
        " SELECT r.access_class FROM archive_versions v"
        " JOIN archive_records r ON r.id = v.record_id"
        " WHERE v.id = archive_files.version_id)"
        " WHERE kind NOT IN ('foto', 'foto-asli', 'html')"
    )


def downgrade():
    with op.batch_alter_table('archive_files', schema=None) as batch_op:
        batch_op.drop_column('access_class')
