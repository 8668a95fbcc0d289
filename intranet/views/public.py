"""The public site: home, articles, categories, search, feeds, sitemap; and the health check.

Everything here shows only what ``publishing.visible()`` admits, and is served through
the page cache (see ``intranet.public_cache``).
"""

from flask import Blueprint
from flask import abort
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from intranet import feeds
from intranet.clock import utcnow
from intranet.errors import render_error
from intranet.forms.auth import LocaleForm
from intranet.links import absolute_url
from intranet.public_cache import cached
from intranet.security import safe_path
from intranet.services import accounts
from intranet.services import articles
from intranet.services import attachments as attachment_service
from intranet.services import health
from intranet.services import previews
from intranet.services import publishing
from intranet.services.photos import fallback_format
from intranet.services.photos import largest_web_width
from intranet.services.photos import photo_response
from intranet.services.photos import rendition_key
from intranet.services.photos import rendition_response
from intranet.services.photos import sources as web_sources

bp = Blueprint("public", __name__)
PER_PAGE = 10


def _page_number():
    page = request.args.get("halaman", 1, type=int)
    return page if 1 <= page <= 10_000 else 1


def _cards(rows):
    """What a listing shows of each article."""
    cards = []
    for a in rows:
        v = a.current
        photos = publishing.photos_of(v)
        cover = next((p for p in photos if p.is_cover), photos[0] if photos else None)
        cards.append(
            {
                "url": url_for("public.article", slug=a.slug),
                "title": v.revision.title,
                "summary": v.revision.summary,
                "date": a.published_at,
                "category": a.category,
                "cover": url_for("public.media", photo_id=cover.id, size="kecil")
                if cover
                else None,
                "cover_sources": web_sources(cover, _rendition_url) if cover else None,
                "cover_alt": cover.alt if cover else "",
            }
        )
    return cards


@bp.get("/")
@cached
def home():
    """The latest published news, ten to a page."""
    page = _page_number()
    rows, total = publishing.latest(page, PER_PAGE)
    return render_template(
        "public/home.html",
        cards=_cards(rows),
        page=page,
        total=total,
        per_page=PER_PAGE,
        categories=publishing.categories_in_use(),
    )


@bp.get("/kategori/<slug>")
@cached
def category(slug):
    """The published news of one category."""
    c = publishing.category_by_slug(slug)
    if c is None:
        abort(404)
    page = _page_number()
    rows, total = publishing.latest(page, PER_PAGE, category=c)
    return render_template(
        "public/category.html",
        category=c,
        cards=_cards(rows),
        page=page,
        total=total,
        per_page=PER_PAGE,
        categories=publishing.categories_in_use(),
    )


@bp.get("/cari")
@cached
def search():
    """A simple search over the published news."""
    q = (request.args.get("q") or "").replace("\x00", "").strip()[:200]
    page = _page_number()
    rows, total = publishing.search(q, page, PER_PAGE) if q else ([], 0)
    return render_template(
        "public/search.html",
        q=q,
        cards=_cards(rows),
        page=page,
        total=total,
        per_page=PER_PAGE,
        categories=publishing.categories_in_use(),
    )


@bp.get("/berita/<slug>")
@cached
def article(slug):
    """One published article; 410 once withdrawn; 404 for anything not (yet) public."""
    a = publishing.by_slug(slug)
    if a is None:
        abort(404)
    if a.status == "withdrawn":
        return render_template(
            "public/gone.html", article=a, categories=publishing.categories_in_use()
        ), 410
    if not publishing.is_visible(a):
        abort(404)
    v = a.current
    view = articles.article_view(
        v.revision,
        publishing.photos_of(v),
        lambda pid, size: url_for("public.media", photo_id=pid, size=size),
        v.layout,
        a.published_at,
        rendition_url=_rendition_url,
    )
    canonical = absolute_url("public.article", slug=a.slug)
    cover_photo = _cover(v)
    cover = _rendition_url(cover_photo, external=True) if cover_photo else None
    return render_template(
        "public/article.html",
        a=view,
        canonical=canonical,
        og_image=cover,
        article=a,
        attachments=attachment_service.attachments(a.case),
        categories=publishing.categories_in_use(),
    )


@bp.get("/berita/<slug>/lampiran/<int:attachment_id>")
def attachment(slug, attachment_id):
    """A file attached to a published article, as a download; 410 once it is withdrawn."""
    row, gone = attachment_service.public_attachment(slug, attachment_id)
    if gone:
        abort(410)
    if row is None:
        abort(404)
    return attachment_service.attachment_response(row) or abort(404)


def _cover(version):
    photos = publishing.photos_of(version)
    return next((p for p in photos if p.is_cover), photos[0] if photos else None)


def _rendition_url(photo, width=None, fmt=None, external=False):
    """The address of a photo's web size (the largest, in the fallback format, by default)."""
    values = {
        "photo_id": photo.id,
        "key": rendition_key(photo),
        "width": width or largest_web_width(photo),
        "fmt": fmt or fallback_format(photo),
    }
    if external:
        return absolute_url("public.media_rendition", **values)
    return url_for("public.media_rendition", **values)


@bp.get("/media/foto/<int:photo_id>/<any(kecil, penuh):size>")
def media(photo_id, size):
    """A photo of a published article; nothing else, and nothing before its time."""
    photo = publishing.public_photo(photo_id)
    if photo is None:
        abort(404)
    return photo_response(photo, size)


@bp.get("/media/foto/<int:photo_id>/<key>/<int:width>.<any(webp, jpg, png):fmt>")
def media_rendition(photo_id, key, width, fmt):
    """A web size of a published article's photo; its address names its content, so it is
    kept a year by browsers and caches."""
    photo = publishing.public_photo(photo_id)
    if photo is None:
        abort(404)
    return rendition_response(photo, width, fmt, key)


def _feed(fmt, category_slug=None):
    c = None
    if category_slug is not None:
        c = publishing.category_by_slug(category_slug)
        if c is None:
            abort(404)
    body, mimetype = feeds.build(fmt, c)
    response = make_response(body)
    response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    return response


@bp.get("/feed.xml")
@cached
def feed_xml():
    """RSS 2.0."""
    return _feed("rss")


@bp.get("/feed.atom")
@cached
def feed_atom():
    """Atom."""
    return _feed("atom")


@bp.get("/feed.json")
@cached
def feed_json():
    """JSON Feed 1.1."""
    return _feed("json")


@bp.get("/kategori/<slug>/feed.xml")
@cached
def category_feed_xml(slug):
    """RSS 2.0 of one category."""
    return _feed("rss", slug)


@bp.get("/kategori/<slug>/feed.atom")
@cached
def category_feed_atom(slug):
    """Atom of one category."""
    return _feed("atom", slug)


@bp.get("/kategori/<slug>/feed.json")
@cached
def category_feed_json(slug):
    """JSON Feed 1.1 of one category."""
    return _feed("json", slug)


@bp.get("/sitemap.xml")
@cached
def sitemap():
    """Every public page with its last change."""
    rows, _total = publishing.latest(per_page=50_000)
    xml = render_template(
        "public/sitemap.xml", articles=rows, categories=publishing.categories_in_use(), now=utcnow()
    )
    response = make_response(xml)
    response.headers["Content-Type"] = "application/xml; charset=utf-8"
    return response


@bp.post("/bahasa")
def set_language():
    """Switch the interface language, for this browser and (if logged in) for the account."""
    form = LocaleForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            accounts.set_locale(current_user, form.locale.data)
    return redirect(safe_path(request.form.get("next")) or url_for("public.home"))


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not."""
    if not health.database_ok():
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


def _signed_in():
    """The signed-in user, or None for an anonymous visitor."""
    return current_user if current_user.is_authenticated else None


@bp.get("/pratinjau/<token>")
def preview(token):
    """An unpublished preview, opened from the signed link sent to one reviewer (no login)."""
    try:
        p, user = previews.open_link(token, _signed_in())
    except previews.PreviewLinkError as e:
        return render_error(e.status, str(e))
    previews.record_opening(p, user)
    a = articles.article_view(
        p.revision,
        previews.preview_photos(p),
        lambda pid, size: url_for("public.preview_photo", token=token, photo_id=pid, size=size),
        p.layout,
    )
    note = _(
        "Dibuka oleh %(name)s; tautan berlaku sampai %(until)s.",
        name=user.full_name,
        until=format_datetime(p.expires_at, "medium"),
    )
    # The reviewer decides in the intranet: on its preview page (after logging in, if need be).
    decide_at = url_for("cases.preview", case_id=p.case_id)
    response = make_response(
        render_template(
            "public/article.html",
            a=a,
            preview=p,
            preview_note=note,
            categories=[],
            decide_url=decide_at if _signed_in() else url_for("auth.login", next=decide_at),
            case_url=url_for("cases.detail", case_id=p.case_id),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.get("/pratinjau/<token>/foto/<int:photo_id>/<any(kecil, penuh):size>")
def preview_photo(token, photo_id, size):
    """A photo of a preview, for the holder of its link."""
    try:
        p, _user = previews.open_link(token, _signed_in())
    except previews.PreviewLinkError as e:
        return render_error(e.status, str(e))
    photo = next((x for x in previews.preview_photos(p) if x.id == photo_id), None)
    if photo is None:
        abort(404)
    return photo_response(photo, size, private=True)
