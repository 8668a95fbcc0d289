"""The berita acara of a penyusutan list: the document the Penanggung Jawab and the
arsiparis sign, with its daftar arsip (A4, the list on A4 landscape), rendered by WeasyPrint
in Indonesian whatever the reader's language."""

from babel.dates import format_date
from flask import current_app
from flask import render_template
from flask_babel import force_locale

from archive.store import archive_store
from intranet import clock
from intranet import pdf
from intranet import signatures
from intranet.roles import ROLES

TITLES = {
    "musnah": "Berita Acara Pemusnahan Arsip",
    "pindah": "Berita Acara Pemindahan Arsip Inaktif",
    "serah": "Berita Acara Penyerahan Arsip Statis",
}
CODES = {"musnah": "PMS", "pindah": "PND", "serah": "PNY"}


def document_number(disposal):
    """The berita acara's number: BA-<kind>/<list>/<region>/<year>."""
    day = clock.office_date(disposal.decided_at or disposal.executed_at or clock.utcnow())
    region = current_app.config["OFFICE_REGION_CODE"]
    return f"BA-{CODES[disposal.kind]}/{disposal.id:04d}/{region}/{day.year}"


def render(disposal):
    """The berita acara of a list as PDF bytes (A4, the daftar arsip, the signatures)."""
    moment = disposal.decided_at if disposal.kind == "musnah" else disposal.executed_at
    day = clock.office_date(moment or clock.utcnow())
    records = [i.record for i in disposal.items]
    notes = {i.record_id: i.note for i in disposal.items}
    if disposal.kind == "musnah":
        people = (disposal.decided_by, disposal.created_by)
        captions = ("Yang menyetujui,", "Yang mengusulkan,")
    else:  # the PJ in office that day knows of it; the keeper who carried it out signs
        people = (None, disposal.executed_by)
        captions = ("Mengetahui,", "Yang melaksanakan,")
    signers = [
        _signer(caption, role, person, day)
        for caption, role, person in zip(
            captions, ("penanggungjawab", "arsiparis"), people, strict=True
        )
    ]
    with force_locale("id"):
        html = render_template(
            "archive/berita_acara.html",
            disposal=disposal,
            title=TITLES[disposal.kind],
            number=document_number(disposal),
            day=day,
            day_text=clock.tanggal(day),
            proposed_on=clock.tanggal(clock.office_date(disposal.created_at)),
            weekday=_weekday(day),
            records=records,
            notes=notes,
            signers=signers,
            place=current_app.config.get("OFFICE_CITY") or current_app.config["OFFICE_NAME"],
            office=current_app.config["OFFICE_NAME"],
        )
    return pdf.render(html)


def _signer(caption, role, person, day):
    """A signature column: ``person`` (or, without one, whoever holds ``role`` that day in
    the SK Tim), with the jabatan the SK gives them."""
    holder = (current_app.extensions.get(signatures.EXTENSION) or (lambda r, on: None))(role, day)
    if person is not None and (holder is None or holder.name != person.full_name):
        holder = signatures.Holder(person.full_name, person.nip, None)
    return signatures.Signer(
        caption=caption,
        jabatan=(holder and holder.position) or str(ROLES.get(role, role)),
        name=holder.name if holder else None,
        nip=holder.nip if holder else None,
    )


def _weekday(day):
    """The day of the week as Indonesian documents write it: "Senin"."""
    return format_date(day, "EEEE", locale="id")


def read_document(disposal):
    """The stored berita acara bytes (``StorageError`` if it is gone)."""
    return archive_store().read(disposal.document_sha256)
