"""The article (steps 5 and 8): sanitised revisions, slugs, comparison of two revisions."""

import difflib
import hashlib
import re

from flask_babel import gettext as _
from markupsafe import Markup

from intranet import memo
from intranet.extensions import db
from intranet.models import Article
from intranet.models import Category
from intranet.models import Revision
from intranet.models.cases import PPID
from intranet.models.trail import canonical_json
from intranet.services import drafts
from intranet.services.photos import fallback_format
from intranet.services.photos import largest_web_width
from intranet.services.photos import photos
from intranet.services.photos import sources as web_sources
from intranet.services.sanitiser import dropped_parts
from intranet.services.sanitiser import sanitize
from intranet.services.slugs import slug_for
from intranet.text import html_to_text
from intranet.transactions import ConflictError
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import commit
from intranet.workflow import WorkflowError
from intranet.workflow import check_edit


class DroppedContent(ServiceError):
    """The body holds things the cleaning would remove; the writer is told which before
    anything is saved, and saves again accepting the loss (``accept_drops``)."""

    def __init__(self, parts):
        self.parts = parts
        super().__init__(
            _(
                "Belum disimpan: %(parts)s akan dibuang dari isi berita karena tidak diizinkan. "
                "Periksa isi, lalu pilih “Simpan tanpa unsur itu” untuk tetap menyimpan.",
                parts=", ".join(parts),
            )
        )


def photo_src(case_id, photo_id):
    """The address an article uses for one of its case's photos."""
    return f"/intranet/naskah/{case_id}/foto/{photo_id}"


INTERNAL_PHOTO = re.compile(r'src="/intranet/naskah/(\d+)/foto/(\d+)"')


def rewrite_photo_sources(html, photo_url):
    """Point the article's internal photo addresses at ``photo_url(photo_id)``."""
    return INTERNAL_PHOTO.sub(lambda m: f'src="{photo_url(int(m.group(2)))}"', html)


def normalize_tags(raw):
    """Tags as a comma-joined list: trimmed, lower-case, unique, in the order given."""
    seen = []
    for tag in (raw or "").split(","):
        tag = " ".join(tag.split()).lower()[:40]
        if tag and tag not in seen:
            seen.append(tag)
    return ",".join(seen[:20]) or None


def latest_revision(case):
    """The newest revision of the article, or None; read once a transaction (``memo``)
    however many parts of a page ask."""
    return memo.once(
        ("latest_revision", case.id),
        lambda: db.session.execute(
            db.select(Revision)
            .where(Revision.case_id == case.id)
            .order_by(Revision.number.desc())
            .limit(1)
        ).scalar_one_or_none(),
    )


def article_of(case):
    """The case's article, published or not yet visible or withdrawn; None before step 10.
    Read once a transaction (``memo``) however many parts of a page ask."""
    return memo.once(
        ("article", case.id),
        lambda: db.session.execute(
            db.select(Article).where(Article.case_id == case.id)
        ).scalar_one_or_none(),
    )


def revisions(case):
    """Every revision, oldest first."""
    return (
        db.session.execute(
            db.select(Revision).where(Revision.case_id == case.id).order_by(Revision.number)
        )
        .scalars()
        .all()
    )


def pending_correction(article):
    """A correction of the published article waiting for the penanggungjawab, or None."""
    latest = latest_revision(article.case)
    return latest if latest and latest.number > article.current.revision.number else None


def writers(case, at_step=None):
    """Who may not approve the article at ``at_step``: everyone who wrote a version of it.

    A correction counts as writing too, except at the step where it was made: the
    Koordinator corrects and hands on at step 8 (the SOP's own step), but may not then
    approve that correction at step 9 (say, as Plh Penanggung Jawab).
    """
    rows = memo.once(("authorship", case.id), lambda: authorship_of([case])[case.id])
    return {author for author, kind, step in rows if kind == "edit" or step != at_step}


def authorship_of(cases):
    """``{case id: ((author id, kind, step), ...)}`` of every revision of each case, in one
    statement; kept for the transaction, so ``writers`` asks no more for these cases."""
    found = {case.id: [] for case in cases}
    if found:
        rows = db.session.execute(
            db.select(Revision.case_id, Revision.author_id, Revision.kind, Revision.step)
            .where(Revision.case_id.in_(sorted(found)))
            .order_by(Revision.id)
        )
        for case_id, author, kind, step in rows:
            found[case_id].append((author, kind, step))
    found = {case_id: tuple(rows) for case_id, rows in found.items()}
    for case_id, rows in found.items():
        memo.keep(("authorship", case_id), rows)
    return found


def has_text(case):
    """True if the newest revision has a title, a summary and a body with words in it."""
    r = latest_revision(case)
    return bool(r and r.title.strip() and r.summary.strip() and html_to_text(r.body_html))


@atomic
def save_revision(case, user, data, base_number, state, actor):
    """Save the article as a new revision; a save from an older revision is refused (409).

    At a review step the new revision is a correction, marked with who made it. Approvals
    bound to the previous revision's hash no longer match, so they are void.
    """
    try:
        check_edit(state, actor, "article")
    except WorkflowError as e:
        raise ServiceError(_(e.msgid, **e.params)) from e
    step = case.definition().step(case.step)
    revision = new_revision(
        case, user, data, base_number, "correction" if step.kind == "review" else "edit"
    )
    commit(_("Naskah sudah disimpan orang lain sejak Anda membukanya."), stale=True)
    return revision


def new_revision(case, user, data, base_number, kind):
    """Add a revision to the session (not committed): checked, sanitised, hashed."""
    current = latest_revision(case)
    current_number = current.number if current else 0
    if base_number != current_number:
        raise ConflictError(
            _(
                "Naskah sudah disimpan orang lain (revisi %(n)s) sejak Anda membukanya.",
                n=current_number,
            )
        )

    srcs = {photo_src(case.id, p.id) for p in photos(case)}
    body = sanitize(data["body_html"], srcs)
    if not html_to_text(body):
        raise ServiceError(
            _("Isi berita kosong setelah dibersihkan dari format yang tidak diizinkan.")
        )
    if not data.get("accept_drops"):
        dropped = dropped_parts(data["body_html"], srcs)
        if dropped:
            raise DroppedContent(dropped)
    slug = slug_for(case, data.get("slug"), data["title"], current.title if current else None)
    category = db.session.get(Category, data["category_id"])
    if category is None or not category.active:
        raise ServiceError(_("Kategori tidak dikenal."))
    if data["ppid"] not in PPID:
        raise ServiceError(_("Kategori informasi PPID tidak dikenal."))
    revision = Revision(
        case_id=case.id,
        number=current_number + 1,
        title=" ".join(data["title"].split()),
        slug=slug,
        summary=data["summary"].strip(),
        body_html=body,
        tags=normalize_tags(data.get("tags")),
        ppid=data["ppid"],
        category_id=category.id,
        credits=" ".join((data.get("credits") or user.full_name).split())[:500],
        kind=kind,
        note=(data.get("note") or "").strip()[:500] or None,
        author_id=user.id,
        step=case.step,
    )
    revision.content_hash = hashlib.sha256(canonical_json(revision.content()).encode()).hexdigest()
    # the draft goes first: its query would otherwise flush the new revision early, outside
    # the caller's conflict handling (two saves of one number at once are a stale form, 409)
    drafts.discard(case, user, "article")
    db.session.add(revision)
    case.revision_hash = revision.content_hash
    case.slug = slug
    case.category_id = category.id
    db.session.flush()
    return revision


def compare(a, b):
    """A side-by-side table of two revisions with changes marked (escaped, no markup kept)."""

    def lines(r):
        return [
            f"# {r.title}",
            f"slug: {r.slug}",
            f"{_('Kategori')}: {r.category.name}",
            f"{_('Tag')}: {r.tags or '—'}",
            f"PPID: {r.ppid_label}",
            f"{_('Penulis')}: {r.credits}",
            "",
            *r.summary.splitlines(),
            "",
            *html_to_text(r.body_html).splitlines(),
        ]

    differ = difflib.HtmlDiff()
    table = differ.make_table(
        lines(a),
        lines(b),
        fromdesc=_("Revisi %(n)s", n=a.number),
        todesc=_("Revisi %(n)s", n=b.number),
    )
    # HtmlDiff escapes &, < and > in every line it lays out, so its table is safe markup.
    return Markup(table)  # noqa: S704


def article_view(
    revision, photo_rows, photo_url, layout="standar", published_at=None, rendition_url=None
):
    """Everything the public article page shows, from one revision and its photos.

    With ``rendition_url(photo, width, fmt)`` the photos come in web sizes (``srcset``): the
    cover and the photos in the body never at the size they were uploaded.
    """
    cover = next((p for p in photo_rows if p.is_cover), photo_rows[0] if photo_rows else None)

    def photo(p, size="penuh"):
        shown = {
            "url": photo_url(p.id, size),
            "full": photo_url(p.id, "penuh"),
            "alt": p.alt,
            "caption": p.caption,
            "credit": p.credit,
            "width": p.width,
            "height": p.height,
        }
        if rendition_url:
            shown["sources"] = web_sources(p, rendition_url)
            shown["url"] = shown["sources"]["src"]
            widest = largest_web_width(p)
            shown["full"] = rendition_url(p, widest, fallback_format(p))
        return shown

    by_id = {p.id: p for p in photo_rows}

    def body_src(pid):
        if rendition_url and pid in by_id:
            p = by_id[pid]
            return rendition_url(p, largest_web_width(p), fallback_format(p))
        return photo_url(pid, "penuh")

    # The body was sanitised with nh3 when it was saved; only photo addresses change here.
    body = Markup(rewrite_photo_sources(revision.body_html, body_src))  # noqa: S704
    return {
        "title": revision.title,
        "slug": revision.slug,
        "summary": revision.summary,
        "body": body,
        "category": revision.category.name,
        "tags": revision.tag_list,
        "ppid": revision.ppid_label,
        "credits": revision.credits,
        "date": published_at or revision.created_at,
        "cover": photo(cover) if cover else None,
        "gallery": [photo(p, "kecil") for p in photo_rows if p is not cover],
        "layout": layout,
    }
