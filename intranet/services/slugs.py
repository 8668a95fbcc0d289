"""Slugs: an article's address made from its title, cut at a word and unique by a suffix."""

import unicodedata

from flask_babel import gettext as _

from intranet.extensions import db
from intranet.models import Case
from intranet.transactions import ServiceError

MAX_LENGTH = 80
#: Letters that Unicode does not decompose into an ASCII letter and a mark.
_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "ı": "i",
    }
)


def _words(text):
    """The ASCII words of ``text``: accents dropped, anything else a separator ("½" is 1 2)."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_LETTERS))
    kept = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        ch = ch.lower()
        kept.append(ch if ("a" <= ch <= "z" or "0" <= ch <= "9") else " ")
    return "".join(kept).split()


def cut(slug, max_length=MAX_LENGTH):
    """``slug`` at most ``max_length`` long, cut after a whole word (a single longer word is
    cut where it must), never ending with a hyphen."""
    if len(slug) <= max_length:
        return slug
    head = slug[: max_length + 1]
    if head.endswith("-"):
        return head.rstrip("-")
    head = head[:max_length]
    if "-" in head:
        return head.rsplit("-", 1)[0].rstrip("-")
    return head


def slugify(text, max_length=MAX_LENGTH):
    """An Indonesian-friendly slug: ASCII letters and digits joined by hyphens, cut at a word."""
    return cut("-".join(_words(text)), max_length)


def _holder(slug, case_id):
    """The (id, title) of another case that has ``slug``, or None."""
    return db.session.execute(
        db.select(Case.id, Case.title).where(Case.slug == slug, Case.id != case_id)
    ).first()


def unique_slug(base, case_id):
    """``base`` if no other case has it, else ``base-2``, ``base-3`` … (each at most 80 long)."""
    if not _holder(base, case_id):
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = cut(base, MAX_LENGTH - len(suffix)) + suffix
        if not _holder(candidate, case_id):
            return candidate
        n += 1


def slug_for(case, typed, title, previous_title=None):
    """The slug of a new revision of ``case``.

    A hand-typed slug is taken as typed and refused, naming the article, if another has it;
    one made from the title is made unique by a suffix. A case keeps the slug it has while its
    title stays the same (a slug, once given, never changes by itself).
    """
    if typed:
        slug = slugify(typed)
        if not slug:
            raise ServiceError(_("Judul atau slug harus memuat huruf atau angka."))
        holder = _holder(slug, case.id)
        if holder:
            raise ServiceError(
                _(
                    "Slug %(slug)s sudah dipakai naskah #%(id)s «%(title)s». Ubah slug atau "
                    "kosongkan agar dibuat dari judul.",
                    slug=slug,
                    id=holder[0],
                    title=holder[1],
                )
            )
        return slug
    if case.slug and previous_title is not None and previous_title == " ".join(title.split()):
        return case.slug
    base = slugify(title)
    if not base:
        raise ServiceError(_("Judul atau slug harus memuat huruf atau angka."))
    return unique_slug(base, case.id)
