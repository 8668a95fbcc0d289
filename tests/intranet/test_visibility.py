"""The property that matters most: nothing unpublished ever shows on the public site.

Random cases in random states (published, scheduled for later, withdrawn, never published)
and every public address checked for each draw.
"""

from datetime import timedelta

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from intranet import public_cache
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import Article
from intranet.models import Case
from intranet.services import publishing
from tests.fixtures.scenarios import build_preview
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import build_scenario

STATES = ("published", "scheduled", "withdrawn")
PATHS = [
    "/",
    "/?halaman=2",
    "/kategori/berita-terkini",
    "/feed.xml",
    "/feed.atom",
    "/feed.json",
    "/kategori/berita-terkini/feed.xml",
    "/kategori/berita-terkini/feed.atom",
    "/kategori/berita-terkini/feed.json",
    "/sitemap.xml",
    "/cari?q=rapat",
    "/cari?q=pleno",
]


def test_no_public_address_ever_shows_an_unpublished_article(app):
    published_ids, drafts = [], []
    for _ in range(5):
        cid = build_scenario(app)["case_id"]
        build_published(app, cid)
        published_ids.append(cid)
    for _ in range(2):  # written and previewed, never published
        cid = build_scenario(app)["case_id"]
        build_preview(app, cid)
        drafts.append(cid)
    with app.app_context():
        draft_slugs = [db.session.get(Case, c).slug for c in drafts]
        photos = {
            a.slug: a.current.photo_id_list
            for a in db.session.execute(db.select(Article)).scalars()
        }
    client = app.test_client()

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        states=st.lists(st.sampled_from(STATES), min_size=5, max_size=5),
        minutes=st.integers(1, 10_000),
    )
    def check(states, minutes):
        now = utcnow()
        with app.app_context():
            articles = (
                db.session.execute(db.select(Article).order_by(Article.case_id)).scalars().all()
            )
            for article, state in zip(articles, states, strict=True):
                article.status = "withdrawn" if state == "withdrawn" else "published"
                article.published_at = (
                    now + timedelta(minutes=minutes)
                    if state == "scheduled"
                    else now - timedelta(minutes=minutes)
                )
            publishing.bump()
            db.session.commit()
            hidden = [
                a.slug for a, s in zip(articles, states, strict=True) if s != "published"
            ] + draft_slugs
            shown = [a.slug for a, s in zip(articles, states, strict=True) if s == "published"]
        public_cache.clear()
        pages = {p: client.get(p).get_data(as_text=True) for p in PATHS}
        for slug in hidden:
            for path, body in pages.items():
                assert slug not in body, (slug, path)
            r = client.get(f"/berita/{slug}")
            assert r.status_code in (404, 410), slug
            for pid in photos.get(slug, []):
                assert client.get(f"/media/foto/{pid}/penuh").status_code == 404
        for slug in shown:
            assert client.get(f"/berita/{slug}").status_code == 200
            assert slug in pages["/feed.xml"] and slug in pages["/sitemap.xml"]

    check()
