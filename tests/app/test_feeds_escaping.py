"""The ≥ 300 XSS payloads as an article's summary, through RSS, Atom and JSON Feed, read as
a feed reader reads them: nothing executable, and the summary shows as the text it is.

A reader takes the text of ``<description>`` (RSS), ``<summary>``/``<content>`` (Atom) or
``summary``/``content_html`` (JSON Feed) and, where the format says it is HTML, parses that
text as HTML. RSS says nothing, so readers treat ``<description>`` as HTML.
"""

import html
import json

from lxml import etree

from intranet import public_cache
from intranet.extensions import db
from intranet.models import Article
from tests.fixtures.scenarios import build_published
from tests.fixtures.xss import executable
from tests.fixtures.xss import variants

ATOM = "{http://www.w3.org/2005/Atom}"


def _as_text(value):
    """What a reader shows of a text element: the characters themselves, never markup."""
    return html.escape(value)


def rss_items(data):
    """``(description as HTML, content as HTML)`` of each RSS item."""
    root = etree.fromstring(data)
    content = "{http://purl.org/rss/1.0/modules/content/}encoded"
    return [
        (item.findtext("description") or "", item.findtext(content) or "")
        for item in root.iter("item")
    ]


def atom_entries(data):
    """``(summary as HTML, content as HTML)`` of each Atom entry, by their ``type``."""
    out = []
    for entry in etree.fromstring(data).iter(f"{ATOM}entry"):
        shown = []
        for name in ("summary", "content"):
            el = entry.find(f"{ATOM}{name}")
            text = "" if el is None else el.text or ""
            shown.append(text if el is not None and el.get("type") == "html" else _as_text(text))
        out.append(tuple(shown))
    return out


def json_items(data):
    """``(summary as HTML, content_html)`` of each JSON Feed item (summary is plain text)."""
    return [(_as_text(i["summary"]), i["content_html"]) for i in json.loads(data)["items"]]


def test_the_reader_model_sees_what_runs():
    """The decoding above finds a summary that would run, and passes one that would not."""
    bad = b"<rss><channel><item><description>&lt;img src=x onerror=alert(1)&gt;</description></item></channel></rss>"
    good = b"<rss><channel><item><description>&amp;lt;img src=x onerror=alert(1)&amp;gt;</description></item></channel></rss>"
    assert executable(rss_items(bad)[0][0])
    assert executable(rss_items(good)[0][0]) == []
    assert html.unescape(rss_items(good)[0][0]) == "<img src=x onerror=alert(1)>"


def test_the_corpus_as_a_summary_never_runs_in_any_feed(app, scenario):
    build_published(app, scenario["case_id"])
    client = app.test_client()
    payloads = variants()
    assert len(payloads) >= 300
    for payload in payloads:
        summary = payload.replace("\x00", "")  # the editor keeps no NUL; XML cannot hold one
        with app.app_context():
            article = db.session.execute(db.select(Article)).scalar_one()
            article.current.revision.summary = summary
            db.session.commit()
        public_cache.clear()
        feeds = {
            "rss": rss_items(client.get("/feed.xml").data),
            "atom": atom_entries(client.get("/feed.atom").data),
            "json": json_items(client.get("/feed.json").data),
        }
        for name, entries in feeds.items():
            [(shown_summary, content)] = entries
            assert executable(shown_summary) == [], (name, payload)
            assert executable(content) == [], (name, payload)
            # the summary reads as the text that was written, in every format alike
            assert html.unescape(shown_summary) == summary, (name, payload)
