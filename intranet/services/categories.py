"""The editable list of news categories."""

from flask_babel import gettext as _

from intranet.extensions import db
from intranet.models import Category
from intranet.services.articles import slugify
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import commit


def all_categories():
    """Every category, active or not, in list order."""
    return (
        db.session.execute(db.select(Category).order_by(Category.position, Category.name))
        .scalars()
        .all()
    )


@atomic
def save_category(data, category=None):
    """Add a category, or change one. Its slug (the public address) must be unique."""
    name = " ".join(data["name"].split())
    slug = slugify(data.get("slug") or name)
    if not slug:
        raise ServiceError(_("Nama atau slug harus memuat huruf atau angka."))
    taken = db.session.execute(db.select(Category.id).where(Category.slug == slug)).scalar()
    if taken and (category is None or taken != category.id):
        raise ServiceError(_("Slug %(slug)s sudah dipakai kategori lain.", slug=slug))
    if category is None:
        category = Category()
        db.session.add(category)
    category.name = name
    category.slug = slug
    category.position = (
        data.get("position") if data.get("position") is not None else len(all_categories())
    )
    category.active = bool(data.get("active"))
    commit(_("Slug %(slug)s sudah dipakai kategori lain.", slug=slug))
    return category
