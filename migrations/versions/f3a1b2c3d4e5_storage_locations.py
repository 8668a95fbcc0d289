"""Managed storage locations (ruang, lemari/rak, boks)

Revision ID: f3a1b2c3d4e5
Revises: f2a1b2c3d4e5
Create Date: 2026-11-30 12:30:00.000000

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a1b2c3d4e5'
down_revision = 'f2a1b2c3d4e5'
branch_labels = None
depends_on = None

# The reading of the older free-text locations, as archive/places.py had it when this
# revision was written (a migration keeps its own copy).
KINDS = {
    "ruang": ("Ruang", ("ruang", "ruangan", "gudang")),
    "lemari": ("Lemari", ("lemari", "rak", "lemari/rak", "filing", "roll")),
    "boks": ("Boks", ("boks", "box", "kotak")),
    "folder": ("Folder", ("folder", "map")),
}


def _clean(kind, text):
    words = " ".join((text or "").replace("\x00", "").split()).split(" ")
    said = KINDS[kind][1]
    while len(words) > 2 and words[0].casefold() in said and words[1].casefold() in said:
        words.pop(0)
    return " ".join(words).strip()[:80] or None


def _key(kind, parent_id, name):
    word, said = KINDS[kind]
    shown = name if name.split(" ", 1)[0].casefold() in said else f"{word} {name}"
    return f"{kind}:{parent_id or 0}:{' '.join(shown.casefold().split())}"[:190]


def upgrade():
    op.create_table('archive_storage_locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('key', sa.String(length=190), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['archive_storage_locations.id'], name=op.f('fk_archive_storage_locations_parent_id_archive_storage_locations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_storage_locations')),
    sa.UniqueConstraint('key', name=op.f('uq_archive_storage_locations_key'))
    )
    with op.batch_alter_table('archive_storage_locations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_storage_locations_parent_id'), ['parent_id'], unique=False)
    _adopt_free_text()


def _adopt_free_text():
    """Every place the records and transfers name becomes a managed entry, once per place
    however it was spelled; the rows then use the entry's spelling ("Boks Boks 03" and
    "boks 03" become the "Boks 03" met first)."""
    conn = op.get_bind()
    table = sa.table(
        'archive_storage_locations',
        sa.column('id', sa.Integer), sa.column('kind', sa.String), sa.column('name', sa.String),
        sa.column('parent_id', sa.Integer), sa.column('key', sa.String),
        sa.column('created_at', sa.DateTime),
    )
    now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    known = {}  # key -> (id, name)

    def entry(kind, parent_id, text):
        name = _clean(kind, text)
        if name is None:
            return None, None
        k = _key(kind, parent_id, name)
        if k not in known:
            conn.execute(table.insert().values(
                kind=kind, name=name, parent_id=parent_id, key=k, created_at=now
            ))
            new_id = conn.execute(
                sa.select(table.c.id).where(table.c.key == k)
            ).scalar_one()
            known[k] = (new_id, name)
        return known[k]

    for name in ('archive_records', 'archive_disposals'):
        rows = sa.table(
            name, sa.column('id', sa.Integer), sa.column('room', sa.String),
            sa.column('cabinet', sa.String), sa.column('box', sa.String),
            sa.column('folder', sa.String),
        )
        found = conn.execute(
            sa.select(rows.c.id, rows.c.room, rows.c.cabinet, rows.c.box, rows.c.folder)
            .where(sa.or_(rows.c.room.is_not(None), rows.c.cabinet.is_not(None),
                          rows.c.box.is_not(None), rows.c.folder.is_not(None)))
            .order_by(rows.c.id)
        ).all()
        for row_id, room, cabinet, box, folder in found:
            room_id, room_name = entry("ruang", None, room)
            cabinet_id, cabinet_name = entry("lemari", room_id, cabinet)
            _box_id, box_name = entry("boks", cabinet_id, box) if cabinet_id else (None, _clean("boks", box))
            folder_name = _clean("folder", folder)
            if (room_name, cabinet_name, box_name, folder_name) != (room, cabinet, box, folder):
                conn.execute(
                    rows.update().where(rows.c.id == row_id).values(
                        room=room_name, cabinet=cabinet_name, box=box_name, folder=folder_name
                    )
                )


def downgrade():
    with op.batch_alter_table('archive_storage_locations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_storage_locations_parent_id'))
    op.drop_table('archive_storage_locations')
