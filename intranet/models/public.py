"""Step 10: what the public sees: published articles, their versions, social posts."""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models.cases import Case
from intranet.models.cases import Category
from intranet.models.cases import Revision
from intranet.models.people import User

SOCIAL_PLATFORMS = {
    "instagram": "Instagram",
    "facebook": "Facebook",
    "x": "X",
    "youtube": "YouTube",
    "tiktok": "TikTok",
    "lainnya": "Lainnya",
}


class Article(db.Model):
    """A published article: public at ``published_at`` (which may lie in the future)."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="published")  # published | withdrawn
    published_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    current_number: Mapped[int] = mapped_column(default=1)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(String(1000))
    version: Mapped[int] = mapped_column(default=1)

    case: Mapped[Case] = relationship()
    category: Mapped[Category] = relationship()
    versions: Mapped[list["PublishedVersion"]] = relationship(
        back_populates="article", order_by="PublishedVersion.number"
    )
    social_posts: Mapped[list["SocialPost"]] = relationship(
        back_populates="article", order_by="SocialPost.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @hybrid_method
    def visible_at(self, now):
        """What the public may see: published, and its time has come.

        The one rule, both ways: on a row it answers True/False; on the class it is the
        SQL condition every public listing, feed, sitemap, search, photo and the page
        cache's key filter by.
        """
        return (self.status == "published") & (self.published_at <= now)

    @property
    def current(self):
        """The version the public reads now."""
        return next(v for v in self.versions if v.number == self.current_number)


class PublishedVersion(db.Model):
    """One published version of an article: its revision, layout and photos, kept for staff."""

    __tablename__ = "published_versions"
    __table_args__ = (
        UniqueConstraint("article_id", "number", name="uq_published_versions_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    number: Mapped[int]
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    revision_hash: Mapped[str] = mapped_column(String(64))
    layout: Mapped[str] = mapped_column(String(16), default="standar")
    photo_ids: Mapped[str] = mapped_column(String(500), default="")
    published_at: Mapped[datetime]
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(500))

    article: Mapped[Article] = relationship(back_populates="versions")
    revision: Mapped[Revision] = relationship()
    published_by: Mapped[User] = relationship()

    @property
    def photo_id_list(self):
        return [int(i) for i in self.photo_ids.split(",") if i]


class SocialPost(db.Model):
    """The address of an official social media post of the article."""

    __tablename__ = "social_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(500))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship(back_populates="social_posts")
    recorded_by: Mapped[User] = relationship()

    @property
    def platform_label(self):
        return SOCIAL_PLATFORMS.get(self.platform, self.platform)


class SiteState(db.Model):
    """One row: the generation of the public site, bumped on every publish, correction or
    withdrawal, so every worker's page cache knows when it is stale."""

    __tablename__ = "site_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(default=0)
