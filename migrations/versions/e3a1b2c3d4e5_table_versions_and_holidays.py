"""Imported classification and retention tables, and the holiday calendar

Revision ID: e3a1b2c3d4e5
Revises: e2a1b2c3d4e5
Create Date: 2026-11-30 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


# revision identifiers, used by Alembic.
revision = 'e3a1b2c3d4e5'
down_revision = 'e2a1b2c3d4e5'
branch_labels = None
depends_on = None


def _sqlite_foreign_keys(on):
    """SQLite drops a column by copying its table, which other tables' rows point at: its own
    procedure for that switches the foreign keys off, a PRAGMA that only takes effect between
    transactions."""
    op.execute('COMMIT')
    op.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
    op.execute('BEGIN')


def upgrade():
    # Every import of the classification or the JRA table, with the file itself; a
    # previewed import waits here with the token its confirmation carries.
    op.create_table('archive_table_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary().with_variant(mysql.MEDIUMBLOB(), 'mysql').with_variant(mysql.MEDIUMBLOB(), 'mariadb'), nullable=False),
    sa.Column('state_digest', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('removed', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_archive_table_versions_imported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_table_versions')),
    sa.UniqueConstraint('kind', 'number', name='uq_archive_table_versions_number'),
    sa.UniqueConstraint('token', name=op.f('uq_archive_table_versions_token'))
    )
    # An imported JRA row carries its code; a row an import changes is kept for the
    # records made under it and a new row takes the code.
    with op.batch_alter_table('archive_retention_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_archive_retention_rules_code'), ['code'], unique=False)
    # A record names the imported tables in force when it was made (on SQLite the table is
    # copied to add its foreign keys, while other tables' rows point at it).
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        _sqlite_foreign_keys(False)
    with op.batch_alter_table('archive_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('classification_version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('retention_version_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_archive_records_classification_version_id_archive_table_versions'), 'archive_table_versions', ['classification_version_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_archive_records_retention_version_id_archive_table_versions'), 'archive_table_versions', ['retention_version_id'], ['id'])
    if sqlite:
        _sqlite_foreign_keys(True)
    # The office's holidays: every count of working days skips them.
    op.create_table('holidays',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holidays')),
    sa.UniqueConstraint('day', name=op.f('uq_holidays_day'))
    )


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        _sqlite_foreign_keys(False)
    op.drop_table('holidays')
    with op.batch_alter_table('archive_records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_archive_records_retention_version_id_archive_table_versions'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_archive_records_classification_version_id_archive_table_versions'), type_='foreignkey')
        batch_op.drop_column('retention_version_id')
        batch_op.drop_column('classification_version_id')
    with op.batch_alter_table('archive_retention_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_retention_rules_code'))
        batch_op.drop_column('code')
    op.drop_table('archive_table_versions')
    if sqlite:
        _sqlite_foreign_keys(True)
