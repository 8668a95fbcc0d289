"""The article body's HTML policy: what the editor may keep, the cleaning itself, and what the
cleaning would drop, named for the writer before the save (never a silent loss)."""

import re
from html.parser import HTMLParser

import nh3
from flask_babel import gettext as _

TABLE_TAGS = {
    "table",
    "caption",
    "colgroup",
    "col",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
}
TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "figure",
    "figcaption",
    "img",
    "hr",
    *TABLE_TAGS,
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "col": {"span"},
    "colgroup": {"span"},
}
URL_SCHEMES = {"http", "https", "mailto"}
#: Attributes replaced rather than lost: the cleaning sets a link's ``rel`` itself, a new tab
#: (``target``) is no content, and ``data-row`` is the editor's own note of a table cell's row.
REPLACED = {"a": {"rel", "target"}, "td": {"data-row"}, "th": {"data-row"}}
#: Elements whose content goes with them (nh3's default); of the others only the tag goes.
CONTENT_DROPPED = {"script", "style"}
SCOPES = {"row", "col", "rowgroup", "colgroup"}
NUMBER = re.compile(r"[1-9][0-9]{0,2}")
SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


def _value_ok(tag, attribute, value, photo_srcs):
    """Whether an allowed attribute's value is kept."""
    if attribute in ("colspan", "rowspan", "span"):
        return bool(NUMBER.fullmatch(value or ""))
    if attribute == "scope":
        return value in SCOPES
    if tag == "img" and attribute == "src":
        return value in photo_srcs
    if tag == "a" and attribute == "href":
        m = SCHEME.match(value or "")
        return m is None or m.group(1).lower() in URL_SCHEMES
    return True


def sanitize(html, photo_srcs=frozenset()):
    """The body as safe HTML: only the editor's formatting, tables, links and the case's own
    photos.

    ``photo_srcs`` are the image addresses allowed (the case's photos); any other image
    loses its source and is dropped.
    """

    def attribute_filter(tag, attribute, value):
        return value if _value_ok(tag, attribute, value, photo_srcs) else None

    cleaned = nh3.clean(
        html or "",
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=attribute_filter,
        strip_comments=True,
    )
    return re.sub(r"<img(?![^>]*\bsrc=)[^>]*>", "", cleaned).strip()


class _Finder(HTMLParser):
    """Walks the HTML as written and notes each kind of thing the cleaning removes."""

    def __init__(self, photo_srcs):
        super().__init__(convert_charrefs=True)
        self.photo_srcs = photo_srcs
        self.found = {}

    def note(self, key, text):
        self.found.setdefault(key, text)

    def handle_starttag(self, tag, attrs):
        if tag not in TAGS:
            if tag in CONTENT_DROPPED:
                text = _("unsur <%(tag)s> beserta isinya", tag=tag)
            else:
                text = _("unsur <%(tag)s> (teksnya tetap)", tag=tag)
            self.note(("tag", tag), text)
            return
        for name, value in attrs:
            value = value or ""  # an attribute written bare (<td colspan>) comes as None
            if name in REPLACED.get(tag, ()):
                continue
            if name == "style":
                self.note(("style", tag), _("gaya inline pada <%(tag)s>", tag=tag))
            elif name not in ATTRIBUTES.get(tag, ()):
                self.note(
                    ("attr", name, tag),
                    _("atribut %(name)s pada <%(tag)s>", name=name, tag=tag),
                )
            elif not _value_ok(tag, name, value, self.photo_srcs):
                if tag == "img":
                    text = _("gambar yang bukan foto naskah ini")
                elif tag == "a":
                    text = _("tautan dengan alamat tidak aman (%(value)s)", value=value[:40])
                else:
                    text = _(
                        "nilai %(name)s=%(value)s pada <%(tag)s>",
                        name=name,
                        value=value[:20],
                        tag=tag,
                    )
                self.note(("value", name, tag), text)

    handle_startendtag = handle_starttag


def dropped_parts(html, photo_srcs=frozenset()):
    """What cleaning ``html`` would remove, each kind once, in the order met: a list of short
    Indonesian descriptions (empty when nothing would be lost)."""
    finder = _Finder(photo_srcs)
    finder.feed(html or "")
    finder.close()
    return list(finder.found.values())
