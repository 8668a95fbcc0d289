"""Scans made searchable by OCR

Revision ID: e2a1b2c3d4e5
Revises: e1a1b2c3d4e5
Create Date: 2026-11-30 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


# revision identifiers, used by Alembic.
revision = 'e2a1b2c3d4e5'
down_revision = 'e1a1b2c3d4e5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('archive_ocr_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mimetype', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('derived_sha256', sa.String(length=64), nullable=True),
    sa.Column('derived_size', sa.BigInteger(), nullable=True),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('page_confidences', sa.Text(), nullable=False),
    sa.Column('low_pages', sa.Text(), nullable=False),
    sa.Column('text', sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mariadb').with_variant(mysql.MEDIUMTEXT(), 'mysql'), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('made_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_ocr_results')),
    sa.UniqueConstraint('sha256', name=op.f('uq_archive_ocr_results_sha256'))
    )
    with op.batch_alter_table('archive_ocr_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_ocr_results_derived_sha256'), ['derived_sha256'], unique=False)


def downgrade():
    with op.batch_alter_table('archive_ocr_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_ocr_results_derived_sha256'))

    op.drop_table('archive_ocr_results')
