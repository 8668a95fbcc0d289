"""Each person's unsaved draft of a case's article or concept, autosaved while they type.

A draft is the person's own: nobody else sees it, and it never becomes a revision by itself.
Saving a revision (or a concept version) deletes the person's draft of it.
"""

import json

from flask_babel import gettext as _

from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import Concept
from intranet.models import EditorDraft
from intranet.models import Revision
from intranet.transactions import ConflictError
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import commit

#: The form fields a draft keeps, by kind (what ``check_edit`` calls the part edited).
FIELDS = {
    "article": (
        "title",
        "slug",
        "summary",
        "body_html",
        "tags",
        "ppid",
        "category_id",
        "credits",
        "note",
    ),
    "concept": ("angle", "outline", "sources"),
}
#: A draft's largest size as JSON text: the article form's own limits, with room to spare.
MAX_PAYLOAD = 250_000


def current_number(case, kind):
    """The newest revision's (or concept version's) number, 0 when there is none."""
    model = Revision if kind == "article" else Concept
    number = db.session.execute(
        db.select(db.func.max(model.number)).where(model.case_id == case.id)
    ).scalar_one()
    return number or 0


def draft_of(case, user, kind):
    """``user``'s draft of the case's ``kind``, or None."""
    return db.session.execute(
        db.select(EditorDraft).where(
            EditorDraft.case_id == case.id,
            EditorDraft.user_id == user.id,
            EditorDraft.kind == kind,
        )
    ).scalar_one_or_none()


def fields_of(draft):
    """The draft's form fields as a dict of strings."""
    try:
        data = json.loads(draft.payload)
    except ValueError:
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def restorable(case, user, kind):
    """``user``'s draft if it is worth offering back: typed over the newest saved version.
    A draft over an older version (someone saved since) is offered too: it is their text."""
    draft = draft_of(case, user, kind)
    return draft if draft and fields_of(draft) else None


def _check(fields, kind):
    if kind not in FIELDS:
        raise ServiceError(_("Jenis draf tidak dikenal."))
    if not isinstance(fields, dict) or not fields:
        raise ServiceError(_("Draf kosong atau tidak terbaca."))
    unknown = sorted(set(fields) - set(FIELDS[kind]))
    if unknown:
        raise ServiceError(
            _("Isian draf tidak dikenal: %(names)s.", names=", ".join(unknown)[:200])
        )
    if not all(isinstance(v, str) for v in fields.values()):
        raise ServiceError(_("Isian draf harus berupa teks."))
    payload = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    if len(payload) > MAX_PAYLOAD:
        raise ServiceError(
            _(
                "Draf terlalu besar (maksimal %(n)s karakter).",
                n=f"{MAX_PAYLOAD:,}".replace(",", "."),
            ),
            status=413,
        )
    return payload


@atomic
def save_draft(case, user, kind, base_number, fields, parts):
    """Keep ``user``'s draft of the case's ``kind`` (replacing the previous one); return
    when it was saved (a plain value: a revision saved right after may delete the row).

    Refused like a save: unless ``kind`` is among the ``parts`` the person may change now
    (the same rule as saving), and with a 409 when the draft was typed over an older
    version than the newest.
    """
    payload = _check(fields, kind)
    if kind not in parts:
        raise ServiceError(_("Anda tidak dapat mengubah bagian ini pada langkah ini."), status=403)
    current = current_number(case, kind)
    if base_number != current:
        raise ConflictError(
            _(
                "Naskah sudah disimpan orang lain (versi %(n)s) sejak Anda membukanya; "
                "draf tidak disimpan. Salin tulisan Anda lalu muat ulang halaman.",
                n=current,
            )
        )
    draft = draft_of(case, user, kind)
    if draft is None:
        draft = EditorDraft(case_id=case.id, user_id=user.id, kind=kind)
        db.session.add(draft)
    draft.base_number = base_number
    draft.payload = payload
    draft.saved_at = saved_at = utcnow()
    commit(_("Draf disimpan bersamaan dari dua tempat; coba lagi."), stale=True)
    return saved_at


def discard(case, user, kind):
    """Remove ``user``'s draft of the case's ``kind`` from the session (the caller commits):
    what a save of that part does."""
    draft = draft_of(case, user, kind)
    if draft is not None:
        db.session.delete(draft)


@atomic
def discard_draft(case, user, kind):
    """``user`` throws their draft away ("Buang")."""
    if kind not in FIELDS:
        raise ServiceError(_("Jenis draf tidak dikenal."))
    discard(case, user, kind)
    commit()
