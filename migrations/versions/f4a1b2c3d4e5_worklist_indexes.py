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
    with op.batch_alter_table('archive_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active_end_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('disposal_end_year', sa.Integer(), nullable=True))

    # the stored years of the records already made, as archive.models.due_years reckons them
    records = sa.table(
        'archive_records',
        sa.column('date_to', sa.Date()),
        sa.column('retention_active_years', sa.Integer()),
        sa.column('retention_inactive_years', sa.Integer()),
        sa.column('active_end_year', sa.Integer()),
        sa.column('disposal_end_year', sa.Integer()),
    )
    year = sa.cast(sa.extract('year', records.c.date_to), sa.Integer)
    active_end = year + records.c.retention_active_years
    op.execute(
        records.update().values(
            active_end_year=active_end,
            disposal_end_year=active_end + records.c.retention_inactive_years,
        )
    )

    with op.batch_alter_table('archive_records', schema=None) as batch_op:
        batch_op.alter_column('active_end_year', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('disposal_end_year', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(
            'ix_archive_records_due_transfer',
            ['stage', 'active_end_year', 'access_class'],
            unique=False,
        )
        batch_op.create_index(
            'ix_archive_records_due_disposal',
            ['retention_disposition', 'disposal_end_year', 'stage', 'access_class'],
            unique=False,
        )
        batch_op.create_index(
            'ix_archive_records_hardcopy',
            ['hardcopy_status', 'stage', 'access_class'],
            unique=False,
        )

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(
            'ix_cases_status_step', ['status', 'step', 'step_started_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_step')

    with op.batch_alter_table('archive_records', schema=None) as batch_op:
        batch_op.drop_index('ix_archive_records_hardcopy')
        batch_op.drop_index('ix_archive_records_due_disposal')
        batch_op.drop_index('ix_archive_records_due_transfer')
        batch_op.drop_column('disposal_end_year')
        batch_op.drop_column('active_end_year')
