"""Steps 1–2: directions (penugasan), the agenda book of source material, and handover."""

import email
import io
from datetime import date
from email import policy
from email.utils import parseaddr
from email.utils import parsedate_to_datetime

import nh3
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from archive import ocr_work
from intranet import permissions
from intranet import sop
from intranet.clock import today
from intranet.clock import utcnow
from intranet.counters import next_seq
from intranet.extensions import db
from intranet.links import absolute_url
from intranet.models import AgendaCounter
from intranet.models import Assignment
from intranet.models import AssignmentRecipient
from intranet.models import Case
from intranet.models import Category
from intranet.models import Delegation
from intranet.models import SourceFile
from intranet.models import SourceMaterial
from intranet.models import User
from intranet.services import notify
from intranet.services import trail
from intranet.services.cases import actor_of
from intranet.services.cases import sk_in_force
from intranet.services.team import delete_if_unused
from intranet.storage import FileStore
from intranet.storage import file_store
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import check_version
from intranet.transactions import commit
from intranet.uploads import EML
from intranet.uploads import SOURCE_TYPES
from intranet.uploads import UploadError
from intranet.uploads import check_bytes_stream
from intranet.uploads import check_upload
from intranet.uploads import eml_attachments
from intranet.uploads import store_checked
from intranet.workflow import Action
from intranet.workflow import CaseState
from intranet.workflow import WorkflowError
from intranet.workflow import next_state

# --- step 1: directions -------------------------------------------------------------------


@atomic
def give_assignment(data, actor, recipients):
    """Record a direction from the Penanggung Jawab to one or more team members (step 1)."""

    d = sop.current()
    state = CaseState(
        definition=d, step=1, facts={"sk_tim_valid": sk_in_force(), "assignee": bool(recipients)}
    )
    try:
        t = next_state(state, Action("complete"), actor_of(actor))
    except WorkflowError as e:
        raise ServiceError(_(e.msgid, **e.params)) from e
    if data["due_date"] < today():
        raise ServiceError(_("Tenggat tidak boleh sebelum hari ini."))
    decree, delegation = actor.role_source(t.role)
    a = Assignment(
        instruction=data["instruction"].strip(),
        due_date=data["due_date"],
        given_by_id=actor.id,
        given_role=t.role,
        decree_id=decree.id,
        delegation_id=delegation.id if delegation else None,
        on_behalf_of_id=delegation.absent_user_id if delegation else None,
    )
    for user in recipients:
        if not user.active or not user.valid_memberships():
            raise ServiceError(_("%(name)s bukan anggota tim yang aktif.", name=user.full_name))
        a.recipients.append(AssignmentRecipient(user=user))
    db.session.add(a)
    db.session.flush()
    link = absolute_url("intake.assignment", assignment_id=a.id)
    for user in recipients:
        notify.queue(
            user,
            _("Penugasan baru dari %(name)s", name=actor.full_name),
            _(
                "%(text)s\n\nTenggat: %(due)s\n%(link)s",
                text=a.instruction,
                due=a.due_date,
                link=link,
            ),
            "assignment",
        )
    commit()
    return a


@atomic
def acknowledge(assignment, user):
    """The recipient confirms receipt of the direction (the start of step 2)."""
    r = assignment.recipient(user)
    if r is None:
        raise ServiceError(_("Penugasan ini tidak ditujukan kepada Anda."))
    if r.acknowledged_at is None:
        r.acknowledged_at = utcnow()
        commit()


@atomic
def close_assignment(assignment, user, version=None):
    """The Penanggung Jawab closes a direction: no new cases may be opened under it."""
    check_version(assignment, version)
    if not user.has_role("penanggungjawab"):
        raise ServiceError(_("Hanya penanggung jawab yang dapat menutup penugasan."))
    assignment.closed_at = utcnow()
    commit()


def close_with_case(case):
    """Mark a case's direction selesai when the case leaves the SOP (published) and no other
    case opened under it is still on its way; part of the caller's transaction."""
    a = case.assignment
    if a is None or not a.is_open:
        return
    others = db.session.execute(
        db.select(Case.id).where(
            Case.assignment_id == a.id, Case.id != case.id, Case.status == "open"
        )
    ).first()
    if others is None:
        a.closed_at = utcnow()


def assignments_for(user):
    """Open directions given to ``user``, newest first."""
    return (
        db.session.execute(
            db.select(Assignment)
            .join(AssignmentRecipient)
            .where(AssignmentRecipient.user_id == user.id, Assignment.closed_at.is_(None))
            .order_by(Assignment.created_at.desc())
        )
        .scalars()
        .all()
    )


def all_assignments():
    """Every direction, newest first."""
    return (
        db.session.execute(db.select(Assignment).order_by(Assignment.created_at.desc()))
        .scalars()
        .all()
    )


# --- step 2: the agenda book ----------------------------------------------------------------


def format_agenda_number(seq, year):
    """The nomor agenda for ``seq`` in ``year``, in the configured format."""
    fmt = current_app.config["AGENDA_NUMBER_FORMAT"]
    return fmt.format(seq=seq, year=year, region=current_app.config["OFFICE_REGION_CODE"])


def _store_files(checked_files):
    """Store checked files; return SourceFile rows and the digests this call created."""
    store = file_store()
    rows, created = [], []
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    try:
        for checked, origin in checked_files:
            sha, size, new, mimetype, name = store_checked(store, checked, max_bytes)
            if new:
                created.append(sha)
            rows.append(
                SourceFile(sha256=sha, filename=name, mimetype=mimetype, size=size, origin=origin)
            )
    except BaseException:
        _remove(store, created)
        raise
    return rows, created


def _remove(store: FileStore, digests):
    for sha in digests:
        delete_if_unused(store, sha)


def check_files(uploads):
    """Check every upload before anything is stored; refuse the lot if one is bad."""
    checked = []
    for storage in uploads:
        if storage is None or not storage.filename:
            continue
        try:
            checked.append(
                (
                    check_upload(storage, SOURCE_TYPES, current_app.config["MAX_UPLOAD_BYTES"]),
                    "upload",
                )
            )
        except UploadError as e:
            raise ServiceError(f"{storage.filename[:80]}: {e}", status=e.status) from e
    return checked


@atomic
def register_material(data, uploads, actor, checked_extra=(), body_text=None):
    """Register source material in the agenda book with its files (all or nothing)."""
    if not actor.has_role("kontributor"):
        raise ServiceError(_("Hanya kontributor yang dapat mencatat bahan informasi."))
    checked = check_files(uploads) + list(checked_extra)
    if not checked:
        raise ServiceError(_("Lampirkan minimal satu berkas bahan informasi."))
    category = db.session.get(Category, data["category_id"])
    if category is None or not category.active:
        raise ServiceError(_("Kategori tidak dikenal."))
    year = data["received_on"].year
    store = file_store()
    rows, created = _store_files(checked)
    try:
        seq = next_seq(AgendaCounter, year)
        m = SourceMaterial(
            year=year,
            seq=seq,
            nomor_agenda=format_agenda_number(seq, year),
            received_on=data["received_on"],
            channel=data["channel"],
            letter_number=_clean(data.get("letter_number")),
            letter_date=data.get("letter_date"),
            sender_institution=data["sender_institution"].strip(),
            sender_contact=_clean(data.get("sender_contact")),
            sender_email=_clean(data.get("sender_email"), lower=True),
            perihal=data["perihal"].strip(),
            sifat=data["sifat"],
            security_class=data["security_class"],
            category_id=category.id,
            notes=_clean(data.get("notes")),
            body_text=body_text,
            disposition_to_id=data.get("disposition_to_id") or None,
            disposition_note=_clean(data.get("disposition_note")),
            srikandi_number=_clean(data.get("srikandi_number")),
            assignment_id=data.get("assignment_id") or None,
            registered_by_id=actor.id,
            files=rows,
        )
        db.session.add(m)
        for row in rows:  # scans and images of documents are read by OCR in the background
            ocr_work.queue_upload(row.sha256, row.mimetype)
        commit(_("Nomor agenda bentrok dengan pencatatan lain. Coba simpan lagi."))
    except BaseException:
        db.session.rollback()
        _remove(store, created)
        raise
    return m


def _clean(value, lower=False):
    value = (value or "").strip()
    if lower:
        value = value.lower()
    return value or None


def read_eml(storage):
    """Parse an uploaded .eml: the fields it fills and its attachments, checked.

    Returns ``(fields, checked_files, skipped)``: the message itself is kept as the first
    file; attachments of types the office does not accept are skipped and named.
    """
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    try:
        eml = check_upload(storage, (EML,), max_bytes, clean_email=True)
    except UploadError as e:
        raise ServiceError(str(e), status=e.status) from e
    raw = eml.stream.read()
    eml.stream.seek(0)
    msg = email.message_from_bytes(raw, policy=policy.default)
    name, address = parseaddr(str(msg.get("From", "")))
    try:
        sent = parsedate_to_datetime(str(msg.get("Date"))) if msg.get("Date") else None
    except (TypeError, ValueError, IndexError):
        sent = None
    body = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        try:
            text = body.get_content()
        except (LookupError, ValueError):
            text = body.get_payload(decode=True).decode("utf-8", "replace")
        if body.get_content_type() == "text/html":
            text = nh3.clean(text, tags=set()).strip()
    fields = {
        "channel": "email",
        "sender_institution": (name or address or _("(tanpa nama pengirim)"))[:200],
        "sender_contact": None,
        "sender_email": address[:254] if "@" in address else None,
        "perihal": (str(msg.get("Subject", "")).strip() or _("(tanpa perihal)"))[:500],
        "letter_date": sent.date() if sent else None,
        "received_on": today(),
    }
    # Refused attachments were replaced by notes in the stored message (eml.notes).
    checked, skipped = [(eml, "eml")], list(eml.notes)
    for part in eml_attachments(msg):
        filename = part.get_filename() or "lampiran"
        payload = part.get_payload(decode=True) or b""
        try:
            checked.append(
                (
                    check_bytes_stream(io.BytesIO(payload), filename, SOURCE_TYPES, max_bytes),
                    "eml-part",
                )
            )
        except UploadError as e:
            skipped.append(f"{filename[:80]}: {e}")
    return fields, checked, skipped, text[:100_000]


@atomic
def import_eml(storage, extra, actor):
    """Register a new agenda entry from an .eml file; return ``(material, skipped)``."""
    fields, checked, skipped, text = read_eml(storage)
    data = {**fields, **{k: v for k, v in extra.items() if v not in (None, "")}}
    m = register_material(data, [], actor, checked_extra=checked, body_text=text or None)
    return m, skipped


def readable_by(user):
    """A filter: agenda entries ``user`` may read, by security class (see permissions)."""
    return db.or_(
        SourceMaterial.security_class.in_(permissions.readable_classes(user)),
        SourceMaterial.registered_by_id == user.id,
        SourceMaterial.disposition_to_id == user.id,
    )


def materials(
    query=None,
    year=None,
    channel=None,
    category_id=None,
    available_only=False,
    limit=500,
    viewer=None,
    offset=0,
):
    """The agenda book, newest first, filtered; only what ``viewer`` may read. Each entry's
    category, files and case come in the same few statements however many are shown."""
    q = (
        db.select(SourceMaterial)
        .options(
            selectinload(SourceMaterial.category),
            selectinload(SourceMaterial.files),
            selectinload(SourceMaterial.cases),
        )
        .order_by(SourceMaterial.year.desc(), SourceMaterial.seq.desc())
    )
    if viewer is not None:
        q = q.where(readable_by(viewer))
    query = (query or "").replace("\x00", "").strip()
    if query:
        like = f"%{query}%"
        q = q.where(
            db.or_(
                SourceMaterial.nomor_agenda.ilike(like),
                SourceMaterial.perihal.ilike(like),
                SourceMaterial.sender_institution.ilike(like),
                SourceMaterial.sender_contact.ilike(like),
                SourceMaterial.letter_number.ilike(like),
                SourceMaterial.srikandi_number.ilike(like),
            )
        )
    if year:
        q = q.where(SourceMaterial.year == year)
    if channel:
        q = q.where(SourceMaterial.channel == channel)
    if category_id:
        q = q.where(SourceMaterial.category_id == category_id)
    if available_only:
        q = q.where(~SourceMaterial.cases.any())
    return db.session.execute(q.limit(limit).offset(offset)).scalars().all()


def materials_between(start, end, viewer):
    """Agenda entries received from ``start`` to ``end`` inclusive that ``viewer`` may read."""
    return (
        db.session.execute(
            db.select(SourceMaterial)
            .where(SourceMaterial.received_on >= start, SourceMaterial.received_on <= end)
            .where(readable_by(viewer))
            .order_by(SourceMaterial.year, SourceMaterial.seq)
        )
        .scalars()
        .all()
    )


# --- step 2 done: handover opens the case ---------------------------------------------------


@atomic
def hand_over(data, actor):
    """Hand selected material to a Redaktur: opens a case at step 3 with steps 1–2 in its trail."""

    assignment = db.session.get(Assignment, data["assignment_id"])
    if assignment is None or assignment.recipient(actor) is None:
        raise ServiceError(_("Pilih penugasan yang ditujukan kepada Anda."))
    if not assignment.is_open:
        raise ServiceError(_("Penugasan ini sudah ditutup."))
    chosen = [db.session.get(SourceMaterial, i) for i in data["material_ids"]]
    if not chosen or any(m is None or not permissions.can_read_material(actor, m) for m in chosen):
        raise ServiceError(_("Pilih minimal satu bahan informasi dari buku agenda."))
    used = [m.nomor_agenda for m in chosen if m.cases]
    if used:
        raise ServiceError(_("Sudah diserahkan dalam naskah lain: %(list)s.", list=", ".join(used)))
    redaktur = db.session.get(User, data["redaktur_id"])
    if redaktur is None or not redaktur.active or not redaktur.has_role("redaktur"):
        raise ServiceError(_("Pilih redaktur yang sedang menjabat."))
    category = db.session.get(Category, data["category_id"])
    if category is None or not category.active:
        raise ServiceError(_("Kategori tidak dikenal."))

    d = sop.current()
    facts = {"source_material": any(m.files for m in chosen), "category": True}
    try:
        t = next_state(
            CaseState(definition=d, step=2, facts=facts), Action("complete"), actor_of(actor)
        )
    except WorkflowError as e:
        raise ServiceError(_(e.msgid, **e.params)) from e

    receipt = assignment.recipient(actor)
    if receipt.acknowledged_at is None:
        receipt.acknowledged_at = utcnow()
    case = Case(
        title=data["title"].strip(),
        category_id=category.id,
        assignment_id=assignment.id,
        redaktur_id=redaktur.id,
        handover_note=_clean(data.get("note")),
        definition_code=d.code,
        definition_version=d.version,
        definition_sha256=d.sha256,
        step=t.next_step,
        attempt=1,
        status="open",
        opened_by_id=actor.id,
        materials=chosen,
    )
    db.session.add(case)
    db.session.flush()

    delegation = (
        db.session.get(Delegation, assignment.delegation_id) if assignment.delegation_id else None
    )
    trail.append(
        case,
        step=1,
        attempt=1,
        action="complete",
        actor=assignment.given_by,
        role=assignment.given_role,
        note=assignment.instruction,
        occurred_at=assignment.created_at,
        source=(assignment.decree, delegation),
        data={
            "to": 2,
            "assignment_id": assignment.id,
            "due_date": assignment.due_date.isoformat(),
            "recipients": [r.user_id for r in assignment.recipients],
        },
    )
    trail.append(
        case,
        step=2,
        attempt=1,
        action="complete",
        actor=actor,
        role=t.role,
        note=case.handover_note,
        data={
            "to": t.next_step,
            "materials": [m.nomor_agenda for m in chosen],
            "redaktur_id": redaktur.id,
            "acknowledged_at": receipt.acknowledged_at.replace(microsecond=0).isoformat(),
        },
    )
    link = absolute_url("cases.detail", case_id=case.id)
    notify.queue(
        redaktur,
        _("Bahan informasi diserahkan kepada Anda: %(title)s", title=case.title),
        _(
            '%(who)s menyerahkan %(n)s bahan informasi untuk naskah "%(title)s". '
            "Langkah berikutnya (3): mengoreksi konsep artikel.\n\n%(link)s",
            who=actor.full_name,
            n=len(chosen),
            title=case.title,
            link=link,
        ),
        "handover",
        case,
    )
    commit()
    return case


def year_range(year):
    """The first and last day of ``year``."""
    return date(year, 1, 1), date(year, 12, 31)
