"""Step 10: publishing, what the public may see, withdrawal, social posts, the site's generation.

Everything public asks ``visible()`` (``Article.visible_at``): an article is public when it
is published and its time has come. Nothing else decides it.
"""

from flask import current_app
from flask_babel import gettext as _

from archive import filing
from archive import writing
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.links import absolute_url
from intranet.models import Article
from intranet.models import Category
from intranet.models import Photo
from intranet.models import PublishedVersion
from intranet.models import Revision
from intranet.models import SiteState
from intranet.models import SocialPost
from intranet.models.public import SOCIAL_PLATFORMS
from intranet.services import archiving
from intranet.services import cases
from intranet.services import intake
from intranet.services import notify
from intranet.services import trail
from intranet.services.articles import article_of
from intranet.services.articles import latest_revision
from intranet.services.articles import new_revision
from intranet.services.articles import pending_correction
from intranet.services.photos import photos
from intranet.services.previews import latest_preview
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import commit


def visible(now=None):
    """The filter for articles the public may see now."""
    return Article.visible_at(now or utcnow())


def bump():
    """Tell every worker's page cache that the public site changed."""
    db.session.execute(
        db.update(SiteState).where(SiteState.id == 1).values(generation=SiteState.generation + 1)
    )
    # after the commit, ``public_cache`` moves the change signal every worker stats
    db.session.info["site_changed"] = True


def publish(case, user, when=None, version=None):
    """Publish the approved case (step 10), now or at ``when`` (UTC, naive).

    In one transaction: the trail records the publication, the article and its first
    version are made, the source partners' mail is queued for the publication time (the
    worker sends it then, not before), and the archive record is made with its berkas
    (files first, then the one commit).
    """
    now = utcnow().replace(microsecond=0)
    when = (when or now).replace(microsecond=0)
    if when < now:
        when = now
    # a case never laid out has no address yet; ``decide`` refuses it (a step-10 requirement)
    url = absolute_url("public.article", slug=case.slug) if case.slug else ""
    partners = sorted({m.sender_email for m in case.materials if m.sender_email})

    def make_article(case, transition):
        revision = latest_revision(case)
        preview = latest_preview(case)
        if db.session.execute(db.select(Article.id).where(Article.slug == case.slug)).first():
            raise ServiceError(_("Alamat berita %(slug)s sudah dipakai.", slug=case.slug))
        article = Article(
            case_id=case.id,
            slug=case.slug,
            category_id=revision.category_id,
            status="published",
            published_at=when,
            updated_at=now,
            current_number=1,
        )
        db.session.add(article)
        db.session.flush()
        db.session.add(
            PublishedVersion(
                article_id=article.id,
                number=1,
                revision_id=revision.id,
                revision_hash=revision.content_hash,
                layout=preview.layout if preview else "standar",
                photo_ids=",".join(str(p.id) for p in photos(case)),
                published_at=when,
                published_by_id=user.id,
            )
        )
        for address in partners:
            notify.queue_address(
                address,
                _("Berita terbit: %(title)s", title=revision.title),
                _(
                    "Terima kasih atas informasi yang Anda kirimkan kepada %(office)s.\n\n"
                    "Beritanya terbit di:\n%(url)s",
                    office=_office(),
                    url=url,
                ),
                "partner",
                case,
                send_at=when,
            )
        bump()
        intake.close_with_case(case)
        archiving.archive_article(article, user, transition.role, "terbit", batch)

    with writing.archiving() as batch:
        transition = cases.decide(
            case,
            user,
            "publish",
            version=version,
            extra={"url": url, "published_at": when.isoformat(), "partners_told": partners},
            then=make_article,
        )
    return transition


def _office():

    return current_app.config["OFFICE_NAME"]


@atomic
def withdraw(article, user, reason):
    """Take an article off the public site (a 410 page from then on), with a reason."""
    reason = (reason or "").strip()
    role = cases.allow(article.case, user, "withdraw", reason).role
    trail.append(
        article.case,
        step=article.case.step,
        action="withdraw",
        actor=user,
        role=role,
        note=reason,
        data={"url": absolute_url("public.article", slug=article.slug)},
    )
    article.status = "withdrawn"
    article.withdrawn_at = utcnow().replace(microsecond=0)
    article.withdrawn_reason = reason
    bump()
    with writing.archiving() as batch:
        archiving.archive_article(article, user, role, "penarikan", batch)
        commit()


@atomic
def add_social_post(article, user, platform, url):
    """Record the address of an official social media post of the article."""
    cases.allow(article.case, user, "social_post")
    if platform not in SOCIAL_PLATFORMS:
        raise ServiceError(_("Platform tidak dikenal."))
    db.session.add(
        SocialPost(
            article_id=article.id, platform=platform, url=url.strip(), recorded_by_id=user.id
        )
    )
    filing.note_social_post(article.case_id, SOCIAL_PLATFORMS[platform], url.strip(), user.id)
    commit()


# --- reading --------------------------------------------------------------------------------


#: The case's article, published or not yet visible or withdrawn; None before step 10.
article_for_case = article_of


def by_slug(slug):
    """The article at ``/berita/<slug>`` (any status), or None."""
    if "\x00" in slug or len(slug) > 100:
        return None
    return db.session.execute(db.select(Article).where(Article.slug == slug)).scalar_one_or_none()


def is_visible(article, now=None):
    """True if the public may see the article now."""
    return bool(article.visible_at(now or utcnow()))


def _listing(q, page, per_page):
    total = db.session.execute(db.select(db.func.count()).select_from(q.subquery())).scalar_one()
    rows = (
        db.session.execute(
            q.order_by(Article.published_at.desc(), Article.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .scalars()
        .all()
    )
    return rows, total


def latest(page=1, per_page=10, category=None, now=None):
    """Visible articles, newest first, a page at a time; returns (articles, total)."""
    q = db.select(Article).where(visible(now))
    if category is not None:
        q = q.where(Article.category_id == category.id)
    return _listing(q, page, per_page)


def search(text, page=1, per_page=10, now=None):
    """Visible articles whose title or summary contains ``text``."""
    like = f"%{text.replace(chr(0), '').strip()}%"
    q = (
        db.select(Article)
        .join(
            PublishedVersion,
            db.and_(
                PublishedVersion.article_id == Article.id,
                PublishedVersion.number == Article.current_number,
            ),
        )
        .join(Revision, Revision.id == PublishedVersion.revision_id)
        .where(visible(now), db.or_(Revision.title.ilike(like), Revision.summary.ilike(like)))
    )
    return _listing(q, page, per_page)


def category_by_slug(slug):
    """An active category, or None."""
    if "\x00" in slug or len(slug) > 80:
        return None
    return db.session.execute(
        db.select(Category).where(Category.slug == slug, Category.active.is_(True))
    ).scalar_one_or_none()


def photos_of(version):
    """The photos of a published version, in its order."""
    ids = version.photo_id_list
    by_id = {
        p.id: p
        for p in db.session.execute(
            db.select(Photo).where(Photo.id.in_(ids), Photo.case_id == version.article.case_id)
        ).scalars()
    }
    return [by_id[i] for i in ids if i in by_id]


def public_photo(photo_id, now=None):
    """A photo the public may see: one of a visible article's current version; else None."""
    if not 0 < photo_id < 2**31:
        return None
    photo = db.session.get(Photo, photo_id)
    if photo is None:
        return None
    article = db.session.execute(
        db.select(Article).where(Article.case_id == photo.case_id)
    ).scalar_one_or_none()
    if (
        article is None
        or not is_visible(article, now)
        or photo_id not in article.current.photo_id_list
    ):
        return None
    return photo


def categories_in_use():
    """Active categories, for the public navigation."""
    return (
        db.session.execute(
            db.select(Category)
            .where(Category.active.is_(True))
            .order_by(Category.position, Category.name)
        )
        .scalars()
        .all()
    )


def newest_visible(now=None):
    """When the public site last gained an article (for Last-Modified), or None."""
    return db.session.execute(
        db.select(db.func.max(Article.published_at)).where(visible(now))
    ).scalar()


@atomic
def save_published_correction(article, user, data, base_number):
    """The redaktur corrects a published article: a new revision, waiting for approval.

    The public keeps reading the published version until the penanggungjawab approves;
    the address stays the same.
    """
    role = cases.allow(article.case, user, "correct").role
    revision = new_revision(
        article.case, user, {**data, "slug": article.slug}, base_number, "correction"
    )
    trail.append(
        article.case,
        step=article.case.step,
        action="correct",
        actor=user,
        role=role,
        note=(data.get("note") or "").strip() or None,
        revision_hash=revision.content_hash,
    )
    commit(_("Naskah sudah disimpan orang lain sejak Anda membukanya."), stale=True)
    return revision


@atomic
def approve_published_correction(article, user, revision):
    """The penanggungjawab approves the correction: it becomes the published version.

    ``revision`` is the number of the correction the approver read: a newer one saved
    meanwhile is refused (409), so nobody publishes a text they never saw.
    """
    role = cases.allow(article.case, user, "approve_correction").role
    pending = pending_correction(article)
    if pending is None:
        raise ServiceError(_("Tidak ada koreksi yang menunggu persetujuan."))
    if pending.number != revision:
        raise ServiceError(
            _(
                "Koreksi sudah berubah sejak Anda membacanya (kini revisi %(n)s). "
                "Baca koreksi terbaru sebelum menyetujuinya.",
                n=pending.number,
            ),
            status=409,
        )
    now = utcnow().replace(microsecond=0)
    current = article.current
    number = article.current_number + 1
    db.session.add(
        PublishedVersion(
            article_id=article.id,
            number=number,
            revision_id=pending.id,
            revision_hash=pending.content_hash,
            layout=current.layout,
            photo_ids=current.photo_ids,
            published_at=now,
            published_by_id=user.id,
            note=pending.note,
        )
    )
    article.current_number = number
    article.updated_at = now
    article.category_id = pending.category_id
    trail.append(
        article.case,
        step=article.case.step,
        action="approve_correction",
        actor=user,
        role=role,
        revision_hash=pending.content_hash,
        data={"version": number},
    )
    bump()
    with writing.archiving() as batch:
        archiving.archive_article(article, user, role, "koreksi", batch)
        commit()
