"""Per-person editor drafts and article attachments

Revision ID: f1a1b2c3d4e5
Revises: e4a1b2c3d4e5
Create Date: 2026-11-30 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


# revision identifiers, used by Alembic.
revision = 'f1a1b2c3d4e5'
down_revision = 'e4a1b2c3d4e5'
branch_labels = None
depends_on = None

LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mariadb').with_variant(
    mysql.MEDIUMTEXT(), 'mysql'
)


def upgrade():
    op.create_table('editor_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('base_number', sa.Integer(), nullable=False),
    sa.Column('payload', LONG_TEXT, nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_editor_drafts_case_id_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_editor_drafts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_editor_drafts')),
    sa.UniqueConstraint('case_id', 'user_id', 'kind', name='uq_editor_drafts_case_user_kind')
    )
    with op.batch_alter_table('editor_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_editor_drafts_case_id'), ['case_id'], unique=False)

    op.create_table('article_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('mimetype', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_article_attachments_case_id_cases')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_article_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_attachments'))
    )
    with op.batch_alter_table('article_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_attachments_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('article_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_attachments_case_id'))
    op.drop_table('article_attachments')
    with op.batch_alter_table('editor_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_editor_drafts_case_id'))
    op.drop_table('editor_drafts')
