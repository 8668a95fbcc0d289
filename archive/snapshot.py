"""What a host hands the archive when an article is published, corrected or withdrawn.

The archive is a library: it never reads the intranet's tables. At each publication the
intranet freezes what the record must hold into a ``Publication`` (metadata, the originals to
copy with their access classes, the article as published, the SOP trail as it stood) and
passes it in, inside its own transaction. The archive returns an ``Archived`` receipt from
which the intranet writes its own trail entry.
"""

from dataclasses import dataclass
from datetime import date
from datetime import datetime


@dataclass(frozen=True)
class Original:
    """A file of the case to keep in the archive, copied from the host's file store."""

    kind: str  # sumber | foto-asli | foto (see models.FILE_KINDS)
    sha256: str
    filename: str
    mimetype: str
    description: str
    access_class: str = "biasa"


@dataclass(frozen=True)
class Material:
    """A source material as the berkas lists it (the agenda book's line)."""

    nomor_agenda: str
    sender_institution: str
    perihal: str
    channel: str
    registered_at: datetime
    security_class: str


@dataclass(frozen=True)
class TrailRow:
    """One entry of the SOP trail, as the berkas lays it out like the SOP table."""

    seq: int
    step: int
    attempt: int
    kegiatan: str
    actor: str
    on_behalf_of: str | None
    role: str
    decree: str | None
    occurred_at: datetime
    action: str
    note: str | None
    revision_hash: str | None
    entry_hash: str


@dataclass(frozen=True)
class Publication:
    """A published article and its case, frozen at the moment of archiving.

    ``case_json`` is the case as data (metadata, materials, revisions' hashes, published
    versions, the full trail), already serialised so nothing can change it; the archive adds
    its record, version and file list around it.
    """

    case_id: int
    reason: str  # terbit | koreksi | penarikan
    title: str
    category: str
    summary_text: str
    url: str
    slug: str
    definition: str
    status: str
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    article_version: int
    date_from: date
    access_class: str
    page_html: str
    berkas_article_html: str
    originals: tuple[Original, ...]
    materials: tuple[Material, ...]
    trail: tuple[TrailRow, ...]
    trail_seq: int
    trail_head: str
    case_json: str
    made_by_id: int
    made_by: str


@dataclass(frozen=True)
class Archived:
    """What the archive made: the host records it in its own trail."""

    record_id: int
    nomor_arsip: str
    version: int
    berkas_sha256: str
    record_sha256: str


@dataclass(frozen=True)
class Anchor:
    """The trail entry a berkas recorded as its case's chain head, for the host to check."""

    nomor_arsip: str
    version: int
    case_id: int
    trail_seq: int
    trail_head: str
