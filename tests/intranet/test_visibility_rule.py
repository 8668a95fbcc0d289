"""What the public may see is one rule (``Article.visible_at``), asked the same way in Python
and in SQL by every public listing, photo and the page cache's key."""

from datetime import datetime
from datetime import timedelta

import pytest

from intranet import public_cache
from intranet.extensions import db
from intranet.models import Article
from intranet.services import publishing
from tests.fixtures.scenarios import build_published

NOW = datetime(2026, 11, 30, 16, 59, 59)  # 23:59:59 in the office, the last day of a month


@pytest.mark.parametrize(
    "status, published_at, expected",
    [
        ("published", NOW, True),  # its time has come exactly now
        ("published", NOW - timedelta(seconds=1), True),
        ("published", NOW + timedelta(seconds=1), False),  # scheduled
        ("withdrawn", NOW - timedelta(days=1), False),
        ("withdrawn", NOW + timedelta(days=1), False),
    ],
)
def test_the_rule_answers_alike_on_a_row_and_in_sql(app, scenario, status, published_at, expected):
    build_published(app, scenario["case_id"])
    with app.app_context():
        article = db.session.execute(db.select(Article)).scalar_one()
        article.status, article.published_at = status, published_at
        db.session.commit()
        assert bool(article.visible_at(NOW)) is expected
        assert publishing.is_visible(article, NOW) is expected
        in_sql = (
            db.session.execute(db.select(Article.id).where(Article.visible_at(NOW))).scalars().all()
        )
        assert in_sql == ([article.id] if expected else [])
        assert publishing.latest(now=NOW)[1] == (1 if expected else 0)
        assert publishing.newest_visible(NOW) == (published_at if expected else None)
        photo_id = article.current.photo_id_list[0]
        assert (publishing.public_photo(photo_id, NOW) is not None) is expected


def test_the_page_cache_key_moves_when_a_scheduled_article_comes_due(app, scenario):
    build_published(app, scenario["case_id"])
    with app.app_context():
        article = db.session.execute(db.select(Article)).scalar_one()
        due = article.published_at
        before = db.session.execute(public_cache.SITE_KEY, {"now": due - timedelta(seconds=1)})
        at = db.session.execute(public_cache.SITE_KEY, {"now": due})
        generation, newest, upcoming = before.first()
        assert (newest, upcoming) == (None, due)  # the cache reads the key again at ``due``
        assert at.first() == (generation, due, None)
        article.status = "withdrawn"
        db.session.commit()
        assert db.session.execute(public_cache.SITE_KEY, {"now": due}).first() == (
            generation,
            None,
            None,
        )
