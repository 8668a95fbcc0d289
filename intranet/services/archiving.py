"""Step 10's archive record: the case frozen into a snapshot and handed to the archive.

The archive is a library the intranet calls and that never calls back: everything the
record must hold is read here, once, into an ``archive.snapshot.Publication``; the archive
copies the originals, writes the berkas and returns a receipt, from which the intranet
appends its own "archive" trail entry. It all happens in the caller's transaction, under the
archive lock (``archive.writing.archiving``).
"""

import json

from flask import current_app
from flask import render_template
from flask_babel import force_locale

from archive import pdf
from archive import recording
from archive.snapshot import Material
from archive.snapshot import Original
from archive.snapshot import Publication
from archive.snapshot import TrailRow
from intranet import permissions
from intranet.clock import iso
from intranet.clock import office_date
from intranet.extensions import db
from intranet.links import absolute_url
from intranet.models import Attachment
from intranet.models import Revision
from intranet.models import TrailEntry
from intranet.services import trail
from intranet.services.articles import article_view
from intranet.services.photos import photos
from intranet.storage import file_store
from intranet.text import html_to_text


def archive_article(article, user, role, reason, batch):
    """Archive the article as it stands now (``terbit``, ``koreksi`` or ``penarikan``)."""
    db.session.flush()
    db.session.expire(article, ["versions"])  # a new published version may have been added
    case = article.case
    receipt = recording.record_publication(
        snapshot(case, article, user, reason), file_store(), batch
    )
    trail.append(
        case,
        step=case.step,
        action="archive",
        actor=user,
        role=role,
        data={
            "nomor_arsip": receipt.nomor_arsip,
            "version": receipt.version,
            "berkas_sha256": receipt.berkas_sha256,
            "record_sha256": receipt.record_sha256,
        },
    )
    return receipt


def snapshot(case, article, user, reason):
    """Everything the archive record of ``article`` holds, frozen."""
    version = article.current
    revision = version.revision
    case_photos = photos(case)
    shown = {p.id: p for p in case_photos}
    rows = [shown[i] for i in version.photo_id_list if i in shown]
    url = absolute_url("public.article", slug=article.slug)
    with force_locale("id"):
        page = render_template(
            "archive/published.html",
            a=_view(version, rows, lambda pid, size="penuh": shown[pid].sha256),
            url=url,
            office=current_app.config["OFFICE_NAME"],
        )
        in_berkas = render_template(
            "archive/_article.html",
            a=_view(version, rows, lambda pid, size="penuh": pdf.src(shown[pid].sha256)),
        )
    entries = _trail(case)
    steps = {s.number: s for s in case.definition().steps}
    return Publication(
        case_id=case.id,
        reason=reason,
        title=revision.title,
        category=revision.category.name,
        summary_text=html_to_text(revision.summary),
        url=url,
        slug=article.slug,
        definition=f"{case.definition_code} versi {case.definition_version}",
        status=article.status,
        withdrawn_at=article.withdrawn_at,
        withdrawn_reason=article.withdrawn_reason,
        article_version=version.number,
        date_from=min(
            [office_date(case.opened_at)] + [office_date(m.registered_at) for m in case.materials]
        ),
        access_class=permissions.strictest(m.security_class for m in case.materials),
        page_html=page,
        berkas_article_html=in_berkas,
        originals=tuple(_originals(case, case_photos)),
        materials=tuple(
            Material(
                m.nomor_agenda,
                m.sender_institution,
                m.perihal,
                m.channel,
                m.registered_at,
                m.security_class,
            )
            for m in case.materials
        ),
        trail=tuple(
            TrailRow(
                seq=e.seq,
                step=e.step,
                attempt=e.attempt,
                kegiatan=steps[e.step].kegiatan if e.step in steps else "",
                actor=e.actor.full_name,
                on_behalf_of=e.on_behalf_of.full_name if e.on_behalf_of else None,
                role=e.role,
                decree=e.decree.number if e.decree else None,
                occurred_at=e.occurred_at,
                action=e.action,
                note=e.note,
                revision_hash=e.revision_hash,
                entry_hash=e.entry_hash,
            )
            for e in entries
        ),
        trail_seq=case.trail_seq,
        trail_head=case.trail_head,
        case_json=json.dumps(_case_data(case, article, entries, url), ensure_ascii=False),
        made_by_id=user.id,
        made_by=user.full_name,
    )


def _view(version, rows, photo_url):
    return article_view(version.revision, rows, photo_url, version.layout, version.published_at)


def _originals(case, case_photos):
    """The source files (each with its material's class), every photo (both copies) and the
    article's attachments."""
    for m in case.materials:
        for f in m.files:
            yield Original(
                "sumber",
                f.sha256,
                f.filename,
                f.mimetype,
                f"{m.nomor_agenda}: {m.perihal}",
                m.security_class,
            )
    for p in case_photos:
        yield Original("foto-asli", p.original_sha256, p.filename, p.mimetype, f"Asli: {p.caption}")
        yield Original("foto", p.sha256, f"terbit-{p.filename}", p.mimetype, f"Terbit: {p.caption}")
    for a in db.session.execute(
        db.select(Attachment)
        .where(Attachment.case_id == case.id)
        .order_by(Attachment.position, Attachment.id)
    ).scalars():
        yield Original("lampiran", a.sha256, a.filename, a.mimetype, f"Lampiran: {a.title}")


def _trail(case):
    return (
        db.session.execute(
            db.select(TrailEntry).where(TrailEntry.case_id == case.id).order_by(TrailEntry.seq)
        )
        .scalars()
        .all()
    )


def _case_data(case, article, entries, url):
    """The case as data: metadata, sources, revisions' hashes, versions, the trail."""
    revisions = db.session.execute(
        db.select(Revision).where(Revision.case_id == case.id).order_by(Revision.number)
    ).scalars()
    current = article.current.revision
    return {
        "case": {
            "id": case.id,
            "title": case.title,
            "definition": {
                "code": case.definition_code,
                "version": case.definition_version,
                "sha256": case.definition_sha256,
            },
            "opened_at": iso(case.opened_at),
            "opened_by": case.opened_by.full_name,
            "redaktur": case.redaktur.full_name if case.redaktur else None,
            "status": case.status,
        },
        "materials": [
            {
                "nomor_agenda": m.nomor_agenda,
                "channel": m.channel,
                "letter_number": m.letter_number,
                "sender_institution": m.sender_institution,
                "sender_email": m.sender_email,
                "perihal": m.perihal,
                "sifat": m.sifat,
                "security_class": m.security_class,
                "registered_at": iso(m.registered_at),
                "files": [
                    {"filename": f.filename, "sha256": f.sha256, "mimetype": f.mimetype}
                    for f in m.files
                ],
            }
            for m in case.materials
        ],
        "revisions": [
            {
                "number": r.number,
                "kind": r.kind,
                "title": r.title,
                "author": r.author.full_name,
                "step": r.step,
                "created_at": iso(r.created_at),
                "content_hash": r.content_hash,
            }
            for r in revisions
        ],
        "article": {
            "url": url,
            "title": current.title,
            "summary": current.summary,
            "category": current.category.name,
            "credits": current.credits,
            "status": article.status,
            "published_at": iso(article.published_at),
            "withdrawn_at": iso(article.withdrawn_at),
            "withdrawn_reason": article.withdrawn_reason,
            "versions": [
                {
                    "number": v.number,
                    "revision_hash": v.revision_hash,
                    "published_at": iso(v.published_at),
                    "published_by": v.published_by.full_name,
                    "photo_ids": v.photo_id_list,
                    "note": v.note,
                }
                for v in article.versions
            ],
            "social_posts": [
                {"platform": s.platform, "url": s.url, "recorded_at": iso(s.created_at)}
                for s in article.social_posts
            ],
        },
        "trail": [
            {
                **e.content(),
                "actor": e.actor.full_name,
                "decree": e.decree.number if e.decree else None,
                "prev_hash": e.prev_hash,
                "entry_hash": e.entry_hash,
            }
            for e in entries
        ],
        "trail_seq": case.trail_seq,
        "trail_head": case.trail_head,
    }
