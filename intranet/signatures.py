"""Signature blocks of printed documents: who signs, where and when, as plain data.

Every document an office signs or files ends with a block: the place and date ("Cilacap,
29 November 2026") over the last column, then per signer a caption ("Mengetahui,"), the
jabatan, room for the signature and stamp, the name and the NIP. Which roles sign which
document is ``DOCUMENTS``; who holds a role on a day is the host's lookup in the SK Tim
(registered with ``init_app``), so the archive, which never reads the intranet's tables,
gets the signers here as plain data. Without a holder the name and NIP are left as dotted
lines to be filled in by hand.
"""

from dataclasses import dataclass
from datetime import date

from flask import current_app

from intranet.clock import tanggal
from intranet.clock import today
from intranet.roles import ROLES

#: Per printed document, its signers from left to right: (caption, role). The last column is
#: the person who made the document; the place and date stand over it.
DOCUMENTS = {
    "berkas": (("Mengetahui,", "penanggungjawab"), ("Yang membuat,", "arsiparis")),
    "daftar_arsip": (("Mengetahui,", "penanggungjawab"), ("Yang membuat,", "arsiparis")),
    "isi_boks": (("Mengetahui,", "penanggungjawab"), ("Yang membuat,", "arsiparis")),
    "label_boks": (("Yang menyimpan,", "arsiparis"),),
    "agenda": (("Mengetahui,", "koordinator"), ("Yang mencatat,", "kontributor")),
    "laporan": (("Mengetahui,", "penanggungjawab"), ("Yang melaporkan,", "koordinator")),
    "berita_acara": (("Yang menyetujui,", "penanggungjawab"), ("Yang membuat,", "arsiparis")),
}

EXTENSION = "warta_signature_holder"


@dataclass(frozen=True)
class Holder:
    """The person who holds a role on a day, as a signature names them."""

    name: str
    nip: str | None
    position: str | None  # the jabatan written in the SK Tim, if any


@dataclass(frozen=True)
class Signer:
    """One column of a signature block."""

    caption: str
    jabatan: str
    name: str | None
    nip: str | None


@dataclass(frozen=True)
class SignatureBlock:
    """A whole block: where and when, and who signs."""

    place: str
    day: date
    signers: tuple[Signer, ...]

    @property
    def date_text(self):
        """The date as the document writes it: "29 November 2026"."""
        return tanggal(self.day)


def init_app(app, holder):
    """Register ``holder(role, day)``: the ``Holder`` of ``role`` on ``day``, or None."""
    app.extensions[EXTENSION] = holder


def signature_block(document, day=None):
    """The signature block of ``document`` (a key of ``DOCUMENTS``) signed on ``day``
    (default today), with each signer looked up in the SK Tim in force that day."""
    day = day or today()
    holder_of = current_app.extensions.get(EXTENSION) or (lambda role, on: None)
    signers = []
    for caption, role in DOCUMENTS[document]:
        holder = holder_of(role, day)
        signers.append(
            Signer(
                caption=caption,
                jabatan=(holder and holder.position) or str(ROLES.get(role, role)),
                name=holder.name if holder else None,
                nip=holder.nip if holder else None,
            )
        )
    return SignatureBlock(current_app.config["OFFICE_CITY"], day, tuple(signers))
