"""Covering indexes for the waiting counts every intranet page shows

Revision ID: f6a1b2c3d4e5
Revises: f5a1b2c3d4e5
Create Date: 2026-11-30 19:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f6a1b2c3d4e5'
down_revision = 'f5a1b2c3d4e5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_step')
        batch_op.create_index(
            'ix_cases_worklist',
            [
                'status',
                'step',
                'step_started_at',
                'definition_code',
                'definition_version',
                'redaktur_id',
                'attempt',
                'revision_hash',
                'opened_at',
            ],
            unique=False,
        )

    with op.batch_alter_table('trail_entries', schema=None) as batch_op:
        batch_op.create_index(
            'ix_trail_entries_approvals', ['case_id', 'action', 'actor_id'], unique=False
        )

    with op.batch_alter_table('archive_records', schema=None) as batch_op:
        batch_op.drop_index('ix_archive_records_hardcopy')
        batch_op.create_index(
            'ix_archive_records_hardcopy_paper',
            ['media_paper', 'hardcopy_status', 'stage', 'access_class'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('archive_records', schema=None) as batch_op:
        batch_op.drop_index('ix_archive_records_hardcopy_paper')
        batch_op.create_index(
            'ix_archive_records_hardcopy',
            ['hardcopy_status', 'stage', 'access_class'],
            unique=False,
        )

    with op.batch_alter_table('trail_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_trail_entries_approvals')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_worklist')
        batch_op.create_index(
            'ix_cases_status_step', ['status', 'step', 'step_started_at'], unique=False
        )
