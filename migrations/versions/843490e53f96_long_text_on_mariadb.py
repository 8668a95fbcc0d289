"""Long text on MariaDB

Revision ID: 843490e53f96
Revises: ae6560df0415
Create Date: 2026-11-24 11:37:17.287331

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


# revision identifiers, used by Alembic.
revision = '843490e53f96'
down_revision = 'ae6560df0415'
branch_labels = None
depends_on = None


COLUMNS = (("revisions", "body_html", False), ("source_materials", "body_text", True))


def upgrade():
    # An article body or an email's text can pass MariaDB's 64 KB TEXT; other databases'
    # text columns have no such limit.
    if op.get_bind().dialect.name != "mysql":
        return
    for table, column, nullable in COLUMNS:
        op.alter_column(table, column, type_=mysql.MEDIUMTEXT(), existing_nullable=nullable)


def downgrade():
    if op.get_bind().dialect.name != "mysql":
        return
    for table, column, nullable in COLUMNS:
        op.alter_column(table, column, type_=sa.Text(), existing_nullable=nullable)
