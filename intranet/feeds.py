"""RSS 2.0 and Atom (feedgen) and JSON Feed 1.1 of the published articles."""

import html
import json
from datetime import UTC

from feedgen.feed import FeedGenerator
from flask import current_app

from intranet.links import absolute_url
from intranet.services import articles as article_service
from intranet.services import photos as photo_service
from intranet.services import publishing


def _web_size(photo, width=None, fmt=None):
    """The absolute address of a photo's web size (the largest in its fallback format)."""
    return absolute_url(
        "public.media_rendition",
        photo_id=photo.id,
        key=photo_service.rendition_key(photo),
        width=width or photo_service.largest_web_width(photo),
        fmt=fmt or photo_service.fallback_format(photo),
    )


def _aware(dt):
    return dt.replace(tzinfo=UTC)


def items(category=None, limit=20):
    """The newest visible articles as plain dicts, for any feed format."""
    rows, _total = publishing.latest(per_page=limit, category=category)
    out = []
    for a in rows:
        v = a.current
        r = v.revision
        photo_list = publishing.photos_of(v)
        view = article_service.article_view(
            r,
            photo_list,
            lambda pid, size: absolute_url("public.media", photo_id=pid, size=size),
            v.layout,
            a.published_at,
            rendition_url=_web_size,
        )
        cover = next((p for p in photo_list if p.is_cover), photo_list[0] if photo_list else None)
        enclosure = None
        if cover is not None:
            # the largest web size, never the upload itself
            fmt = photo_service.fallback_format(cover)
            path = photo_service.rendition_path(cover, photo_service.largest_web_width(cover), fmt)
            enclosure = (
                _web_size(cover),
                path.stat().st_size if path else 0,
                photo_service.RENDITION_FORMATS[fmt][1],
            )
        out.append(
            {
                "id": absolute_url("public.article", slug=a.slug),
                "url": absolute_url("public.article", slug=a.slug),
                "title": r.title,
                "summary": r.summary,
                "content": str(view["body"]),
                "published": _aware(a.published_at),
                "updated": _aware(max(a.updated_at, a.published_at)),
                "category": (a.category.slug, a.category.name),
                "credits": r.credits,
                "enclosure": enclosure,
            }
        )
    return out


def _generator(title, home, self_url):
    fg = FeedGenerator()
    fg.id(home)
    fg.title(title)
    fg.link(href=self_url, rel="self")
    fg.link(href=home, rel="alternate")  # last: RSS takes the channel link from it
    fg.description(title)
    fg.subtitle(title)
    fg.language("id")
    fg.author({"name": current_app.config["OFFICE_NAME"]})
    return fg


def build(fmt, category=None):
    """The feed in ``fmt`` (rss, atom or json) as (bytes or str, mimetype)."""
    office = current_app.config["OFFICE_NAME"]
    title = f"{office} — {category.name}" if category else f"Berita {office}"
    home = (
        absolute_url("public.category", slug=category.slug)
        if category
        else absolute_url("public.home")
    )
    endpoint = {"rss": "feed_xml", "atom": "feed_atom", "json": "feed_json"}[fmt]
    self_url = (
        absolute_url(f"public.category_{endpoint}", slug=category.slug)
        if category
        else absolute_url(f"public.{endpoint}")
    )
    entries = items(category)
    if fmt == "json":
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "home_page_url": home,
            "feed_url": self_url,
            "language": "id",
            "items": [
                {
                    "id": e["id"],
                    "url": e["url"],
                    "title": e["title"],
                    "summary": e["summary"],
                    "content_html": e["content"],
                    "date_published": e["published"].isoformat(),
                    "date_modified": e["updated"].isoformat(),
                    "tags": [e["category"][1]],
                    "authors": [{"name": e["credits"]}],
                    **(
                        {
                            "image": e["enclosure"][0],
                            "attachments": [
                                {
                                    "url": e["enclosure"][0],
                                    "mime_type": e["enclosure"][2],
                                    "size_in_bytes": e["enclosure"][1],
                                }
                            ],
                        }
                        if e["enclosure"]
                        else {}
                    ),
                }
                for e in entries
            ],
        }
        return json.dumps(feed, ensure_ascii=False), "application/feed+json"
    fg = _generator(title, home, self_url)
    if entries:
        fg.updated(max(e["updated"] for e in entries))
    for e in reversed(entries):
        fe = fg.add_entry()
        fe.id(e["id"])
        fe.guid(e["id"], permalink=True)
        fe.title(e["title"])
        fe.link(href=e["url"], rel="alternate")
        fe.summary(e["summary"])  # Atom: plain text, as JSON Feed's summary
        # RSS readers render <description> as HTML: the plain-text summary is escaped as HTML
        # here, then as XML by feedgen, so that it shows as the text it is.
        fe.description(html.escape(e["summary"]))
        fe.content(e["content"], type="CDATA" if fmt == "rss" else "html")
        fe.published(e["published"])
        fe.updated(e["updated"])
        fe.category(term=e["category"][0], label=e["category"][1])
        fe.author({"name": e["credits"]})
        if e["enclosure"] and fmt == "rss":
            fe.enclosure(e["enclosure"][0], str(e["enclosure"][1]), e["enclosure"][2])
        elif e["enclosure"]:
            fe.link(
                href=e["enclosure"][0],
                rel="enclosure",
                type=e["enclosure"][2],
                length=str(e["enclosure"][1]),
            )
    if fmt == "rss":
        return fg.rss_str(pretty=False), "application/rss+xml"
    return _fix_atom_links(fg.atom_str(pretty=False), entries), "application/atom+xml"


ATOM = "{http://www.w3.org/2005/Atom}"


def _fix_atom_links(xml, entries):
    """Put back the rel, type and length that feedgen 1.0 drops from entry links in Atom."""
    from lxml import etree

    root = etree.fromstring(xml)
    by_id = {e["id"]: e for e in entries}
    for entry in root.iter(f"{ATOM}entry"):
        e = by_id.get(entry.findtext(f"{ATOM}id"))
        if e is None:
            continue
        for link in entry.findall(f"{ATOM}link"):
            if link.get("href") == e["url"]:
                link.set("rel", "alternate")
                link.set("type", "text/html")
            elif e["enclosure"] and link.get("href") == e["enclosure"][0]:
                link.set("rel", "enclosure")
                link.set("type", e["enclosure"][2])
                link.set("length", str(e["enclosure"][1]))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
