"""The roles of the SOP team with their Indonesian labels (the names are ``sop.ROLE_NAMES``)."""

from flask_babel import lazy_gettext as _l

#: The roles of the SOP team, in SOP column order, with their Indonesian labels.
ROLES = {
    "penanggungjawab": _l("Penanggung Jawab"),
    "koordinator": _l("Koordinator"),
    "kontributor": _l("Kontributor"),
    "redaktur": _l("Redaktur"),
    "editor": _l("Super Admin/Editor"),
    "penulis": _l("Penulis Artikel/Berita"),
    "arsiparis": _l("Arsiparis"),
    "admin": _l("Admin"),
}
