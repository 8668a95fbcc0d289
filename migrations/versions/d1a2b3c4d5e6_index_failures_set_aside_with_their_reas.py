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
    op.create_table(
        "archive_index_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_index_failures")),
        sa.UniqueConstraint("record_id", name=op.f("uq_archive_index_failures_record_id")),
    )
    with op.batch_alter_table("archive_index_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_archive_index_failures_next_attempt_at"),
            ["next_attempt_at"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("archive_index_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_archive_index_failures_next_attempt_at"))
    op.drop_table("archive_index_failures")
