"""The editable list of news categories."""

from flask_babel import gettext as _

from intranet import audit
from intranet.extensions import db
from intranet.models import Category
from intranet.services.slugs import slugify
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import commit
from intranet.transactions import flush


def all_categories():
    """Every category, active or not, in list order."""
    return (
        db.session.execute(db.select(Category).order_by(Category.position, Category.name))
        .scalars()
        .all()
    )


#: What the audit log keeps of a category.
CATEGORY_FIELDS = ("name", "slug", "position", "active")


@atomic
def save_category(data, category=None, actor=None):
    """Add a category, or change one. Its slug (the public address) must be unique.

    ``actor`` is the admin making the change (None: the command line), for the audit log.
    """
    name = " ".join(data["name"].split())
    slug = slugify(data.get("slug") or name)
    if not slug:
        raise ServiceError(_("Nama atau slug harus memuat huruf atau angka."))
    taken = db.session.execute(db.select(Category.id).where(Category.slug == slug)).scalar()
    if taken and (category is None or taken != category.id):
        raise ServiceError(_("Slug %(slug)s sudah dipakai kategori lain.", slug=slug))
    before = None if category is None else audit.values(category, CATEGORY_FIELDS)
    if category is None:
        category = Category()
        db.session.add(category)
    category.name = name
    category.slug = slug
    category.position = (
        data.get("position") if data.get("position") is not None else len(all_categories())
    )
    category.active = bool(data.get("active"))
    flush(_("Slug %(slug)s sudah dipakai kategori lain.", slug=slug))
    audit.record(
        "category.create" if before is None else "category.update",
        category,
        actor,
        before=before,
        after=audit.values(category, CATEGORY_FIELDS),
    )
    commit(_("Slug %(slug)s sudah dipakai kategori lain.", slug=slug))
    return category
