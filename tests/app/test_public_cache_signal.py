"""The page cache answers hits without the database and still never serves an old site.

A hit reads the site key again only when the change signal moved (a commit that bumped the
generation, on this host), when the next scheduled publication's time has come, or after
``PUBLIC_CACHE_RECHECK`` seconds (the bound for a change from another host).
"""

from datetime import timedelta

import pytest
from sqlalchemy import event

from intranet import public_cache
from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import Article
from intranet.models import SiteState
from intranet.models import User
from intranet.services import publishing
from tests.fixtures.scenarios import build_published
from tests.fixtures.scenarios import build_scenario


def middleware(app):
    """The page cache layer (inside ``TrustedHosts``)."""
    layer = app.wsgi_app
    while not isinstance(layer, public_cache.PublicCacheMiddleware):
        layer = layer.wsgi_app
    return layer


class Statements:
    """Count the statements an engine runs while the block is open."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _seen(self, *args):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)


@pytest.fixture
def site(app_factory):
    from intranet.cli import load_demo
    from tests.conftest import PASSWORD

    app = app_factory(PUBLIC_CACHE_RECHECK=3600)
    with app.app_context():
        load_demo(PASSWORD)
    slug = build_published(app, build_scenario(app)["case_id"])
    return app, slug


@pytest.mark.parametrize(
    "path",
    ["/", "/feed.xml", "/feed.atom", "/feed.json", "/sitemap.xml", "/kategori/berita-terkini"],
)
def test_a_cache_hit_asks_the_database_nothing(site, path):
    app, slug = site
    client = app.test_client()
    first = client.get(path)
    with app.app_context():
        engine = db.engine
    with Statements(engine) as seen:
        again = client.get(path)
    assert again.status_code == first.status_code
    assert again.get_data() == first.get_data()
    assert seen.count == 0


def test_an_article_hit_asks_the_database_nothing(site):
    app, slug = site
    client = app.test_client()
    assert client.get(f"/berita/{slug}").status_code == 200
    with app.app_context():
        engine = db.engine
    with Statements(engine) as seen:
        assert client.get(f"/berita/{slug}").status_code == 200
    assert seen.count == 0


def test_a_publication_on_this_host_is_seen_by_the_next_request(site):
    app, first = site
    client = app.test_client()
    assert first in client.get("/").get_data(as_text=True)
    second = build_published(app, build_scenario(app)["case_id"])
    assert second in client.get("/").get_data(as_text=True)
    assert second in client.get("/feed.xml").get_data(as_text=True)


def test_a_withdrawal_on_this_host_is_seen_by_the_next_request(site):
    app, slug = site
    client = app.test_client()
    assert slug in client.get("/feed.json").get_data(as_text=True)
    assert client.get(f"/berita/{slug}").status_code == 200
    with app.test_request_context(method="POST"):
        article = db.session.execute(db.select(Article).where(Article.slug == slug)).scalar_one()
        red = db.session.execute(db.select(User).where(User.username == "redaktur")).scalar_one()
        publishing.withdraw(article, red, "Ditarik untuk uji.")
    assert slug not in client.get("/feed.json").get_data(as_text=True)
    assert client.get(f"/berita/{slug}").status_code == 410


def test_a_change_from_another_host_is_seen_after_the_recheck_interval(site):
    """No signal reaches this host: the recheck interval is the bound."""
    app, slug = site
    client = app.test_client()
    assert slug in client.get("/").get_data(as_text=True)
    with app.app_context():  # another host withdrew it: the database moved, no signal here
        db.session.execute(
            db.update(Article).where(Article.slug == slug).values(status="withdrawn")
        )
        db.session.execute(db.update(SiteState).values(generation=SiteState.generation + 1))
        db.session.commit()
    assert slug in client.get("/").get_data(as_text=True)  # within the interval (3600 s here)
    middleware(app).recheck = 0  # the interval has passed
    assert slug not in client.get("/").get_data(as_text=True)


def test_a_scheduled_article_appears_at_its_time_by_the_office_clock(site, monkeypatch):
    app, first = site
    due = utcnow().replace(microsecond=0) + timedelta(hours=2)
    second = build_published(app, build_scenario(app)["case_id"])
    with app.app_context():
        db.session.execute(
            db.update(Article).where(Article.slug == second).values(published_at=due)
        )
        publishing.bump()
        db.session.commit()
    client = app.test_client()
    assert second not in client.get("/").get_data(as_text=True)
    assert client.get(f"/berita/{second}").status_code == 404
    monkeypatch.setattr(public_cache, "utcnow", lambda: due - timedelta(seconds=1))
    assert second not in client.get("/").get_data(as_text=True)
    monkeypatch.setattr(public_cache, "utcnow", lambda: due)
    assert middleware(app).state()[1] == str(due)


def test_a_rolled_back_bump_moves_no_signal(site):
    app, slug = site
    path = public_cache.signal_path(app)
    with app.app_context():
        before = public_cache._signal_stamp(path)
        publishing.bump()
        db.session.rollback()
        db.session.commit()
    assert public_cache._signal_stamp(path) == before


def test_a_committed_bump_moves_the_signal(site):
    app, slug = site
    path = public_cache.signal_path(app)
    with app.app_context():
        before = public_cache._signal_stamp(path)
        publishing.bump()
        db.session.commit()
    assert public_cache._signal_stamp(path) > before
