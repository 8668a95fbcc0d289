"""Acting substitutes (Plh/Plt): a role delegated to another team member for a date range."""

from flask_babel import gettext as _

from intranet.clock import utcnow
from intranet.extensions import db
from intranet.models import ROLES
from intranet.models import Delegation
from intranet.transactions import ServiceError
from intranet.transactions import atomic
from intranet.transactions import commit


@atomic
def delegate(data, actor, absent, substitute):
    """The Penanggung Jawab names ``substitute`` to act as ``absent`` in a role for a period."""
    source = actor.role_source("penanggungjawab")
    if source is None:
        raise ServiceError(_("Hanya penanggung jawab yang dapat menunjuk pelaksana harian."))
    if source[1] is not None:
        raise ServiceError(_("Pelaksana harian tidak dapat menunjuk pelaksana harian lain."))
    if substitute.id == actor.id:
        raise ServiceError(_("Penanggung jawab tidak dapat menunjuk dirinya sendiri."))
    role = data["role"]
    if role not in ROLES or role == "admin":
        raise ServiceError(_("Peran ini tidak dapat didelegasikan."))
    if absent.id == substitute.id:
        raise ServiceError(_("Pelaksana harian harus orang lain."))
    if data["valid_until"] < data["valid_from"]:
        raise ServiceError(_("Tanggal akhir tidak boleh sebelum tanggal mulai."))
    if not any(m.role == role for m in absent.valid_memberships(data["valid_from"])):
        raise ServiceError(
            _(
                "%(name)s tidak memegang peran itu menurut SK Tim pada tanggal mulai.",
                name=absent.full_name,
            )
        )
    if not substitute.active or not substitute.valid_memberships():
        raise ServiceError(_("%(name)s bukan anggota tim yang aktif.", name=substitute.full_name))
    d = Delegation(
        role=role,
        absent_user_id=absent.id,
        substitute_id=substitute.id,
        valid_from=data["valid_from"],
        valid_until=data["valid_until"],
        reason=data["reason"].strip(),
        created_by_id=actor.id,
    )
    db.session.add(d)
    commit()
    return d


@atomic
def revoke(delegation, actor):
    """End a delegation early."""
    if not actor.has_role("penanggungjawab"):
        raise ServiceError(_("Hanya penanggung jawab yang dapat mencabut penunjukan."))
    if delegation.revoked_at is None:
        delegation.revoked_at = utcnow()
        commit()


def all_delegations():
    """Every delegation, newest first."""
    return db.session.execute(db.select(Delegation).order_by(Delegation.id.desc())).scalars().all()
